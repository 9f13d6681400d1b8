"""The web app restarting mid-call (a deploy, a crash of the Reflex backend) does not end the call.

The browser's LiveKit connection does not depend on the app's websocket: while the app is down the
trainee stays in the room with the persona; when the app is back the page reconnects to it, finds
its call again (the transcript so far is still there) and carries on: a typed message after the
restart is answered, and the trainee hears it; the persona never greets again. Run with Reflex's
state on disk (the default) and in Redis (what several app processes share in production).
"""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from coach_app.db import make_engine
from coach_app.devtools.standin import Script
from coach_app.models import PracticeSession, SessionStatus, Speaker, Turn
from tests.conftest import launch_chromium, service_env, start_reflex_app
from tests.support.auth import login, make_user
from tests.support.call_page import AGENT_AUDIO_JS
from tests.support.procs import show_logs_on_failure
from tests.support.redis import Redis

pytestmark = pytest.mark.e2e

PERSONA_ID = "billing-dispute-gold"
BEFORE = "Can you read me the last four digits of the card?"
BEFORE_REPLY = "It ends in four four one two. Now fix it."
AFTER = "Thank you. I am refunding the second charge now."
AFTER_REPLY = "Finally. How long until it shows up?"

# Records every moment the page's LiveKit room was not connected or not the same room (polled
# every 100 ms): a room that left and joined again loses what the persona said meanwhile.
WATCH_ROOM_JS = """
() => {
  window.__roomDrops = [];
  const first = window.coachCall.room;
  setInterval(() => {
    const room = window.coachCall && window.coachCall.room;
    if (room !== first) window.__roomDrops.push("another room");
    else if (room.state !== "connected") window.__roomDrops.push(room.state);
  }, 100);
}
"""


def _line(page, speaker: str, text: str):
    return page.locator(f"#transcript .transcript-line[data-speaker='{speaker}'][data-final='true']").filter(
        has_text=text
    )


def _clock_seconds(text: str) -> int:
    minutes, seconds = text.split("/")[0].strip().split(":")
    return int(minutes) * 60 + int(seconds)


def _turns(db_url: str, session_id: int) -> tuple[PracticeSession, list[Turn]]:
    with Session(make_engine(db_url)) as db:
        ps = db.get(PracticeSession, session_id)
        turns = list(db.exec(select(Turn).where(Turn.session_id == session_id).order_by(Turn.seq)).all())
    return ps, turns


def _send(page, text: str) -> None:
    expect(page.locator("#agent-state")).to_have_attribute("data-phase", "listening", timeout=30_000)
    page.locator("#message-input").fill(text)
    page.locator("#send-message").click()


@pytest.fixture(autouse=True)
def logs_on_failure(request, run_dir: Path):
    yield from show_logs_on_failure(request, lambda: sorted(run_dir.glob("app-*.log")) + [run_dir / "agent.log"])


@pytest.fixture
def redis_server(run_dir: Path):
    server = Redis(run_dir)
    yield server
    server.stop()


@pytest.mark.parametrize("state_in", ["disk", "redis"])
def test_app_restart_mid_call_the_call_goes_on(
    state_in, request, livekit, agent_worker, standin, db_url, personas_dir, run_dir, playwright_instance
):
    standin.reset(Script(rules=[("last four digits", BEFORE_REPLY), ("refunding", AFTER_REPLY)]))
    extra = {"PERSONAS_DIR": str(personas_dir)}
    redis = None
    if state_in == "redis":
        redis = request.getfixturevalue("redis_server")
        extra["REFLEX_REDIS_URL"] = redis.url
    env = service_env(db_url, livekit, **extra)
    web_dir = os.environ.get("COACH_TEST_WEB_DIR", ".web") + "-restart"
    app, base = start_reflex_app(f"app-{state_in}-1", env, run_dir, web_dir)
    port = int(base.rsplit(":", 1)[1])
    browser = launch_chromium(playwright_instance, ["--autoplay-policy=no-user-gesture-required"])
    try:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(20_000)
        make_user(db_url, f"restart-{state_in}")
        login(page, base, f"restart-{state_in}")
        page.goto(f"{base}/scenarios/{PERSONA_ID}")
        page.locator("#start-call").click()
        page.wait_for_url(re.compile(r"/call/\d+$"), timeout=20_000)
        session_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
        greeting = page.locator("#transcript .transcript-line[data-speaker='persona'][data-final='true']").first
        expect(greeting).to_be_visible(timeout=40_000)
        greeted_at = time.monotonic()  # the call was live by then
        _send(page, BEFORE)
        expect(_line(page, "persona", BEFORE_REPLY)).to_be_visible(timeout=30_000)
        if redis is not None:
            assert redis.keys(), "the page's state is in Redis"

        # --- the app goes away (a crash: no chance to clean up) and comes back ------------
        page.evaluate(WATCH_ROOM_JS)
        heard_before = page.evaluate(AGENT_AUDIO_JS)["energy"]
        os.killpg(app.popen.pid, signal.SIGKILL)
        app.popen.wait(10)
        down_at = time.monotonic()
        app, _ = start_reflex_app(f"app-{state_in}-2", env, run_dir, web_dir, port=port)
        print(f"\napp down for {time.monotonic() - down_at:.1f} s ({state_in} state)")

        # --- the page is back with its call; the conversation goes on ------------------------
        # Once reconnected to the app, the page shows the call's stored turns (ids turn-<seq>):
        # the app's copy of the page may be older than the call.
        restored = page.locator("#transcript .transcript-line[data-line^='turn-']")
        expect(restored).to_have_count(3, timeout=60_000)  # greeting, the line, its reply
        expect(restored.nth(1)).to_contain_text(BEFORE)
        expect(restored.nth(2)).to_contain_text(BEFORE_REPLY)
        expect(page.locator("#connection-state")).to_have_attribute("data-state", "connected", timeout=30_000)
        # The timer goes on with the call's own clock (the one its time limit runs on), not from 0:00.
        expect(page.locator("#call-timer")).to_contain_text("/ 8:00")
        shown = _clock_seconds(page.locator("#call-timer").inner_text())
        assert shown >= time.monotonic() - greeted_at - 2, (shown, time.monotonic() - greeted_at)
        _send(page, AFTER)
        expect(_line(page, "trainee", AFTER)).to_be_visible(timeout=30_000)
        expect(_line(page, "persona", AFTER_REPLY)).to_be_visible(timeout=30_000)
        page.wait_for_function(
            f"async () => (await ({AGENT_AUDIO_JS})()).energy > {heard_before}", timeout=30_000, polling=500
        )
        # The page rejoining the app re-renders the call view (the app's copy of the page had
        # forgotten the call), but the browser stays in the room all along: the same connection.
        assert page.evaluate("() => window.__roomDrops") == []

        page.locator("#end-call").click()
        page.wait_for_url(re.compile(rf"/sessions/{session_id}/feedback$"), timeout=30_000)
        deadline = time.monotonic() + 30
        while (ps := _turns(db_url, session_id)[0]).status == SessionStatus.live and time.monotonic() < deadline:
            time.sleep(0.5)
        ps, turns = _turns(db_url, session_id)
        assert ps.status == SessionStatus.completed, (ps.status, ps.end_reason, ps.error)
        said = [(t.speaker, t.text) for t in turns]
        assert [s for s, _ in said].count(Speaker.persona) == 3, said  # one greeting: the persona never noticed
        assert said[1:] == [
            (Speaker.trainee, BEFORE),
            (Speaker.persona, BEFORE_REPLY),
            (Speaker.trainee, AFTER),
            (Speaker.persona, AFTER_REPLY),
        ], said
    finally:
        browser.close()
        app.stop()
