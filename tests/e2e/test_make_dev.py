"""`make dev` holds a whole call: the path a new user takes, tested the way they take it.

The product is started with the README's own command, `make dev` (dev mode with hot reload, not the
production build the rest of the suite uses), with nothing configured: local LiveKit, local mode
(no provider keys), the database in `data/` inside the project tree like the default one. A real
Chromium logs in with the demo password `make dev` printed, starts the English billing dispute from
its scenario page, and talks for more than 90 seconds through its fake microphone (four flite
sentences). Then, from the trainee's side and from the terminal's:
- the page stayed connected the whole time, and its one websocket to the app was never replaced
  (a backend restart drops it: that is how dev-mode reloads used to drop calls);
- the app's log shows no restart; LiveKit logs at info and the agent in short lines, one per turn;
- the session is `completed`, every turn stored in order, each sentence heard;
- the feedback page shows the finished call.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from coach_app.db import make_engine
from coach_app.models import PracticeSession, SessionStatus, Speaker, Turn
from tests.conftest import launch_chromium
from tests.support.local_speech import flite_wav
from tests.support.procs import REPO, Proc, free_port, wait_for

pytestmark = pytest.mark.e2e

PERSONA_ID = "billing-dispute-gold"
# What the trainee says, and one word of each that Whisper must hear.
LINES = [
    ("I am so sorry about the double charge, Margaret.", "sorry"),
    ("Can you tell me what happened from the beginning?", "beginning"),
    ("I can see the duplicate charge on your last bill.", "duplicate"),
    ("I will refund the duplicate charge today, and waive the fee.", "refund"),
]
FIRST_LINE_AT_S = 12.0  # the persona greets first
GAP_S = 20.0  # room for the persona's reply (local speech recognition is slow on small machines)
HOLD_S = 95.0  # the call lasts at least this long


def _mic_wav(folder: Path) -> Path:
    """One fake-microphone track: silence, then the four sentences with long pauses between them."""
    parts = []
    for i, (text, _) in enumerate(LINES):
        raw = flite_wav(text, folder / f"line{i}.wav")
        parts.append(str(raw))
    out = folder / "mic.wav"
    # sox: pad each sentence, concatenate, resample to what Chromium's fake device expects.
    padded = []
    for i, path in enumerate(parts):
        p = folder / f"pad{i}.wav"
        subprocess.run(
            [
                "sox",
                path,
                "-r",
                "48000",
                "-c",
                "1",
                "-b",
                "16",
                str(p),
                "pad",
                str(FIRST_LINE_AT_S if i == 0 else 0),
                str(GAP_S),
            ],
            check=True,
        )
        padded.append(str(p))
    subprocess.run(["sox", *padded, str(out), "pad", "0", "30"], check=True)
    return out


@pytest.fixture
def make_dev(tmp_path: Path):
    """`make dev` exactly as the README says, on free ports, with its database inside the tree."""
    if shutil.which("make") is None:
        raise RuntimeError("make is not installed")
    data = REPO / "data" / f"test-devmode-{os.getpid()}"
    data.mkdir(parents=True, exist_ok=True)
    ports = {"DEV_FRONTEND_PORT": free_port(), "DEV_BACKEND_PORT": free_port(), "DEV_LIVEKIT_PORT": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "COACH_TEST"))}
    env.update({k: str(v) for k, v in ports.items()})
    env.update(
        DATABASE_URL=f"sqlite:///{data / 'coach.db'}",
        RECORDINGS_DIR=str(data / "recordings"),  # its own: the suite's worker sweeps the suite's
        REFLEX_WEB_WORKDIR=".web-devmode",  # the suite's production build stays in .web
        PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}",
    )
    proc = Proc("make-dev", ["make", "--no-print-directory", "dev"], env=env, log_dir=tmp_path)
    frontend = f"http://localhost:{ports['DEV_FRONTEND_PORT']}"
    backend = f"http://127.0.0.1:{ports['DEV_BACKEND_PORT']}"

    def serving() -> bool:
        with urllib.request.urlopen(backend + "/ping", timeout=3) as r:
            if r.status != 200:
                return False
        with urllib.request.urlopen(frontend + "/login", timeout=10) as r:
            return r.status == 200 and "registered with LiveKit" in proc.log_text()

    try:
        wait_for(serving, 600, "make dev to serve the app with its agent worker registered", proc)
        yield proc, frontend, env["DATABASE_URL"]
    finally:
        proc.stop(timeout=20)
        print("\n----- make dev (last 80 lines) -----\n" + proc.tail(80))
        shutil.rmtree(data, ignore_errors=True)


def _demo_password(log: str) -> str:
    match = re.search(r"trainee\s+username: demo-trainee\s+password: (\S+)", log)
    assert match, "make dev did not print the demo trainee's one-time password:\n" + log[-3000:]
    return match.group(1)


def _app_restarts(log: str) -> int:
    """Backend (re)starts after the first: each one compiles the app again; granian says when it kills one."""
    app = [line for line in log.splitlines() if line.lstrip().startswith("app |")]
    return max(0, sum("Compiling:" in line for line in app) - 1) + sum("Killing worker" in line for line in app)


def test_make_dev_holds_a_whole_call(make_dev, playwright_instance, tmp_path):
    proc, base, db_url = make_dev
    password = _demo_password(proc.log_text())
    restarts_before = _app_restarts(proc.log_text())

    mic = _mic_wav(tmp_path)
    browser = launch_chromium(
        playwright_instance,
        [
            "--use-fake-ui-for-media-stream",
            "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-audio-capture={mic}",
            "--allow-loopback-in-peer-connection",
            "--autoplay-policy=no-user-gesture-required",
        ],
    )
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.grant_permissions(["microphone"])
    page = context.new_page()
    page.set_default_timeout(60_000)  # dev mode compiles pages on first visit
    # The page's websocket to the app's backend: a backend restart closes it and a new one opens.
    sockets: list[str] = []
    closed: list[str] = []

    def _on_websocket(ws) -> None:
        if "_event" in ws.url:
            sockets.append(ws.url)
            ws.on("close", lambda w: closed.append(w.url))

    page.on("websocket", _on_websocket)
    try:
        page.goto(base + "/login")
        page.locator("#login-username").fill("demo-trainee")
        page.locator("#login-password").fill(password)
        page.locator("#login-submit").click()
        page.locator("#account-name").wait_for(state="visible")

        page.goto(f"{base}/scenarios/{PERSONA_ID}")
        page.locator("#start-call").click()
        page.wait_for_url(re.compile(r"/call/\d+$"))
        session_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])
        state = page.locator("#connection-state")
        expect(state).to_have_attribute("data-state", "connected")
        connected_at = time.monotonic()
        sockets_at_start, closed_at_start = len(sockets), len(closed)

        # Hold the call: sample what the trainee sees every second.
        seen_states: set[str] = set()
        while time.monotonic() - connected_at < HOLD_S:
            seen_states.add(state.get_attribute("data-state") or "")
            assert page.locator("#call-error").count() == 0, page.locator("#call-error").inner_text()
            time.sleep(1.0)
        trainee_lines = page.locator("#transcript .transcript-line[data-speaker='trainee'][data-final='true']")
        expect(trainee_lines).to_have_count(len(LINES), timeout=60_000)
        # The persona answers the last sentence before the trainee hangs up.
        expect(page.locator("#agent-state")).to_have_attribute("data-phase", "listening", timeout=60_000)
        page.screenshot(path=str(tmp_path / "devmode-call.png"))
        assert seen_states == {"connected"}, seen_states
        sockets_during_call = sockets[sockets_at_start:] + closed[closed_at_start:]
        page.locator("#end-call").click()

        page.wait_for_url(re.compile(rf"/sessions/{session_id}/feedback$"))
        expect(page.locator("#analytics")).to_be_visible(timeout=30_000)
        expect(page.locator("#call-open")).to_have_count(0)
        expect(page.locator("#call-status")).to_contain_text(re.compile("completed", re.I))
        page.screenshot(path=str(tmp_path / "devmode-feedback.png"))
        call_seconds = time.monotonic() - connected_at
    finally:
        context.close()
        browser.close()

    log = proc.log_text()
    assert _app_restarts(log) == restarts_before, "the app's backend restarted during the call:\n" + log[-4000:]
    assert sockets_at_start >= 1 and not sockets_during_call, (
        f"the page's websocket to the app closed or was replaced during the call: {sockets_during_call}"
    )

    def _session() -> tuple[PracticeSession, list[Turn]]:
        with Session(make_engine(db_url)) as db:
            ps = db.get(PracticeSession, session_id)
            return ps, list(db.exec(select(Turn).where(Turn.session_id == session_id).order_by(Turn.seq)).all())

    ps, turns = _session()
    assert ps.status == SessionStatus.completed, (ps.status, ps.end_reason, ps.error)
    # The agent keeps the call's recording as its job ends, a moment after the session closed.
    deadline = time.monotonic() + 30
    while not ps.audio_bytes and time.monotonic() < deadline:
        time.sleep(0.5)
        ps, turns = _session()
    assert ps.audio_file and ps.audio_bytes and (ps.audio_seconds or 0) >= 60, (ps.audio_file, ps.audio_bytes, ps.error)
    assert call_seconds >= 90
    assert [t.seq for t in turns] == list(range(1, len(turns) + 1))
    trainee = [t.text.lower() for t in turns if t.speaker == Speaker.trainee]
    assert len(trainee) >= len(LINES), trainee
    for _, word in LINES:
        assert any(word in text for text in trainee), (word, trainee)
    assert turns[0].speaker == Speaker.persona  # the greeting

    # A terminal a newcomer can follow: LiveKit at info, the agent in short lines, one per turn,
    # and no error from the app or the agent.
    log = proc.log_text()
    lines = log.splitlines()
    ours = [line for line in lines if line.lstrip().startswith(("agent |", "app |"))]
    errors = [line for line in ours if re.search(r"\bERROR\b|Traceback", line)]
    assert not errors, errors
    assert not [line for line in lines if line.startswith("livekit |") and "\tDEBUG\t" in line]
    assert not [line for line in lines if line.startswith("  agent |") and line[10:].lstrip().startswith("{")]
    turn_lines = [line for line in lines if re.search(rf"session {session_id} turn \d+:", line)]
    assert len(turn_lines) == len(turns), turn_lines
