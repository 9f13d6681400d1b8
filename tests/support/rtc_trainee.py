"""A trainee without a browser: the public HTTP API to start a call, a `livekit.rtc` client to talk.

- `start_api_server` runs the plain HTTP API (`coach_app.api.routes:api`) over real HTTP (granian).
- `http` / `start_call` are how a trainee with an API token starts a session (`POST /api/sessions`);
  `api_headers` makes a user with such a token; `join_call` starts a call and joins its room;
  `direct_call` starts one the way the Start button does (for a worker of another agent name).
- `Trainee` joins the room: its microphone plays scripted speech in real time (10 ms frames, silence
  between utterances, paced by the clock as a real microphone is), `say` returns when each
  utterance's last sample has been played, and its ear notes the loudness of every frame of the
  persona's received track, so "when did the trainee hear the persona" is measured where a user
  would hear it.

Used by the e2e tests and the benchmarks (bench/); one copy of how a Python trainee behaves.
"""

from __future__ import annotations

import asyncio
import bisect
import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from livekit import rtc
from sqlmodel import Session

from coach_app.auth.tokens import create_api_token
from coach_app.calls.rooms import END_CALL_RPC, mint_trainee_token
from coach_app.calls.start import start_session
from coach_app.db import make_engine
from coach_app.models import OPEN_STATUSES, PracticeSession, User
from coach_app.settings import Settings
from tests.support import local_speech
from tests.support.auth import make_user
from tests.support.procs import Proc, free_port, wait_for

MIC_RATE = 48000
FRAME_MS = 10
EAR_RATE = 24000
# A received frame louder than this RMS (16-bit samples) counts as audible persona audio.
AUDIBLE_RMS = 300.0

T = TypeVar("T")

# The scripted billing-dispute call the rtc tests share: what the trainee says (as flite speech),
# and what the provider stand-in is told to answer.
PERSONA = "billing-dispute-gold"
FIRST_LINE = "Hello Margaret, I can see the double charge on your account, and I am refunding it right now."
FIRST_REPLY = "Fine. And the late fee? I want a reference number this time."
SECOND_LINE = "The reference number is R 4 4 8 2. The late fee is refunded too."
SECOND_REPLY = "Alright. Thank you for actually fixing it."
OPEN = {s.value for s in OPEN_STATUSES}  # a session's status as the API shows it, while its call is on


# --- the public API ----------------------------------------------------------------------------


def start_api_server(env: dict[str, str], log_dir: Path) -> tuple[Proc, str]:
    """`coach_app.api.routes:api` on a free port (granian, as in production); returns (process, base URL)."""
    port = free_port()
    proc = Proc(
        "api",
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "coach_app.api.routes:api",
        ],
        env=env,
        log_dir=log_dir,
    )
    base = f"http://127.0.0.1:{port}"

    def up() -> bool:
        with urllib.request.urlopen(base + "/api/health", timeout=2) as r:
            return r.status == 200

    try:
        wait_for(up, 60, "the API server", proc)
    except BaseException:
        proc.stop()
        raise
    return proc, base


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def api_headers(db_url: str, username: str, **user: Any) -> tuple[User, dict[str, str]]:
    """A user (`make_user`'s fields) with an API token, and the headers that carry it."""
    person = make_user(db_url, username, **user)
    with Session(make_engine(db_url)) as s:
        _, token = create_api_token(s, person, f"{username} e2e")
        s.commit()
    return person, bearer(token)


def http(method: str, url: str, headers: dict[str, str], body: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(
        url, method=method, headers=headers, data=json.dumps(body).encode() if body is not None else None
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


async def start_call(api_base: str, headers: dict[str, str], persona_id: str) -> tuple[int, dict]:
    """What Start does for an API client: (HTTP status, body with session_id, livekit_url, token)."""
    return await asyncio.to_thread(http, "POST", f"{api_base}/api/sessions", headers, {"persona_id": persona_id})


async def join_call(api_base: str, headers: dict[str, str], persona_id: str, **client: Any) -> tuple[int, Trainee]:
    """Start a call through the API and join its room: (session id, the joined trainee; `client`
    are its Trainee options)."""
    status, info = await start_call(api_base, headers, persona_id)
    assert status == 201, info
    trainee = Trainee(info["livekit_url"], info["token"], **client)
    await trainee.join()
    return info["session_id"], trainee


def direct_call(db_url: str, livekit: Any, user: User, persona_id: str, agent_name: str) -> tuple[PracticeSession, str]:
    """What Start does, for calls served by a worker of another agent name: (session, trainee token)."""
    with Session(make_engine(db_url), expire_on_commit=False) as db:
        ps = start_session(db, user, persona_id)
    settings = Settings(
        livekit_url=livekit.url,
        livekit_api_key=livekit.api_key,
        livekit_api_secret=livekit.api_secret,
        agent_name=agent_name,
    )
    return ps, mint_trainee_token(ps, user, settings)


def transcript(api_base: str, headers: dict[str, str], sid: int) -> list[dict]:
    status, body = http("GET", f"{api_base}/api/sessions/{sid}/transcript", headers)
    assert status == 200, body
    return body["turns"]


def session_view(api_base: str, headers: dict[str, str], sid: int) -> dict:
    status, body = http("GET", f"{api_base}/api/sessions/{sid}", headers)
    assert status == 200, body
    return body


def turns_with(api_base: str, headers: dict[str, str], sid: int, n: int) -> Callable[[], list[dict] | None]:
    """A `wait_until` check: the transcript once it has at least `n` turns."""
    return lambda: t if len(t := transcript(api_base, headers, sid)) >= n else None


def closed(api_base: str, headers: dict[str, str], sid: int) -> Callable[[], dict | None]:
    """A `wait_until` check: the session's view once it is no longer created or live."""
    return lambda: v if (v := session_view(api_base, headers, sid))["status"] not in OPEN else None


def spoken(text: str) -> np.ndarray:
    """flite speech (voice slt) at the trainee's microphone rate, as int16 samples."""
    pcm = local_speech.speech_pcm(text, MIC_RATE)
    assert len(pcm), "flite could not synthesise the trainee's line"
    return pcm


async def wait_until(check: Callable[[], T], timeout: float, what: str, interval: float = 0.1) -> T:
    """Poll `check` (run in a thread: it may do HTTP) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await asyncio.to_thread(check)
        if result:
            return result
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


# --- the trainee's client --------------------------------------------------------------------------


@dataclass
class Trainee:
    """A trainee's client: a microphone that plays scripted speech (silence otherwise) in real
    time, and an ear on the persona's audio track that notes when it is audible."""

    url: str
    token: str
    # Audio frame sizes: the microphone's, and the ear's (None: LiveKit's default of 10 ms). The
    # load bench uses larger frames so that eight clients fit on the machine beside the servers.
    mic_frame_ms: int = FRAME_MS
    ear_frame_ms: int | None = None
    room: rtc.Room = field(default_factory=rtc.Room)
    heard: list[tuple[float, float]] = field(default_factory=list)  # (monotonic time, rms) per received frame
    # How late this client itself ran (seconds; a starved client mis-times what it says and hears):
    mic_late_max: float = 0.0  # a microphone frame sent after its time
    ear_late_max: float = 0.0  # a received frame handled after its time (audio's clock vs arrival; an upper bound)
    _pending: list[tuple[np.ndarray, asyncio.Future]] = field(default_factory=list)
    _tasks: list[asyncio.Task] = field(default_factory=list)

    async def join(self) -> None:
        @self.room.on("track_subscribed")
        def _on_track(track: rtc.Track, _pub: Any, participant: rtc.RemoteParticipant) -> None:
            if (
                track.kind == rtc.TrackKind.KIND_AUDIO
                and participant.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
            ):
                self._tasks.append(asyncio.create_task(self._listen(track)))

        await self.room.connect(self.url, self.token)
        self.source = rtc.AudioSource(MIC_RATE, 1, queue_size_ms=200)
        track = rtc.LocalAudioTrack.create_audio_track("microphone", self.source)
        await self.room.local_participant.publish_track(
            track, rtc.TrackPublishOptions(source=rtc.TrackSource.SOURCE_MICROPHONE)
        )
        self._tasks.append(asyncio.create_task(self._microphone()))

    async def _listen(self, track: rtc.Track) -> None:
        received, anchor = 0.0, float("inf")  # seconds of audio so far; earliest "arrival - audio time"
        async for ev in rtc.AudioStream(track, sample_rate=EAR_RATE, frame_size_ms=self.ear_frame_ms):
            now = time.monotonic()
            anchor = min(anchor, now - received)
            self.ear_late_max = max(self.ear_late_max, now - received - anchor)
            received += ev.frame.samples_per_channel / ev.frame.sample_rate
            samples = np.frombuffer(bytes(ev.frame.data), dtype=np.int16).astype(np.float64)
            self.heard.append((now, float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0))

    async def _microphone(self) -> None:
        n = MIC_RATE * self.mic_frame_ms // 1000
        silence = np.zeros(n, dtype=np.int16)
        start, sent = time.monotonic(), 0
        while True:
            if self._pending:
                pcm, done = self._pending[0]
                chunk, rest = pcm[:n], pcm[n:]
                if len(rest):
                    self._pending[0] = (rest, done)
                else:
                    self._pending.pop(0)
                    if not done.done():  # when this utterance's last sample will have been played
                        done.set_result(start + (sent + len(chunk)) / MIC_RATE)
                chunk = np.pad(chunk, (0, n - len(chunk)))
            else:
                chunk = silence
            self.mic_late_max = max(self.mic_late_max, time.monotonic() - (start + sent / MIC_RATE))
            await self.source.capture_frame(rtc.AudioFrame(chunk.tobytes(), MIC_RATE, 1, n))
            sent += n
            ahead = start + sent / MIC_RATE - time.monotonic()
            if ahead > 0.05:
                await asyncio.sleep(ahead - 0.05)

    async def say(self, pcm: np.ndarray) -> float:
        """Speak `pcm` (int16 at MIC_RATE) after anything already queued; returns the monotonic time
        at which its last sample was played (it started `len(pcm) / MIC_RATE` seconds earlier)."""
        done = asyncio.get_running_loop().create_future()
        self._pending.append((pcm, done))
        return await done

    def first_audible_after(self, t: float) -> float | None:
        # `heard` is in time order: start at `t` (callers poll this during calls of minutes).
        start = bisect.bisect_left(self.heard, (t, float("-inf")))
        return next((at for at, rms in self.heard[start:] if rms > AUDIBLE_RMS), None)

    def quiet_since(self, seconds: float) -> bool:
        """Nothing audible heard in the last `seconds` (the persona has finished speaking)."""
        since = time.monotonic() - seconds
        for at, rms in reversed(self.heard):
            if at < since:
                break
            if rms > AUDIBLE_RMS:
                return False
        return True

    async def end_call(self) -> str:
        """Press End: the end-call RPC to the agent; returns its answer ("ok")."""
        agent = next(
            p for p in self.room.remote_participants.values() if p.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
        )
        return await self.room.local_participant.perform_rpc(
            destination_identity=agent.identity, method=END_CALL_RPC, payload=""
        )

    async def leave(self) -> None:
        for t in self._tasks:
            t.cancel()
        await self.room.disconnect()
