"""The agent records the call itself: a stereo OGG (trainee left, persona right) kept after the job.

All real but the providers (the stand-in): livekit-server, the agent worker process, the HTTP API
over real HTTP and a `livekit.rtc` trainee speaking flite speech. After End, the session carries
the recording's length and size, and `GET /api/sessions/{id}/audio` serves it: the trainee's
channel is loud while the trainee spoke, the persona's while the persona spoke.
"""

from __future__ import annotations

import io
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import av
import numpy as np
import pytest
from sqlmodel import Session

from coach_app.auth.tokens import create_api_token
from coach_app.db import make_engine
from coach_app.devtools.standin import ProviderStandin
from coach_app.models import PracticeSession
from tests.conftest import service_env
from tests.support import local_speech
from tests.support.auth import make_user
from tests.support.rtc_trainee import MIC_RATE, Trainee, start_api_server, start_call, transcript, wait_until

pytestmark = pytest.mark.e2e

PERSONA = "billing-dispute-gold"
TRAINEE_LINE = "Hello Margaret, I can see the double charge on your account, and I am refunding it right now."
PERSONA_REPLY = "Fine. And the late fee? I want a reference number this time."


@pytest.fixture(scope="module")
def api_base(db_url: str, livekit, run_dir: Path) -> Iterator[str]:
    proc, base = start_api_server(service_env(db_url, livekit), run_dir)
    yield base
    proc.stop()


def _headers(db_url: str) -> dict[str, str]:
    user = make_user(db_url, "rec-e2e", display_name="Rec Ording")
    with Session(make_engine(db_url)) as s:
        _, token = create_api_token(s, user, "recording e2e")
        s.commit()
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def _decode(data: bytes) -> tuple[int, int, np.ndarray]:
    """(channels, sample rate, samples as float array [channels, n]) of an OGG file."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        frames = [f.to_ndarray() for f in container.decode(stream)]
        layout, rate = stream.layout.nb_channels, stream.rate
    pcm = np.concatenate(frames, axis=1)  # planar: [channels, n]; packed: [1, n * channels]
    if pcm.shape[0] != layout:
        pcm = pcm.reshape(-1, layout).T
    return layout, rate, pcm.astype(np.float64)


def _rms(pcm: np.ndarray, rate: int, channel: int, start: float, end: float) -> float:
    part = pcm[channel, max(0, int(start * rate)) : max(0, int(end * rate))]
    return float(np.sqrt(np.mean(part**2))) if len(part) else 0.0


async def test_the_call_is_recorded_in_stereo_and_served(
    livekit, agent_worker, api_base, db_url, standin: ProviderStandin, record_property
):
    standin.script.transcripts = [TRAINEE_LINE]
    standin.script.replies = [PERSONA_REPLY]
    headers = _headers(db_url)
    status, info = await start_call(api_base, headers, PERSONA)
    assert status == 201, info
    sid = info["session_id"]
    trainee = Trainee(info["livekit_url"], info["token"])
    await trainee.join()
    try:
        await wait_until(lambda: len(transcript(api_base, headers, sid)) >= 1 or None, 30, "the greeting")
        await trainee.say(local_speech.speech_pcm(TRAINEE_LINE, MIC_RATE))
        await wait_until(lambda: len(transcript(api_base, headers, sid)) >= 3 or None, 30, "the reply")
        await wait_until(lambda: trainee.quiet_since(1.0) or None, 20, "the reply to finish playing")
        assert await trainee.end_call() == "ok"
    finally:
        await trainee.leave()

    def kept() -> PracticeSession | None:
        with Session(make_engine(db_url)) as db:
            ps = db.get(PracticeSession, sid)
            return ps if ps.audio_file else None

    ps = await wait_until(kept, 30, "the recording to be kept")
    turns = transcript(api_base, headers, sid)

    req = urllib.request.Request(f"{api_base}/api/sessions/{sid}/audio", headers=headers)
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.headers["Content-Type"] == "audio/ogg"
        data = r.read()
    assert len(data) == ps.audio_bytes
    channels, rate, pcm = _decode(data)
    assert channels == 2
    seconds = pcm.shape[1] / rate
    assert ps.audio_seconds == pytest.approx(seconds, abs=0.5)
    assert seconds >= turns[-1]["end"] - ps.audio_offset - 0.5

    # Who is heard where: the trainee's words on the left channel, the persona's on the right.
    trainee_turn = next(t for t in turns if t["speaker"] == "trainee")
    persona_turn = next(t for t in turns if t["speaker"] == "persona")
    t0, t1 = trainee_turn["start"] - ps.audio_offset, trainee_turn["end"] - ps.audio_offset
    p0, p1 = persona_turn["start"] - ps.audio_offset, persona_turn["end"] - ps.audio_offset
    assert _rms(pcm, rate, 0, t0, t1) > 5 * max(_rms(pcm, rate, 1, t0, t1), 1e-4)
    assert _rms(pcm, rate, 1, p0, p1) > 5 * max(_rms(pcm, rate, 0, p0, p1), 1e-4)

    per_minute = ps.audio_bytes / seconds * 60
    record_property("recording_bytes_per_minute", round(per_minute))
    print(f"\nRECORDING {ps.audio_bytes} bytes, {seconds:.1f} s, {per_minute / 1024:.0f} KiB per minute")
