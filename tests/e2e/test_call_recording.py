"""The agent records the call itself: a stereo OGG (trainee left, persona right) kept after the job.

All real but the providers (the stand-in): livekit-server, the agent worker process, the HTTP API
over real HTTP and a `livekit.rtc` trainee speaking flite speech. After End, the session carries
the recording's length and size, and `GET /api/sessions/{id}/audio` serves it: the trainee's
channel is loud while the trainee spoke, the persona's while the persona spoke.
"""

from __future__ import annotations

import urllib.request

import pytest
from sqlmodel import Session

from coach_app.db import make_engine
from coach_app.devtools.standin import ProviderStandin
from coach_app.models import PracticeSession
from tests.support.ogg import read_stereo_ogg, rms
from tests.support.rtc_trainee import (
    FIRST_LINE,
    FIRST_REPLY,
    PERSONA,
    api_headers,
    join_call,
    spoken,
    transcript,
    wait_until,
)

pytestmark = pytest.mark.e2e


async def test_the_call_is_recorded_in_stereo_and_served(
    livekit, agent_worker, api_base, db_url, standin: ProviderStandin, record_property
):
    standin.script.transcripts = [FIRST_LINE]
    standin.script.replies = [FIRST_REPLY]
    _, headers = api_headers(db_url, "rec-e2e", display_name="Rec Ording")
    sid, trainee = await join_call(api_base, headers, PERSONA)
    try:
        await wait_until(lambda: len(transcript(api_base, headers, sid)) >= 1 or None, 30, "the greeting")
        await trainee.say(spoken(FIRST_LINE))
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
    channels, rate, pcm = read_stereo_ogg(data)
    assert channels == 2
    seconds = pcm.shape[1] / rate
    assert ps.audio_seconds == pytest.approx(seconds, abs=0.5)
    assert seconds >= turns[-1]["end"] - ps.audio_offset - 0.5

    # Who is heard where: the trainee's words on the left channel, the persona's on the right.
    trainee_turn = next(t for t in turns if t["speaker"] == "trainee")
    persona_turn = next(t for t in turns if t["speaker"] == "persona")
    t0, t1 = trainee_turn["start"] - ps.audio_offset, trainee_turn["end"] - ps.audio_offset
    p0, p1 = persona_turn["start"] - ps.audio_offset, persona_turn["end"] - ps.audio_offset
    assert rms(pcm, rate, 0, t0, t1) > 5 * max(rms(pcm, rate, 1, t0, t1), 1e-4)
    assert rms(pcm, rate, 1, p0, p1) > 5 * max(rms(pcm, rate, 0, p0, p1), 1e-4)

    per_minute = ps.audio_bytes / seconds * 60
    record_property("recording_bytes_per_minute", round(per_minute))
    print(f"\nRECORDING {ps.audio_bytes} bytes, {seconds:.1f} s, {per_minute / 1024:.0f} KiB per minute")
