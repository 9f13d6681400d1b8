"""Hear the call again: a browser call is recorded, and its feedback page plays the recording.

All real but the speech/LLM providers (the stand-in): livekit-server, the agent worker, the
Reflex app and headless Chromium whose fake microphone plays flite speech. The call page says the
call is recorded; after End, the feedback page has a player above the transcript; clicking a later
turn moves playback to that turn's start, and that turn is highlighted while it plays.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from coach_app.db import make_engine
from coach_app.models import PracticeSession
from tests.e2e import test_voice_browser as voice
from tests.e2e.test_voice_browser import HEARD, TYPED, TYPED_REPLY, VOICE_REPLY, _line, _script
from tests.support.auth import login, make_user

pytestmark = pytest.mark.e2e

PERSONA_ID = "billing-dispute-gold"
speech_wav = voice.speech_wav  # the trainee's voice: flite speech, then silence (module fixture)


@pytest.fixture
def playback_page(playwright_instance, speech_wav):
    browser, context, page = voice._open_page(playwright_instance, speech_wav)
    yield page
    context.close()
    browser.close()


def _recorded(db_url: str, session_id: int, timeout: float = 40) -> PracticeSession:
    deadline = time.monotonic() + timeout
    while True:
        with Session(make_engine(db_url)) as db:
            ps = db.get(PracticeSession, session_id)
        if ps.audio_file or time.monotonic() > deadline:
            return ps
        time.sleep(0.5)


def test_feedback_page_plays_the_recording_and_seeks_to_a_clicked_turn(
    app_server, agent_worker, provider_standin, db_url, playback_page, tmp_path, record_property
):
    page = playback_page
    provider_standin.reset(_script())
    make_user(db_url, "rec-browser", display_name="Rhea Replay")
    login(page, app_server, "rec-browser")

    page.goto(f"{app_server}/scenarios/{PERSONA_ID}")
    expect(page.locator("#recorded-notice")).to_contain_text("This call is recorded.")
    page.locator("#start-call").click()
    page.wait_for_url(re.compile(r"/call/\d+$"), timeout=20_000)
    session_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    expect(page.locator("#recorded-notice")).to_contain_text("This call is recorded.")
    page.locator("#mute").click()  # quiet while the persona greets (the fake microphone loops)

    expect(page.locator("#transcript .transcript-line[data-speaker='persona'][data-final='true']")).to_have_count(
        1, timeout=30_000
    )
    expect(page.locator("#agent-state")).to_have_attribute("data-phase", "listening", timeout=30_000)
    page.locator("#mute").click()
    expect(_line(page, "trainee", HEARD)).to_be_visible(timeout=30_000)
    page.locator("#mute").click()
    expect(_line(page, "persona", VOICE_REPLY)).to_be_visible(timeout=30_000)
    expect(page.locator("#agent-state")).to_have_attribute("data-phase", "listening", timeout=30_000)
    page.locator("#message-input").fill(TYPED)
    page.locator("#send-message").click()
    expect(_line(page, "persona", TYPED_REPLY)).to_be_visible(timeout=30_000)
    expect(page.locator("#agent-state")).to_have_attribute("data-phase", "listening", timeout=30_000)
    page.locator("#end-call").click()
    page.wait_for_url(re.compile(rf"/sessions/{session_id}/feedback$"), timeout=20_000)

    ps = _recorded(db_url, session_id)
    assert ps.audio_file and ps.audio_bytes and ps.audio_seconds, (ps.status, ps.error)
    per_minute = ps.audio_bytes / ps.audio_seconds * 60
    record_property("recording_bytes_per_minute", round(per_minute))
    print(f"\nRECORDING {ps.audio_bytes} bytes for {ps.audio_seconds:.1f} s: {per_minute / 1024:.0f} KiB per minute")

    # --- the feedback page: a player above the transcript ----------------------------------------
    page.reload()
    audio = page.locator("#call-audio")
    expect(audio).to_have_attribute("data-bound", f"/api/sessions/{session_id}/audio", timeout=20_000)
    page.wait_for_function("() => document.getElementById('call-audio').readyState >= 1", timeout=20_000)
    duration = page.evaluate("() => document.getElementById('call-audio').duration")
    assert duration == pytest.approx(ps.audio_seconds, abs=1.0)

    typed = page.locator("#transcript .transcript-turn[data-typed='true']")
    expect(typed).to_have_count(1)
    expect(typed.locator(".typed-badge")).to_have_text("typed")
    expect(typed).to_contain_text(TYPED)

    page.evaluate("() => document.getElementById('call-audio').play()")
    page.wait_for_function("() => document.getElementById('call-audio').currentTime > 0.3", timeout=20_000)

    later = page.locator("#transcript .transcript-turn[data-speaker='persona']").filter(has_text=TYPED_REPLY)
    start = float(later.get_attribute("data-audio-start"))
    assert start > 2.0  # a later turn, well after the beginning
    later.locator(".turn-text").click()
    page.wait_for_function(
        "(start) => Math.abs(document.getElementById('call-audio').currentTime - start) < 0.5", arg=start, timeout=5_000
    )
    position = page.evaluate("() => document.getElementById('call-audio').currentTime")
    assert abs(position - start) < 0.5, (position, start)
    expect(later).to_have_attribute("data-playing", "true", timeout=5_000)
    page.screenshot(path=str(tmp_path / "feedback-playing.png"))

    # --- the longest-monologue card links to its turn: the recording jumps back there -----------
    spoken = page.locator("#transcript .transcript-turn[data-speaker='trainee']").filter(has_text=HEARD)
    spoken_start = float(spoken.get_attribute("data-audio-start"))
    assert spoken_start < start - 1.0  # before the turn playing now: a real jump back
    page.locator("[data-metric='monologue'] .moment-link").click()
    page.wait_for_function(
        "(t) => Math.abs(document.getElementById('call-audio').currentTime - t) < 0.5", arg=spoken_start, timeout=5_000
    )
    expect(spoken).to_have_attribute("data-playing", "true", timeout=5_000)
    page.evaluate("() => document.getElementById('call-audio').pause()")
