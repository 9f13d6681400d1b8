"""Text people type (review comments, typed call messages that end up in transcripts) is
length-limited with a clear message and always shown as text, never run as HTML."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from coach_app.calls import start as practice
from coach_app.db import make_engine
from coach_app.feedback.evaluate import evaluate_session_sync
from coach_app.models import SessionStatus, Speaker, Turn, utcnow
from coach_app.personas.catalogue import get_catalogue
from tests.support.auth import login, make_user

pytestmark = pytest.mark.e2e

COMMENT = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2"> Good <b>empathy</b>'
TYPED = '<img src=x onerror="window.__xss=3"><a href="javascript:window.__xss=4">click</a>'


@pytest.fixture(scope="module")
def feedback_path(db_url):
    trainee = make_user(db_url, "ut-trainee", "trainee", team="ut-team", password="ut-trainee-pw")
    make_user(db_url, "ut-manager", "manager", team="ut-team", password="ut-manager-pw")
    with Session(make_engine(db_url), expire_on_commit=False) as db:
        ps = practice.start_session(db, trainee, sorted(get_catalogue().personas)[0])
        ps.status = SessionStatus.completed
        ps.started_at = utcnow() - timedelta(minutes=2)
        ps.ended_at = utcnow() - timedelta(minutes=1)
        db.add(ps)
        db.add(Turn(session_id=ps.id, seq=0, speaker=Speaker.persona, text="Hello.", start=0.0, end=1.0))
        db.add(Turn(session_id=ps.id, seq=1, speaker=Speaker.trainee, text=TYPED, start=1.5, end=4.0))
        db.commit()
        sid = ps.id
    evaluate_session_sync(sid)
    return f"/sessions/{sid}/feedback"


def _no_markup_ran(page):
    assert page.evaluate("window.__xss") is None
    assert (
        page.locator("#review-actions img, .transcript-turn img, .transcript-turn a[href^='javascript']").count() == 0
    )


def test_markup_in_a_comment_and_a_transcript_shows_as_text(app_server, feedback_path, browser):
    manager = browser.new_context().new_page()
    login(manager, app_server, "ut-manager", "ut-manager-pw", next_path=feedback_path)
    manager.locator("#comment-input").fill(COMMENT)
    manager.locator("#comment-submit").click()
    manager.locator(".action-comment").first.wait_for()
    assert manager.locator(".action-comment").first.inner_text() == COMMENT
    _no_markup_ran(manager)
    manager.context.close()

    trainee = browser.new_context().new_page()
    login(trainee, app_server, "ut-trainee", "ut-trainee-pw", next_path=feedback_path)
    trainee.locator(".action-comment").first.wait_for()
    assert trainee.locator(".action-comment").first.inner_text() == COMMENT
    assert trainee.get_by_text(TYPED).count() >= 1
    _no_markup_ran(trainee)
    trainee.context.close()


def test_an_overlong_comment_is_refused_with_a_clear_message(app_server, feedback_path, browser):
    from coach_app.textlimits import COMMENT_MAX

    page = browser.new_context().new_page()
    login(page, app_server, "ut-manager", "ut-manager-pw", next_path=feedback_path)
    box = page.locator("#comment-input")
    box.evaluate("el => el.removeAttribute('maxlength')")  # as a crafted client would
    before = page.locator(".action-comment").count()
    box.fill("x" * (COMMENT_MAX + 1))
    page.locator("#comment-submit").click()
    error = page.locator("#action-error")
    error.wait_for()
    assert error.inner_text() == f"The comment is too long: {COMMENT_MAX + 1} characters, the limit is {COMMENT_MAX}."
    assert page.locator(".action-comment").count() == before
    page.context.close()
