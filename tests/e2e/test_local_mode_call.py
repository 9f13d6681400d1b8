"""Local mode end to end: a practice call with no cloud account at all, in a real browser.

Real livekit-server, the Reflex app, headless Chromium whose fake microphone plays flite speech,
and an agent worker with NO keys: faster-whisper (tiny.en from the hash-pinned wheel) hears the
trainee, the scripted persona engine answers from the persona file, Piper speaks. We assert on
the words Whisper really heard, the scripted reply, persona audio energy arriving in the page,
the turns and the providers record in the database, and we report the voice-to-voice latency
and the worker's CPU use.

The suite's other agent worker (cloud plugins pointed at the stand-in) registers as
`coach-persona`; ours registers as `coach-persona-local`. The room is created before the page
joins, so the page token's dispatch (room configuration) does not apply, and our worker is
dispatched explicitly: only the local agent joins this call.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import re
import subprocess
import time
from pathlib import Path

import pytest
from livekit import api
from playwright.sync_api import expect
from sqlmodel import Session, select

from coach_app.calls.rooms import dispatch_metadata, room_name_for
from coach_app.calls.start import start_session
from coach_app.db import make_engine
from coach_app.models import PracticeSession, SessionStatus, Speaker, Turn, User
from coach_app.personas.catalogue import get_persona
from tests.conftest import launch_chromium, service_env, start_agent_worker
from tests.support.auth import login, make_user
from tests.support.call_page import AGENT_AUDIO_JS

pytestmark = pytest.mark.e2e

PERSONA_ID = "billing-dispute-gold"
LOCAL_AGENT = "coach-persona-local"
SPOKEN = "Can you tell me what happened from the beginning?"
# The persona file's reaction to "asks her to repeat the whole story", made speakable.
SCRIPTED_REPLY = "It is all in the notes. This is exactly why I am angry."


# Stops and unpublishes the page's microphone track; the next unmute opens the microphone anew.
UNPLUG_MIC_JS = """
async () => {
  const lp = window.coachCall.room.localParticipant;
  const pub = lp.getTrackPublication("microphone");
  if (pub && pub.track) await lp.unpublishTrack(pub.track, true);
}
"""


def _cpu_seconds(pgid: int) -> float:
    """User + system CPU seconds of every live process in a process group (the worker and its jobs)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # field 5 (pgrp) after the ")"
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


@pytest.fixture(autouse=True)
def worker_log_on_failure(request, run_dir: Path):
    failed_before = request.session.testsfailed
    yield
    log = run_dir / "agent-local.log"
    if request.session.testsfailed > failed_before and log.exists():
        print(
            "\n----- agent-local.log (last 120 lines) -----\n"
            + "\n".join(log.read_text(errors="replace").splitlines()[-120:])
        )


@pytest.fixture(scope="module")
def local_worker(db_url, livekit, run_dir):
    env = service_env(db_url, livekit, AGENT_NAME=LOCAL_AGENT)
    for var in [v for v in env if v.startswith(("GROQ_", "ELEVEN"))]:
        del env[var]  # no account at all
    proc = start_agent_worker("agent-local", env, run_dir)
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def speech_wav(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("local-voice")
    raw, wav = folder / "raw.wav", folder / "speech.wav"
    subprocess.run(["flite", "-voice", "slt", "-t", SPOKEN, "-o", str(raw)], check=True)
    subprocess.run(["sox", str(raw), "-r", "48000", "-c", "1", "-b", "16", str(wav), "pad", "0.3", "8"], check=True)
    return wav


@pytest.fixture
def call_page(playwright_instance, speech_wav):
    browser = launch_chromium(
        playwright_instance,
        [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={speech_wav}",
            "--allow-loopback-in-peer-connection",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["microphone"])
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()
    browser.close()


def _lk(livekit, coro_fn):
    async def run():
        lkapi = api.LiveKitAPI(livekit.http_url, livekit.api_key, livekit.api_secret)
        try:
            return await coro_fn(lkapi)
        finally:
            await lkapi.aclose()

    # Sync Playwright keeps an event loop running in this thread: run the API call in another one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result(timeout=30)


def _wait_for_agent_audio(page, timeout: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        audio = page.evaluate(AGENT_AUDIO_JS)
        if audio["energy"] > 0 or time.monotonic() > deadline:
            assert audio["energy"] > 0, f"no persona audio reached the page: {audio}"
            return audio
        time.sleep(0.2)


def _line(page, speaker: str, text: str | re.Pattern[str]):
    sel = f"#transcript .transcript-line[data-speaker='{speaker}'][data-final='true']"
    return page.locator(sel).filter(has_text=text)


def test_local_mode_practice_call(app_server, livekit, local_worker, db_url, call_page, tmp_path, record_property):
    page = call_page
    make_user(db_url, "local-lou", display_name="Lou Local")
    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as db:
        user = db.exec(select(User).where(User.username == "local-lou")).one()
        ps = start_session(db, user, PERSONA_ID)
    session_id, room = ps.id, room_name_for(ps)
    assert ps.providers["llm"]["provider"] == "scripted" and ps.providers["stt"]["mode"] == "local"

    # The room exists before the page joins: only the dispatch below brings an agent in.
    _lk(livekit, lambda lk: lk.room.create_room(api.CreateRoomRequest(name=room, empty_timeout=120)))

    login(page, app_server, "local-lou")
    page.goto(f"{app_server}/call/{session_id}")
    expect(page.locator("#connection-state")).to_have_attribute("data-state", "connected")
    page.locator("#mute").click()  # the fake microphone talks in a loop: quiet during the greeting
    expect(page.locator("#mute")).to_have_attribute("aria-pressed", "true")
    # The call page says plainly that replies are scripted, and what runs the call.
    expect(page.locator("#scripted-notice")).to_contain_text("Replies are scripted")
    expect(page.locator("#call-providers")).to_contain_text("faster-whisper (tiny.en), on this machine")

    cpu_before, t_before = _cpu_seconds(local_worker.popen.pid), time.monotonic()
    _lk(
        livekit,
        lambda lk: lk.agent_dispatch.create_dispatch(
            api.CreateAgentDispatchRequest(agent_name=LOCAL_AGENT, room=room, metadata=dispatch_metadata(ps))
        ),
    )

    # --- the persona greets with its opening line, in Piper's voice ------------------------------
    greeting = _line(page, "persona", "third time")
    expect(greeting).to_be_visible(timeout=60_000)
    greeting_text = greeting.first.inner_text().strip()
    _wait_for_agent_audio(page)
    page.screenshot(path=str(tmp_path / "local-1-greeting.png"))

    # --- the trainee speaks; local Whisper transcribes; the script answers ---------------------------
    expect(page.locator("#agent-state")).to_have_attribute("data-phase", "listening", timeout=60_000)
    # Chromium's fake microphone loops the WAV from when it was opened. Unmuting mid-loop would let
    # the agent hear the sentence's tail and then the whole of it: asked twice to start over, the
    # scripted customer walks away. Unplug the microphone first (as a trainee swapping headsets):
    # the unmute opens it again, and the sentence plays once from its start.
    page.evaluate(UNPLUG_MIC_JS)
    page.locator("#mute").click()
    heard = _line(page, "trainee", re.compile(r"tell me.*what happened.*beginning", re.I | re.S))
    expect(heard).to_be_visible(timeout=90_000)
    page.locator("#mute").click()
    heard_text = heard.first.inner_text().lower()
    for word in ("tell me", "what happened", "beginning"):
        assert word in heard_text, heard_text
    expect(_line(page, "persona", SCRIPTED_REPLY)).to_be_visible(timeout=60_000)
    expect(page.locator("#agent-state")).to_have_attribute("data-phase", "listening", timeout=60_000)
    cpu_after, t_after = _cpu_seconds(local_worker.popen.pid), time.monotonic()
    audio = page.evaluate(AGENT_AUDIO_JS)
    assert audio["agents"] == 1, audio  # the stand-in worker did not join this call
    assert audio["energy"] > 0 and audio["bytes"] > 0, audio
    page.screenshot(path=str(tmp_path / "local-2-reply.png"))

    page.locator("#end-call").click()

    # --- what the agent recorded --------------------------------------------------------------------
    deadline = time.monotonic() + 60
    while True:
        with Session(engine) as db:
            ps = db.get(PracticeSession, session_id)
            turns = list(db.exec(select(Turn).where(Turn.session_id == session_id).order_by(Turn.seq)).all())
        if ps.status == SessionStatus.completed or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert ps.status == SessionStatus.completed, (ps.status, ps.end_reason, ps.error)
    assert ps.providers["stt"] == {"mode": "local", "provider": "faster-whisper", "model": "tiny.en"}
    assert ps.providers["llm"]["provider"] == "scripted"
    assert ps.providers["tts"] == {"mode": "local", "provider": "piper", "model": "en_US-joe-medium"}
    said = [(t.speaker, t.text) for t in turns]
    assert said[0][0] == Speaker.persona and said[0][1] in greeting_text, (said, greeting_text)
    assert said[0][1] in get_persona(PERSONA_ID).phases.opening.lines
    trainee = [t for t in turns if t.speaker == Speaker.trainee]
    assert len(trainee) == 1 and "beginning" in trainee[0].text.lower(), said  # said once, whole
    assert ps.end_reason == "trainee_ended", (ps.end_reason, said)
    reply = next(t for t in turns if t.speaker == Speaker.persona and t.text == SCRIPTED_REPLY)
    assert reply.seq > trainee[0].seq

    latencies = [round(t.e2e_latency, 3) for t in turns if t.speaker == Speaker.persona and t.e2e_latency]
    cpu = (cpu_after - cpu_before) / max(t_after - t_before, 1e-6)
    record_property("local_voice_to_voice_latency_s", json.dumps(latencies))
    record_property("local_worker_cpu_cores", round(cpu, 2))
    print(
        f"\nlocal mode: voice-to-voice latency per persona turn (s): {latencies}; "
        f"worker CPU {cpu:.2f} cores over {t_after - t_before:.0f}s"
    )
