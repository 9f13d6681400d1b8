"""The feedback page opened while the call is still live moves on by itself when the agent closes it.

The trainee presses End and lands on the feedback page before the agent has closed the session
(status `live`). The agent then closes it and evaluates it through its real code path
(`CallRecorder.finish` + `_after_call`, as at job shutdown); the open page must show the finished
call's analytics (and, with an LLM, the evaluation progress, then the scores) without a reload.
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from agent.recorder import CallRecorder
from agent.session_runner import _after_call
from coach_app.db import make_engine
from coach_app.devtools.standin import ChatStandin, judge_reply
from coach_app.models import EndReason, PracticeSession, SessionStatus
from coach_app.settings import get_settings
from tests.support.auth import login, make_user
from tests.support.feedback_seed import BILLING_CALL, seed_session

pytestmark = pytest.mark.e2e

LOCAL_PROVIDERS = {
    "stt": {"mode": "local", "provider": "faster-whisper", "model": "tiny.en"},
    "llm": {"mode": "local", "provider": "scripted", "model": "persona script"},
    "tts": {"mode": "local", "provider": "flite", "model": "slt"},
}


def run_async(coro) -> threading.Thread:
    """Run a coroutine on its own loop in a thread (sync Playwright owns this thread's loop)."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised by the caller's join
            errors.append(exc)

    thread = threading.Thread(target=target, name="agent-side")
    thread.errors = errors  # type: ignore[attr-defined]
    thread.start()
    return thread


def finish(thread: threading.Thread, timeout: float = 90) -> None:
    thread.join(timeout)
    assert not thread.is_alive(), "the agent-side work did not finish"
    if thread.errors:  # type: ignore[attr-defined]
        raise thread.errors[0]  # type: ignore[attr-defined]


def live_session(db_url: str, user_id: int) -> int:
    """A call the agent has taken live (the recorder's own write), with its turns recorded."""
    with Session(make_engine(db_url), expire_on_commit=False) as db:
        ps = seed_session(
            db, user_id, status=SessionStatus.created, usage=dict(stt_audio_seconds=56.0, tts_characters=640)
        )
        ps.started_at = ps.ended_at = None
        ps.end_reason = None
        db.add(ps)
        db.commit()
        sid = ps.id

    async def go_live() -> None:
        recorder = CallRecorder(sid)
        recorder.mark_live(LOCAL_PROVIDERS)
        await recorder.aclose()

    finish(run_async(go_live()))
    return sid


async def agent_ends_call(sid: int) -> None:
    """What the agent does after the End button's RPC: close the session, then evaluate it."""
    recorder = CallRecorder(sid, last_seq=len(BILLING_CALL), t0=time.time() - 60)
    recorder.request_end(EndReason.trainee_ended)
    recorder.finish(None)
    await _after_call(recorder)


def open_live_feedback(page, app_server: str, sid: int) -> None:
    page.goto(f"{app_server}/sessions/{sid}/feedback")
    expect(page.locator("#call-open")).to_contain_text("has not ended yet")
    expect(page.locator("#call-status")).to_have_text("live")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads


def assert_not_reloaded(page) -> None:
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"


def test_live_call_page_shows_analytics_once_the_agent_closes_it(app_server, page, db_url):
    user = make_user(db_url, "follow_tess", team="follow")
    sid = live_session(db_url, user.id)
    login(page, app_server, "follow_tess")
    open_live_feedback(page, app_server, sid)

    finish(run_async(agent_ends_call(sid)))  # no LLM configured: analytics only

    expect(page.locator("#call-status")).to_have_text("completed")
    expect(page.locator("#analytics")).to_be_visible()
    expect(page.locator('.metric-card[data-metric="questions"] .metric-value')).to_have_text("2")
    expect(page.locator("#evaluation-note")).to_contain_text("needs an LLM")
    assert page.locator("#call-open").count() == 0 and page.locator("#evaluation-progress").count() == 0
    # everything ran on this machine: the cost card says so and charges nothing
    expect(page.locator("#cost-total")).to_have_text("$0 (ran on this machine)")
    stt = page.locator("#cost .cost-line").filter(has_text="Speech-to-text")
    expect(stt).to_contain_text("local (faster-whisper), $0")
    assert stt.get_attribute("data-local") == "true"
    assert_not_reloaded(page)
    with Session(make_engine(db_url)) as db:
        assert db.get(PracticeSession, sid).status == SessionStatus.completed


def test_live_call_page_shows_evaluation_progress_then_scores(app_server, page, db_url, monkeypatch):
    user = make_user(db_url, "follow_tom", team="follow")
    sid = live_session(db_url, user.id)
    login(page, app_server, "follow_tom")
    open_live_feedback(page, app_server, sid)

    judge_may_answer = threading.Event()
    with Session(make_engine(db_url)) as db:
        scores = {o["id"]: (80, "Handled well.", []) for o in db.get(PracticeSession, sid).rubric}
    with ChatStandin() as llm:
        llm.reply_fn = lambda body: (judge_may_answer.wait(60), judge_reply(scores))[1]
        for k, v in llm.env().items():
            monkeypatch.setenv(k, v)
        get_settings.cache_clear()
        agent = run_async(agent_ends_call(sid))
        try:
            # while the judge works: the call is over, its analytics are shown, the scores are coming
            expect(page.locator("#call-status")).to_have_text("completed")
            expect(page.locator("#evaluation-progress")).to_be_visible()
            expect(page.locator("#analytics")).to_be_visible()
            assert page.locator("#call-open").count() == 0
        finally:
            judge_may_answer.set()
            finish(agent)
            monkeypatch.undo()
            get_settings.cache_clear()
    expect(page.locator("#overall-score")).to_have_text("80")
    assert page.locator("#evaluation-progress").count() == 0
    assert_not_reloaded(page)
