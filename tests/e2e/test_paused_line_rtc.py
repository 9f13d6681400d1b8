"""A trainee who pauses mid-sentence (600 ms after a comma) is stored as one turn, not two.

Real audio through a real room: flite speech with a silent gap, published by a Python
`livekit.rtc` trainee; the agent worker with its real turn handling (the Settings' defaults, the
persona's patience) and the cloud plugins on the provider stand-in. Read back through the API.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from sqlmodel import Session

from coach_app.auth.tokens import create_api_token
from coach_app.db import make_engine
from coach_app.devtools.standin import ProviderStandin
from coach_app.models import User
from tests.conftest import service_env
from tests.support.auth import make_user
from tests.support.local_speech import silence, speech_pcm, trim_silence
from tests.support.rtc_trainee import (
    MIC_RATE,
    Trainee,
    session_view,
    start_api_server,
    start_call,
    transcript,
    wait_until,
)

pytestmark = pytest.mark.e2e

PERSONA = "billing-dispute-gold"
FIRST_PART = "I checked your account this morning,"
SECOND_PART = "and the second charge was a mistake on our side."
PAUSE_S = 0.6
REPLY = "Then I want that money back today."


@pytest.fixture(scope="module")
def api_base(db_url: str, livekit, run_dir: Path) -> Iterator[str]:
    proc, base = start_api_server(service_env(db_url, livekit), run_dir)
    yield base
    proc.stop()


@pytest.fixture(scope="module")
def trainee_auth(db_url: str) -> tuple[User, dict[str, str]]:
    user = make_user(db_url, "paused-line", display_name="Pat Pause")
    with Session(make_engine(db_url)) as s:
        _, token = create_api_token(s, user, "paused line e2e")
        s.commit()
    return user, {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def paused_line() -> np.ndarray:
    """The two parts as flite says them (its own silence trimmed), exactly PAUSE_S apart."""
    first, second = (trim_silence(speech_pcm(text, MIC_RATE), MIC_RATE) for text in (FIRST_PART, SECOND_PART))
    assert len(first) and len(second), "flite could not synthesise the trainee's line"
    return np.concatenate([first, silence(PAUSE_S, MIC_RATE), second])


async def test_a_mid_sentence_pause_is_stored_as_one_trainee_turn(
    livekit, agent_worker, api_base, trainee_auth, standin: ProviderStandin
):
    # Each stretch of speech the agent sends to STT is transcribed as the next part, in order.
    standin.script.transcripts = [FIRST_PART, SECOND_PART]
    standin.script.replies = [REPLY, REPLY]  # also if the agent asked twice (it took the pause for the end)
    _, headers = trainee_auth
    status, info = await start_call(api_base, headers, PERSONA)
    assert status == 201, info
    sid = info["session_id"]
    trainee = Trainee(info["livekit_url"], info["token"])
    await trainee.join()
    try:
        await wait_until(lambda: transcript(api_base, headers, sid) or None, 30, "the persona's greeting")
        await wait_until(lambda: trainee.quiet_since(1.0) or None, 30, "the greeting to end")
        await trainee.say(paused_line())
        await wait_until(
            lambda: (t := transcript(api_base, headers, sid)) and t[-1]["speaker"] == "persona" and len(t) > 1 or None,
            40,
            "the persona's reply",
        )
        await wait_until(lambda: trainee.quiet_since(1.0) or None, 30, "the reply to end")
        assert await trainee.end_call() == "ok"
    finally:
        await trainee.leave()
    await wait_until(
        lambda: session_view(api_base, headers, sid)["status"] not in ("created", "live") or None,
        30,
        "the session to close",
    )

    turns = [(t["speaker"], t["text"]) for t in transcript(api_base, headers, sid)]
    heard = [e.detail["text"] for e in standin.entries("stt") if e.detail["text"]]
    assert heard and heard == [FIRST_PART, SECOND_PART][: len(heard)]
    # One trainee turn holding everything that was said, then the persona's one reply.
    assert turns[1:] == [("trainee", " ".join(heard)), ("persona", REPLY)], turns
