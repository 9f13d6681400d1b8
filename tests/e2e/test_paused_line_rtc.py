"""A trainee who pauses mid-sentence (600 ms after a comma) is stored as one turn, not two.

Real audio through a real room: flite speech with a silent gap, published by a Python
`livekit.rtc` trainee; the agent worker with its real turn handling (the Settings' defaults, the
persona's patience) and the cloud plugins on the provider stand-in. Read back through the API.
"""

from __future__ import annotations

import numpy as np
import pytest

from coach_app.devtools.standin import ProviderStandin
from coach_app.models import User
from tests.support.local_speech import silence, speech_pcm, trim_silence
from tests.support.rtc_trainee import MIC_RATE, PERSONA, api_headers, closed, join_call, transcript, wait_until

pytestmark = pytest.mark.e2e

FIRST_PART = "I checked your account this morning,"
SECOND_PART = "and the second charge was a mistake on our side."
PAUSE_S = 0.6
REPLY = "Then I want that money back today."


@pytest.fixture(scope="module")
def trainee_auth(db_url: str) -> tuple[User, dict[str, str]]:
    return api_headers(db_url, "paused-line", display_name="Pat Pause")


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
    sid, trainee = await join_call(api_base, headers, PERSONA)
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
    await wait_until(closed(api_base, headers, sid), 30, "the session to close")

    turns = [(t["speaker"], t["text"]) for t in transcript(api_base, headers, sid)]
    heard = [e.detail["text"] for e in standin.entries("stt") if e.detail["text"]]
    assert heard and heard == [FIRST_PART, SECOND_PART][: len(heard)]
    # One trainee turn holding everything that was said, then the persona's one reply.
    assert turns[1:] == [("trainee", " ".join(heard)), ("persona", REPLY)], turns
