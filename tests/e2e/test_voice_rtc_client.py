"""A practice call with a Python `livekit.rtc` client as the trainee (no browser).

All real but the providers: the built livekit-server, the agent worker as its own process with
the real Groq/ElevenLabs plugins pointed at the local stand-in, the HTTP API (`POST /api/sessions`
over real HTTP, served by granian) and a trainee that publishes flite speech as its microphone.
The test reads the result the way a user would: the transcript API and the session's status.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from agent.persona_agent import BREAKING_UP_LINES
from coach_app.devtools.standin import ProviderStandin
from coach_app.models import User
from coach_app.personas.catalogue import get_persona
from tests.conftest import service_env, start_agent_worker
from tests.support.procs import Proc, show_logs_on_failure
from tests.support.rtc_trainee import (
    FIRST_LINE,
    FIRST_REPLY,
    PERSONA,
    SECOND_LINE,
    SECOND_REPLY,
    Trainee,
    api_headers,
    closed,
    direct_call,
    http,
    join_call,
    session_view,
    spoken,
    transcript,
    turns_with,
    wait_until,
)

pytestmark = pytest.mark.e2e

GOODBYE = "I'm sorry, I have to go now. Goodbye."


# --- servers and users -----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def logs_on_failure(request, run_dir: Path):
    """When a test here fails, show what the agent worker and the API logged (the run dir is removed)."""
    yield from show_logs_on_failure(request, lambda: sorted(run_dir.glob("agent*.log")) + [run_dir / "api.log"])


@pytest.fixture(scope="module")
def trainee_auth(db_url: str) -> tuple[User, dict[str, str]]:
    return api_headers(db_url, "voice-e2e", display_name="Vic Voice")


@pytest.fixture(scope="module")
def admin_headers(db_url: str) -> dict[str, str]:
    """An admin's API headers: provider errors on a session are shown to managers and admins only."""
    return api_headers(db_url, "voice-e2e-admin", role="admin")[1]


# --- tests -----------------------------------------------------------------------------------------


async def test_trainee_call_is_recorded_turn_by_turn(
    livekit, agent_worker, api_base, trainee_auth, standin: ProviderStandin, tmp_path: Path, record_property
):
    standin.script.transcripts = [FIRST_LINE]
    standin.script.replies = [FIRST_REPLY]
    _, headers = trainee_auth
    opening = get_persona(PERSONA).phases.opening.lines[0]

    t_start = time.monotonic()
    sid, trainee = await join_call(api_base, headers, PERSONA)
    try:
        # The persona opens the call with its opening line, and we hear it.
        turns = await wait_until(turns_with(api_base, headers, sid, 1), 30, "the persona's greeting")
        assert turns[0]["speaker"] == "persona" and turns[0]["text"] == opening
        first_audio = trainee.first_audible_after(t_start)
        assert first_audio is not None, "no persona audio reached the trainee"
        assert session_view(api_base, headers, sid)["status"] == "live"

        # The trainee speaks; the stand-in transcribes it; the persona answers and is heard.
        spoke_until = await trainee.say(spoken(FIRST_LINE))
        turns = await wait_until(turns_with(api_base, headers, sid, 3), 30, "the trainee's turn and the reply")
        reply_heard = await wait_until(lambda: trainee.first_audible_after(spoke_until), 10, "the reply's audio")

        assert await trainee.end_call() == "ok"
    finally:
        await trainee.leave()

    view = await wait_until(closed(api_base, headers, sid), 30, "the session to close")
    turns = transcript(api_base, headers, sid)
    assert [(t["speaker"], t["text"]) for t in turns] == [
        ("persona", opening),
        ("trainee", FIRST_LINE),
        ("persona", FIRST_REPLY),
    ]
    assert [t["seq"] for t in turns] == [1, 2, 3]
    for a, b in itertools.pairwise(turns):
        assert a["start"] <= a["end"] <= b["start"] <= b["end"]
    trainee_turn, reply = turns[1]["metrics"], turns[2]["metrics"]
    assert trainee_turn["end_of_turn_delay"] is not None and trainee_turn["transcription_delay"] is not None
    assert reply["llm_ttft"] is not None and reply["tts_ttfb"] is not None and reply["e2e_latency"] is not None

    assert view["status"] == "completed" and view["end_reason"] == "trainee_ended"
    assert view["started_at"] and view["ended_at"] and view["error"] is None
    usage = view["usage"]
    assert usage["stt_audio_seconds"] > 1.0
    assert usage["llm_prompt_tokens"] > 0 and usage["llm_completion_tokens"] >= len(FIRST_REPLY.split())
    assert usage["tts_characters"] >= len(opening) + len(FIRST_REPLY)
    assert view["providers"]["llm"]["provider"] == "groq" and view["providers"]["tts"]["provider"] == "elevenlabs"

    # What the providers were asked: the persona's voice, language and the trainee's words.
    ws = standin.entries("tts_ws")[0].detail
    assert ws["voice_id"] == get_persona(PERSONA).voice.voice_id and ws["query"]["output_format"] == "pcm_24000"
    stt = [e.detail for e in standin.entries("stt") if e.detail["text"]]
    assert stt[0]["language"] == "en" and stt[0]["text"] == FIRST_LINE

    measured = {
        "start_to_first_agent_audio_s": round(first_audio - t_start, 3),
        "voice_to_voice_client_s": round(reply_heard - spoke_until, 3),
        "recorded_e2e_latency_s": reply["e2e_latency"],
        "end_of_turn_delay_s": trainee_turn["end_of_turn_delay"],
        "transcription_delay_s": trainee_turn["transcription_delay"],
        "llm_ttft_s": reply["llm_ttft"],
        "tts_ttfb_s": reply["tts_ttfb"],
    }
    record_property("voice_latency", measured)
    print(f"\nVOICE MEASUREMENTS {json.dumps(measured)}")


async def test_provider_failure_is_spoken_in_character_and_recorded(
    livekit, agent_worker, api_base, trainee_auth, admin_headers, standin: ProviderStandin, tmp_path: Path
):
    standin.script.transcripts = [FIRST_LINE, SECOND_LINE]
    standin.script.replies = [FIRST_REPLY, SECOND_REPLY]
    # The LLM is down for the first reply: every attempt fails (the preemptive one made while the
    # trainee's turn is still open, and the one made when it ends, each with its retry).
    standin.script.fail["llm"] = 1_000
    _, headers = trainee_auth
    sid, trainee = await join_call(api_base, headers, PERSONA)
    try:
        await wait_until(turns_with(api_base, headers, sid, 1), 30, "the persona's greeting")
        await trainee.say(spoken(FIRST_LINE))
        turns = await wait_until(turns_with(api_base, headers, sid, 3), 40, "the breaking-up line")
        assert (turns[2]["speaker"], turns[2]["text"]) == ("persona", BREAKING_UP_LINES["en"])
        view = session_view(api_base, admin_headers, sid)
        assert view["status"] == "live" and "llm_error" in (view["error"] or "")
        assert session_view(api_base, headers, sid)["error"] is None  # not shown to the trainee

        # The line recovers: the trainee repeats and gets a real answer.
        standin.script.fail["llm"] = 0
        await trainee.say(spoken(SECOND_LINE))
        turns = await wait_until(turns_with(api_base, headers, sid, 5), 30, "the reply after the failure")
        assert [t["text"] for t in turns[3:5]] == [SECOND_LINE, SECOND_REPLY]
        await trainee.end_call()
    finally:
        await trainee.leave()
    view = await wait_until(closed(api_base, admin_headers, sid), 30, "the session to close")
    assert view["status"] == "completed" and "llm_error" in view["error"]


async def test_voice_failure_still_gets_an_audible_line(
    livekit, agent_worker, api_base, trainee_auth, admin_headers, standin: ProviderStandin, tmp_path: Path
):
    """When text-to-speech itself fails, the line synthesised at the start of the call is played."""
    standin.script.transcripts = [FIRST_LINE]
    standin.script.replies = [FIRST_REPLY]
    _, headers = trainee_auth
    sid, trainee = await join_call(api_base, headers, PERSONA)
    try:
        await wait_until(turns_with(api_base, headers, sid, 1), 30, "the persona's greeting")
        await wait_until(lambda: standin.entries("tts_http"), 10, "the breaking-up line to be pre-synthesised")
        standin.script.fail["tts"] = 2  # the reply's synthesis fails on both attempts
        spoke_until = await trainee.say(spoken(FIRST_LINE))
        turns = await wait_until(turns_with(api_base, headers, sid, 3), 40, "the breaking-up line")
        heard = await wait_until(lambda: trainee.first_audible_after(spoke_until), 10, "audio after the failure")
    finally:
        await trainee.leave()
    assert heard
    assert (turns[2]["speaker"], turns[2]["text"]) == ("persona", BREAKING_UP_LINES["en"])
    # No End: the session closes once the rejoin grace (20 s) is over.
    view = await wait_until(closed(api_base, admin_headers, sid), 45, "the session to close")
    assert "tts_error" in view["error"]


async def test_trainee_leaving_without_ending_abandons_the_session(
    livekit, agent_worker, api_base, trainee_auth, standin: ProviderStandin
):
    _, headers = trainee_auth
    sid, trainee = await join_call(api_base, headers, PERSONA)
    try:
        await wait_until(turns_with(api_base, headers, sid, 1), 30, "the persona's greeting")
    finally:
        await trainee.leave()  # closes the tab: no End
    # The agent waits TRAINEE_REJOIN_GRACE_SECONDS (20) for a reload before it gives the call up.
    view = await wait_until(closed(api_base, headers, sid), 45, "the session to close")
    assert view["status"] == "abandoned" and view["end_reason"] == "trainee_left"
    assert [t["speaker"] for t in transcript(api_base, headers, sid)] == ["persona"]


async def test_a_trainee_who_reconnects_carries_on_the_same_call(
    livekit, agent_worker, api_base, trainee_auth, standin: ProviderStandin
):
    """A page reload or a dropped connection: the trainee's client leaves the room and joins again
    with a fresh token a few seconds later. The persona is still there, answers the next line and
    does not greet again; the call ends as the trainee ends it."""
    standin.script.transcripts = [FIRST_LINE]
    standin.script.replies = [FIRST_REPLY]
    _, headers = trainee_auth
    sid, first = await join_call(api_base, headers, PERSONA)
    try:
        await wait_until(turns_with(api_base, headers, sid, 1), 30, "the persona's greeting")
    finally:
        await first.leave()
    await asyncio.sleep(3)  # away as long as a page takes to reload
    status, info = await asyncio.to_thread(http, "POST", f"{api_base}/api/sessions/{sid}/token", headers)
    assert status == 200, info
    again = Trainee(info["livekit_url"], info["token"])
    await again.join()
    try:
        spoke_until = await again.say(spoken(FIRST_LINE))
        turns = await wait_until(turns_with(api_base, headers, sid, 3), 40, "the reply after rejoining")
        assert await wait_until(lambda: again.first_audible_after(spoke_until), 10, "the reply to be heard")
        assert await again.end_call() == "ok"
    finally:
        await again.leave()
    view = await wait_until(closed(api_base, headers, sid), 30, "the session to close")
    assert (view["status"], view["end_reason"]) == ("completed", "trainee_ended")
    assert [t["speaker"] for t in turns] == ["persona", "trainee", "persona"]
    assert turns[2]["text"] == FIRST_REPLY


# --- time limit: a worker of its own, with a short cap on every call -------------------------------

TIME_LIMIT_AGENT = "coach-persona-time-limit"


@pytest.fixture(scope="module")
def short_call_worker(db_url: str, livekit, run_dir: Path, provider_standin: ProviderStandin) -> Iterator[Proc]:
    env = service_env(db_url, livekit, **provider_standin.env(), AGENT_NAME=TIME_LIMIT_AGENT, CALL_MAX_SECONDS="15")
    proc = start_agent_worker("agent-time-limit", env, run_dir)
    yield proc
    proc.stop()


async def test_time_limit_ends_the_call_politely(
    livekit, short_call_worker, api_base, trainee_auth, db_url: str, standin: ProviderStandin
):
    standin.script.rules = [("time limit", GOODBYE)]
    user, headers = trainee_auth
    ps, token = direct_call(db_url, livekit, user, PERSONA, TIME_LIMIT_AGENT)
    trainee = Trainee(livekit.url, token)
    disconnected = asyncio.Event()
    trainee.room.on("disconnected", lambda *_: disconnected.set())
    await trainee.join()
    try:
        await asyncio.wait_for(disconnected.wait(), 90)  # the agent closes the room after its goodbye
    finally:
        await trainee.leave()
    view = await wait_until(closed(api_base, headers, ps.id), 30, "the session to close")
    assert view["status"] == "completed" and view["end_reason"] == "time_limit"
    turns = transcript(api_base, headers, ps.id)
    assert (turns[-1]["speaker"], turns[-1]["text"]) == ("persona", GOODBYE)
    assert turns[-1]["start"] >= 14  # not before the 15 s cap
    # The goodbye was asked of the LLM with the time-up instruction, in character.
    assert any("time limit" in json.dumps(e.detail["messages"][-1]) for e in standin.entries("chat"))
