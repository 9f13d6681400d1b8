"""A whole practice call in a real browser: all real but the speech/LLM providers.

Real livekit-server, the agent worker as its own process with the real Groq/ElevenLabs/Silero
plugins pointed at the provider stand-in, the Reflex app, and headless Chromium whose fake
microphone plays a speech WAV made with flite. The trainee logs in, presses Start, hears the
persona's greeting, speaks, types, presses End; then the database holds the turns (with times
and latency metrics) and the completed session.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from coach_app.db import make_engine
from coach_app.models import OPEN_STATUSES, PracticeSession, SessionStatus, Speaker, Turn
from coach_app.personas.catalogue import get_persona
from tests.conftest import launch_chromium
from tests.support.auth import login, make_user
from tests.support.call_page import AGENT_AUDIO_JS

pytestmark = pytest.mark.e2e

PERSONA_ID = "billing-dispute-gold"
SPOKEN = "I am sorry about the double charge. Let me look at your account right now."
HEARD = "I'm sorry about the double charge. Let me look at your account right now."
VOICE_REPLY = "Fine. It went out on the third and again on the fifth. Find it."
TYPED = "Can you read me the last four digits of the card?"
TYPED_REPLY = "It ends in four four one two. Now fix it."

# Note the wall-clock times (ms) of: the room connected, the agent joined, the first
# non-silent agent audio. Polls every 50 ms.
WATCH_FIRST_AUDIO_JS = """
(probe) => {
  if (window.__callTimes) return;
  const times = window.__callTimes = {connected: null, agentJoined: null, firstAudio: null};
  const check = eval(probe);
  const tick = async () => {
    try {
      const room = window.coachCall && window.coachCall.room;
      if (room && times.connected === null && room.state === "connected") times.connected = Date.now();
      if (room && times.agentJoined === null && [...room.remoteParticipants.values()].some((p) => p.isAgent)) {
        times.agentJoined = Date.now();
      }
      const a = await check();
      if (a.energy > 0) { times.firstAudio = Date.now(); return; }
    } catch (e) {}
    setTimeout(tick, 50);
  };
  tick();
}
"""


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory) -> Path:
    """The trainee's voice: flite speech between silences (Chromium loops the file). The 6 s of
    silence first cover the moment between the microphone opening and the page's Mute reaching it:
    a loaded machine must not let the persona hear the trainee before it has greeted."""
    folder = tmp_path_factory.mktemp("voice")
    raw, wav = folder / "speech-raw.wav", folder / "speech.wav"
    subprocess.run(["flite", "-voice", "slt", "-t", SPOKEN, "-o", str(raw)], check=True)
    subprocess.run(["sox", str(raw), "-r", "48000", "-c", "1", "-b", "16", str(wav), "pad", "6", "5"], check=True)
    return wav


def _open_page(playwright_instance, speech_wav: Path, microphone_allowed: bool = True):
    """Chromium with a fake microphone playing `speech_wav`. Without `microphone_allowed` the
    browser answers the site's microphone request with "denied", as after a user's refusal."""
    args = [
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={speech_wav}",
        "--allow-loopback-in-peer-connection",
        "--autoplay-policy=no-user-gesture-required",
    ]
    if microphone_allowed:
        args.insert(0, "--use-fake-ui-for-media-stream")
    browser = launch_chromium(playwright_instance, args)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    if microphone_allowed:
        context.grant_permissions(["microphone"])
    page = context.new_page()
    page.set_default_timeout(20_000)
    return browser, context, page


@pytest.fixture
def call_page(playwright_instance, speech_wav: Path):
    browser, context, page = _open_page(playwright_instance, speech_wav)
    yield page
    context.close()
    browser.close()


def _start_call(page, app_server: str) -> int:
    page.goto(f"{app_server}/scenarios/{PERSONA_ID}")
    page.locator("#start-call").click()
    page.wait_for_url(re.compile(r"/call/\d+$"), timeout=20_000)
    return int(page.url.rstrip("/").rsplit("/", 1)[-1])


def _session(db_url: str, session_id: int) -> tuple[PracticeSession, list[Turn]]:
    with Session(make_engine(db_url)) as db:
        ps = db.get(PracticeSession, session_id)
        turns = list(db.exec(select(Turn).where(Turn.session_id == session_id).order_by(Turn.seq)).all())
    return ps, turns


def _wait_closed(db_url: str, session_id: int, timeout: float = 30) -> tuple[PracticeSession, list[Turn]]:
    deadline = time.monotonic() + timeout
    while True:
        ps, turns = _session(db_url, session_id)
        if ps.status not in OPEN_STATUSES or time.monotonic() > deadline:
            return ps, turns
        time.sleep(0.5)


def _line(page, speaker: str, text: str, final: bool = True):
    sel = f"#transcript .transcript-line[data-speaker='{speaker}']"
    if final:
        sel += "[data-final='true']"
    return page.locator(sel).filter(has_text=text)


def test_practice_call_in_the_browser(
    app_server, agent_worker, provider_standin, db_url, call_page, tmp_path, record_property
):
    page = call_page
    provider_standin.reset(_script())
    make_user(db_url, "voice-browser", display_name="Vera Browser")
    login(page, app_server, "voice-browser")
    persona = get_persona(PERSONA_ID)
    assert persona is not None

    # --- Start ---------------------------------------------------------------------------
    page.goto(f"{app_server}/scenarios/{PERSONA_ID}")
    start = page.locator("#start-call")
    expect(start).to_be_enabled()
    clicked_ms = time.time() * 1000
    start.click()
    page.wait_for_url(re.compile(r"/call/\d+$"), timeout=20_000)
    page_ms = time.time() * 1000
    session_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
    page.evaluate(WATCH_FIRST_AUDIO_JS, AGENT_AUDIO_JS)
    # Keep the microphone closed while the persona greets us (the fake mic talks in a loop).
    page.locator("#mute").click()
    expect(page.locator("#mute")).to_have_attribute("aria-pressed", "true")
    page.screenshot(path=str(tmp_path / "call-1-connecting.png"))

    # --- the persona joins and greets ----------------------------------------------------
    expect(page.locator("#connection-state")).to_have_attribute("data-state", "connected")
    expect(page.locator("#agent-state")).not_to_have_attribute("data-phase", "waiting", timeout=20_000)
    greeting = page.locator("#transcript .transcript-line[data-speaker='persona']").first
    expect(greeting).to_be_visible(timeout=20_000)
    page.screenshot(path=str(tmp_path / "call-2-greeting.png"))
    expect(greeting).to_have_attribute("data-final", "true", timeout=30_000)
    greeting_text = greeting.locator(".transcript-text").inner_text()
    assert any(line.split(".")[0] in greeting_text for line in persona.phases.opening.lines), greeting_text

    # --- agent audio really arrives in the page ------------------------------------------
    page.wait_for_function("() => window.__callTimes && window.__callTimes.firstAudio !== null", timeout=30_000)
    times = page.evaluate("() => window.__callTimes")
    audio = page.evaluate(AGENT_AUDIO_JS)
    assert audio["tracks"] >= 1 and audio["bytes"] > 0 and audio["energy"] > 0, audio
    since_start = {k: round((v - clicked_ms) / 1000, 3) for k, v in times.items() if v is not None}
    since_start["call_page"] = round((page_ms - clicked_ms) / 1000, 3)
    record_property("start_to_first_agent_audio_s", since_start["firstAudio"])
    print(f"\nseconds after pressing Start: {since_start}")

    # --- the trainee speaks; the persona answers -----------------------------------------
    expect(page.locator("#agent-state")).to_have_attribute("data-phase", "listening", timeout=30_000)
    page.locator("#mute").click()
    expect(page.locator("#mute")).to_have_attribute("aria-pressed", "false")
    expect(_line(page, "trainee", HEARD)).to_be_visible(timeout=30_000)
    page.locator("#mute").click()  # one utterance is enough; the reply plays uninterrupted
    expect(_line(page, "persona", VOICE_REPLY)).to_be_visible(timeout=30_000)
    page.screenshot(path=str(tmp_path / "call-3-conversation.png"))

    # --- a typed message reaches the agent as user input ---------------------------------
    expect(page.locator("#agent-state")).to_have_attribute("data-phase", "listening", timeout=30_000)
    page.locator("#message-input").fill(TYPED)
    page.locator("#send-message").click()
    expect(_line(page, "trainee", TYPED)).to_be_visible()
    expect(page.locator("#message-input")).to_have_value("")
    expect(_line(page, "persona", TYPED_REPLY)).to_be_visible(timeout=30_000)
    expect(page.locator("#agent-state")).to_have_attribute("data-phase", "listening", timeout=30_000)
    page.screenshot(path=str(tmp_path / "call-4-typed.png"))

    # --- End -----------------------------------------------------------------------------
    page.locator("#end-call").click()
    page.wait_for_url(re.compile(rf"/sessions/{session_id}/feedback$"), timeout=20_000)

    # --- what the agent recorded ---------------------------------------------------------
    ps, turns = _wait_closed(db_url, session_id)
    assert ps.status == SessionStatus.completed, (ps.status, ps.end_reason, ps.error)
    assert ps.started_at is not None and ps.ended_at is not None and ps.ended_at >= ps.started_at
    assert ps.persona_snapshot["id"] == PERSONA_ID and ps.rubric

    said = [(t.speaker, t.text) for t in turns]
    assert said[0][0] == Speaker.persona and said[0][1] == greeting_text.strip(), said
    assert (Speaker.trainee, HEARD) in said, said
    assert (Speaker.persona, VOICE_REPLY) in said, said
    assert (Speaker.trainee, TYPED) in said, said
    assert (Speaker.persona, TYPED_REPLY) in said, said
    for t in turns:
        assert 0 <= t.start <= t.end, (t.seq, t.start, t.end)
    assert [t.start for t in turns] == sorted(t.start for t in turns)

    voice_turn = next(t for t in turns if t.text == HEARD)
    assert voice_turn.end_of_turn_delay is not None and voice_turn.transcription_delay is not None
    reply = next(t for t in turns if t.text == VOICE_REPLY)
    assert reply.llm_ttft is not None and reply.tts_ttfb is not None and reply.e2e_latency is not None
    latencies = {t.text[:30]: t.e2e_latency for t in turns if t.e2e_latency is not None}
    record_property("voice_to_voice_latency_s", json.dumps(latencies))
    print(f"voice-to-voice latencies (s): {latencies}")


def test_microphone_denied_then_typing_then_retry(
    app_server, agent_worker, provider_standin, db_url, playwright_instance, speech_wav, tmp_path
):
    provider_standin.reset(_script())
    browser, context, page = _open_page(playwright_instance, speech_wav, microphone_allowed=False)
    try:
        make_user(db_url, "voice-nomic")
        login(page, app_server, "voice-nomic")
        session_id = _start_call(page, app_server)

        error = page.locator("#call-error")
        expect(error).to_have_attribute("data-kind", "microphone")
        expect(error).to_contain_text("Microphone access was denied")
        expect(error).to_contain_text("type your replies")
        expect(page.locator("#mic-state")).to_have_attribute("data-state", "off")
        # The call goes on without a microphone: the persona greets, typed replies reach it.
        expect(page.locator("#transcript .transcript-line[data-speaker='persona'][data-final='true']")).to_have_count(
            1, timeout=30_000
        )
        page.screenshot(path=str(tmp_path / "call-mic-denied.png"))
        page.locator("#message-input").fill(TYPED)
        page.locator("#message-input").press("Enter")
        expect(_line(page, "trainee", TYPED)).to_be_visible()
        expect(_line(page, "persona", TYPED_REPLY)).to_be_visible(timeout=30_000)

        # The trainee allows the microphone and presses Retry: the microphone comes on.
        context.grant_permissions(["microphone"], origin=app_server)
        page.locator("#retry").click()
        expect(page.locator("#mic-state")).to_have_attribute("data-state", "on")
        expect(error).to_have_count(0)

        page.locator("#end-call").click()
        page.wait_for_url(re.compile(rf"/sessions/{session_id}/feedback$"))
        ps, turns = _wait_closed(db_url, session_id)
        assert ps.status == SessionStatus.completed, (ps.status, ps.end_reason)
        assert (Speaker.trainee, TYPED) in [(t.speaker, t.text) for t in turns]
    finally:
        context.close()
        browser.close()


def test_agent_not_joining_then_retry(app_server, agent_worker, provider_standin, db_url, call_page, tmp_path):
    """The worker is frozen (SIGSTOP) while the call starts: after 15 s the page says the persona
    did not join; with the worker back, Retry brings the persona in."""
    provider_standin.reset(_script())
    page = call_page
    make_user(db_url, "voice-noagent")
    login(page, app_server, "voice-noagent")
    os.kill(agent_worker.popen.pid, signal.SIGSTOP)
    try:
        session_id = _start_call(page, app_server)
        page.locator("#mute").click()
        expect(page.locator("#connection-state")).to_have_attribute("data-state", "connected")
        expect(page.locator("#agent-state")).to_have_attribute("data-phase", "waiting")
        error = page.locator("#call-error")
        expect(error).to_have_attribute("data-kind", "agent_timeout", timeout=25_000)
        expect(error).to_contain_text(
            "Still waiting for Margaret Doyle: no agent worker has taken the call in 15 seconds"
        )
        page.screenshot(path=str(tmp_path / "call-agent-timeout.png"))
    finally:
        os.kill(agent_worker.popen.pid, signal.SIGCONT)
    assert _session(db_url, session_id)[0].status == SessionStatus.created

    page.locator("#retry").click()
    expect(error).to_have_count(0)
    expect(page.locator("#agent-state")).not_to_have_attribute("data-phase", "waiting", timeout=30_000)
    expect(page.locator("#transcript .transcript-line[data-speaker='persona'][data-final='true']")).to_have_count(
        1, timeout=30_000
    )
    expect(page.locator("#agent-state")).to_have_attribute("data-phase", "listening", timeout=30_000)
    page.locator("#end-call").click()
    page.wait_for_url(re.compile(rf"/sessions/{session_id}/feedback$"))
    ps, turns = _wait_closed(db_url, session_id)
    assert ps.status == SessionStatus.completed, (ps.status, ps.end_reason)
    assert [t.speaker for t in turns] == [Speaker.persona]  # one greeting: one agent joined


def test_dropped_connection_then_retry(app_server, agent_worker, provider_standin, db_url, call_page, tmp_path):
    """The LiveKit signalling connection is cut and refused (as when the network goes away):
    the page shows it is reconnecting, then that the connection was lost; Retry rejoins the
    same call, where the persona is still waiting."""
    provider_standin.reset(_script())
    page = call_page
    cut = {"on": False}
    sockets = []

    def route(ws):
        if cut["on"]:
            ws.close()
            return
        server = ws.connect_to_server()
        sockets.append((ws, server))

    page.route_web_socket(re.compile(r"/rtc(/v1)?(\?|$)"), route)
    make_user(db_url, "voice-drop")
    login(page, app_server, "voice-drop")
    session_id = _start_call(page, app_server)
    page.locator("#mute").click()
    greeting = page.locator("#transcript .transcript-line[data-speaker='persona'][data-final='true']")
    expect(greeting).to_have_count(1, timeout=30_000)
    expect(page.locator("#agent-state")).to_have_attribute("data-phase", "listening", timeout=30_000)
    assert sockets, "the LiveKit signalling websocket was not routed"

    cut["on"] = True
    for ws, server in sockets:
        server.close()
        ws.close()
    expect(page.locator("#connection-state")).not_to_have_attribute("data-state", "connected")
    page.screenshot(path=str(tmp_path / "call-reconnecting.png"))
    error = page.locator("#call-error")
    expect(error).to_have_attribute("data-kind", "connection", timeout=90_000)
    expect(error).to_contain_text("The connection to the call was lost")
    page.screenshot(path=str(tmp_path / "call-connection-lost.png"))

    cut["on"] = False
    page.locator("#retry").click()
    expect(error).to_have_count(0)
    expect(page.locator("#connection-state")).to_have_attribute("data-state", "connected")
    expect(page.locator("#agent-state")).to_have_attribute("data-phase", "listening", timeout=30_000)
    page.locator("#message-input").fill(TYPED)
    page.locator("#send-message").click()
    expect(_line(page, "persona", TYPED_REPLY)).to_be_visible(timeout=30_000)
    expect(greeting.first).to_be_visible()  # what was said before the drop is still shown

    page.locator("#end-call").click()
    page.wait_for_url(re.compile(rf"/sessions/{session_id}/feedback$"))
    ps, turns = _wait_closed(db_url, session_id)
    assert ps.status == SessionStatus.completed, (ps.status, ps.end_reason)
    said = [(t.speaker, t.text) for t in turns]
    assert said[0][0] == Speaker.persona and (Speaker.persona, TYPED_REPLY) in said, said


def test_only_the_owner_can_open_a_call_and_only_while_it_is_open(app_server, db_url, page):
    from coach_app.calls.start import start_session

    owner = make_user(db_url, "voice-owner")
    make_user(db_url, "voice-other")
    with Session(make_engine(db_url), expire_on_commit=False) as db:
        open_call = start_session(db, owner, PERSONA_ID)
        ended_call = start_session(db, owner, PERSONA_ID)
        ended_call.status = SessionStatus.completed
        db.add(ended_call)
        db.commit()

    login(page, app_server, "voice-other")
    page.goto(f"{app_server}/call/{open_call.id}")
    expect(page.locator("#call-unavailable")).to_have_text(
        f"There is no call {open_call.id} that you can join: a call belongs to the trainee who started it."
    )
    expect(page.locator("#end-call")).to_have_count(0)
    assert page.evaluate("() => window.coachCall === undefined")  # no room, no token in this page

    page.locator("#logout-button").click()
    page.wait_for_url(re.compile(r"/login"))
    login(page, app_server, "voice-owner")
    page.goto(f"{app_server}/call/{ended_call.id}")
    expect(page.locator("#call-unavailable")).to_contain_text("This call has already ended (completed)")
    expect(page.locator("#see-feedback")).to_have_attribute("href", f"/sessions/{ended_call.id}/feedback")
    page.goto(f"{app_server}/call/not-a-number")
    expect(page.locator("#call-unavailable")).to_contain_text("the session id must be a number")
    assert _session(db_url, open_call.id)[0].status == SessionStatus.created


def test_call_closed_by_the_server_ends_the_page(
    app_server, agent_worker, provider_standin, livekit, db_url, call_page, tmp_path
):
    """When the room goes away under the page (as at the time limit, when the persona has said
    goodbye and the agent deletes the room), the page says the call has ended and links to
    the feedback."""
    import asyncio
    import concurrent.futures

    from livekit import api

    provider_standin.reset(_script())
    page = call_page
    make_user(db_url, "voice-closed")
    login(page, app_server, "voice-closed")
    session_id = _start_call(page, app_server)
    page.locator("#mute").click()
    expect(page.locator("#transcript .transcript-line[data-speaker='persona'][data-final='true']")).to_have_count(
        1, timeout=30_000
    )
    room = _session(db_url, session_id)[0].room_name

    async def delete_room() -> None:
        lk = api.LiveKitAPI(livekit.http_url, livekit.api_key, livekit.api_secret)
        try:
            await lk.room.delete_room(api.DeleteRoomRequest(room=room))
        finally:
            await lk.aclose()

    # Sync Playwright keeps an event loop running in this thread: use another one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, delete_room()).result(30)
    expect(page.locator("#call-unavailable")).to_have_text("The call with Margaret Doyle has ended.")
    expect(page.locator("#see-feedback")).to_have_attribute("href", f"/sessions/{session_id}/feedback")
    page.screenshot(path=str(tmp_path / "call-ended-by-server.png"))
    ps, _ = _wait_closed(db_url, session_id)
    assert ps.status not in OPEN_STATUSES


def _script():
    from coach_app.devtools.standin import Script

    return Script(
        transcripts=[HEARD],
        default_transcript=HEARD,
        rules=[("last four digits", TYPED_REPLY)],
        replies=[VOICE_REPLY],
        default_reply=VOICE_REPLY,
    )
