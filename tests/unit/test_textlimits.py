import pytest

from coach_app.textlimits import COMMENT_MAX, TextTooLong, check_text, clean_text


def test_check_text_names_the_field_and_limit():
    with pytest.raises(TextTooLong, match=r"Comment is too long: 4001 characters, the limit is 4000"):
        check_text("a" * (COMMENT_MAX + 1), COMMENT_MAX, "Comment")
    assert check_text("a" * COMMENT_MAX, COMMENT_MAX, "Comment") == "a" * COMMENT_MAX


def test_clean_text_keeps_markup_characters_and_scripts_but_drops_control_bytes():
    assert clean_text("  <script>alert(1)</script>\x00\x07 ") == "<script>alert(1)</script>"
    assert clean_text("line1\nline2\tx") == "line1\nline2\tx"
    assert clean_text("สวัสดี\u200cครับ") == "สวัสดี\u200cครับ"
    with pytest.raises(TextTooLong, match="Name cannot be empty"):
        check_text(" \x00 ", 10, "Name", required=True)
