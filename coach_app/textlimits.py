"""Limits on text people type, and one validator for them (no Reflex; the agent and API use it too).

Text is always rendered as text (Reflex escapes `rx.text(...)` content); never pass user text to
`rx.html` or `dangerously_set_inner_html`.
"""

from __future__ import annotations

import unicodedata

COMMENT_MAX = 4000  # review comments (ReviewAction.comment is 4000 wide)
MESSAGE_MAX = 2000  # a typed chat message to the persona (the page and the agent enforce it)
MESSAGES_PER_MINUTE = 12  # typed chat messages one call accepts per minute (the agent enforces it)
TURN_TEXT_MAX = 4000  # one stored turn (a long spoken monologue fits) and one turn in the judge's prompt
LOG_TEXT_MAX = 200  # how much of a person's text a log line may carry
DISPLAY_NAME_MAX = 120
TOKEN_NAME_MAX = 80  # ApiToken.name
USERNAME_MAX = 64
PASSWORD_MAX = 256


class TextTooLong(ValueError):
    """Raised with a message that names the field and its limit (show it to the user)."""


def clean_text(value: str | None) -> str:
    """Strip surrounding whitespace and control characters other than newline and tab.

    Format characters (zero-width joiners...) are kept: several scripts need them.
    """
    if not value:
        return ""
    return "".join(ch for ch in str(value) if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")).strip()


def check_text(value: str | None, limit: int, field: str, required: bool = False) -> str:
    """The cleaned text, or TextTooLong naming `field` when it is longer than `limit` (or empty and required)."""
    text = clean_text(value)
    if required and not text:
        raise TextTooLong(f"{field} cannot be empty.")
    if len(text) > limit:
        raise TextTooLong(f"{field} is too long: {len(text)} characters, the limit is {limit}.")
    return text


def log_safe(value: object, limit: int = LOG_TEXT_MAX) -> str:
    """A client-supplied string for a log line: CR/LF and other control characters escaped (no
    forged log lines), cut to `limit` characters with the original length noted."""
    text = str(value)
    out = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text[:limit])
    return out + (f"... ({len(text)} characters)" if len(text) > limit else "")
