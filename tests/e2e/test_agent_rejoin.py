"""A call survives its agent: the worker serving a call is killed (SIGKILL) and the persona comes back.

All real but the providers: livekit-server, agent workers as their own processes (the real
Groq/ElevenLabs plugins pointed at the local stand-in) and a Python trainee that speaks flite
speech. The worker serving the call is killed with its job processes, as when a machine or a
container dies. Passing means what the trainee notices: the persona is heard again, answers the
next line, and the session ends `completed` with every turn once, in order.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from livekit import api
from sqlmodel import Session, select

from agent.resume import REJOIN_LINES
from coach_app.calls.recordings import recording_path
from coach_app.db import make_engine
from coach_app.devtools.standin import ProviderStandin
from coach_app.models import EndReason, PracticeSession, SessionStatus, Speaker, Turn
from coach_app.personas.catalogue import get_persona
from coach_app.settings import get_settings
from tests.conftest import service_env, start_agent_worker
from tests.support.auth import make_user
from tests.support.ogg import read_stereo_ogg, rms
from tests.support.procs import Proc, show_logs_on_failure
from tests.support.rtc_trainee import (
    FIRST_LINE,
    FIRST_REPLY,
    OPEN,
    PERSONA,
    SECOND_LINE,
    SECOND_REPLY,
    Trainee,
    api_headers,
    direct_call,
    spoken,
    wait_until,
)

pytestmark = pytest.mark.e2e

REJOIN_AGENT = "coach-persona-rejoin"  # not the suite's worker: only these tests' workers take these calls


@pytest.fixture(autouse=True)
def logs_on_failure(request, run_dir: Path):
    yield from show_logs_on_failure(request, lambda: sorted(run_dir.glob("agent-rejoin*.log")))


def _workers(names: list[str], db_url: str, livekit, run_dir: Path, standin: ProviderStandin, **extra) -> list[Proc]:
    env = service_env(db_url, livekit, **standin.env(), AGENT_NAME=REJOIN_AGENT, **extra)
    return [start_agent_worker(name, env, run_dir) for name in names]


def _kill(worker: Proc) -> None:
    """SIGKILL the worker and its job processes (nothing gets to say goodbye)."""
    os.killpg(worker.popen.pid, signal.SIGKILL)
    worker.popen.wait(10)


def _turns(engine, sid: int) -> list[Turn]:
    with Session(engine) as db:
        return list(db.exec(select(Turn).where(Turn.session_id == sid).order_by(Turn.seq)).all())


def _session(engine, sid: int) -> PracticeSession:
    with Session(engine) as db:
        return db.get(PracticeSession, sid)


def _turns_at_least(engine, sid: int, n: int) -> Callable[[], list[Turn] | None]:
    return lambda: t if len(t := _turns(engine, sid)) >= n else None


async def _serving_worker(livekit, room: str, workers: list[Proc]) -> Proc:
    """The worker whose agent took the call (from the dispatch's job, as LiveKit reports it)."""
    async with api.LiveKitAPI(livekit.http_url, livekit.api_key, livekit.api_secret) as lk:
        dispatches = await lk.agent_dispatch.list_dispatch(room)
    worker_ids = {job.state.worker_id for d in dispatches for job in d.state.jobs}
    serving = [w for w in workers if any(f"registered with LiveKit as {wid}" in w.log_text() for wid in worker_ids)]
    assert len(serving) == 1, (worker_ids, [w.name for w in workers])
    return serving[0]


async def _persona_back(trainee: Trainee, engine, sid: int, since: float, turns: int) -> float:
    """Wait for the new agent: heard after `since`, its rejoin line stored (turn `turns`) and said.
    Returns when it was first heard."""
    heard_at = await wait_until(lambda: trainee.first_audible_after(since), 30, "the persona to come back")
    await wait_until(_turns_at_least(engine, sid, turns), 15, "the rejoin line")
    await wait_until(lambda: trainee.quiet_since(1.0), 20, "the rejoin line to finish")
    return heard_at


async def _end_and_keep(trainee: Trainee, engine, sid: int) -> PracticeSession:
    """Press End; the session once its call is over and its recording kept (before the workers stop)."""
    assert await trainee.end_call() == "ok"

    def recorded() -> PracticeSession | None:
        return s if (s := _session(engine, sid)).status not in OPEN and s.audio_file else None

    return await wait_until(recorded, 60, "the call's end and its recording")


def _heard(pcm, rate: int, turn: Turn, offset: float) -> bool:
    """The turn is loud on its speaker's channel of the recording (trainee left, persona right), not the other."""
    channel = 0 if turn.speaker == Speaker.trainee else 1
    at = (turn.start - offset, turn.end - offset)
    return rms(pcm, rate, channel, *at) > 5 * max(rms(pcm, rate, 1 - channel, *at), 1e-4)


async def _say_and_hear(trainee: Trainee, engine, sid: int, line: str, turns: int, what: str) -> None:
    """The trainee says `line`; the persona's reply is stored (the call has `turns` turns) and heard."""
    spoke_until = await trainee.say(spoken(line))
    await wait_until(_turns_at_least(engine, sid, turns), 30, what)
    await wait_until(lambda: trainee.first_audible_after(spoke_until), 10, f"{what}: its audio")


def _start(db_url: str, livekit, login: str) -> tuple[PracticeSession, str]:
    return direct_call(db_url, livekit, make_user(db_url, login), PERSONA, REJOIN_AGENT)


async def test_killed_worker_the_persona_comes_back_and_the_call_goes_on(
    livekit, api_base, db_url: str, run_dir: Path, standin: ProviderStandin, record_property
):
    standin.script.transcripts = [FIRST_LINE, SECOND_LINE]
    standin.script.replies = [FIRST_REPLY, SECOND_REPLY]
    engine = make_engine(db_url)
    opening = get_persona(PERSONA).phases.opening.lines[0]
    workers = await asyncio.to_thread(_workers, ["agent-rejoin-a", "agent-rejoin-b"], db_url, livekit, run_dir, standin)
    user, headers = api_headers(db_url, "rejoin-e2e")
    ps, token = direct_call(db_url, livekit, user, PERSONA, REJOIN_AGENT)
    trainee = Trainee(livekit.url, token)
    await trainee.join()
    try:
        await wait_until(_turns_at_least(engine, ps.id, 1), 30, "the persona's greeting")
        await _say_and_hear(trainee, engine, ps.id, FIRST_LINE, 3, "the first reply")
        await wait_until(lambda: trainee.quiet_since(1.0), 20, "the persona to finish speaking")

        serving = await _serving_worker(livekit, ps.room_name, workers)
        killed_at = time.monotonic()
        await asyncio.to_thread(_kill, serving)

        # The persona is heard again (another worker's agent), apologising for the dropped line.
        heard_at = await _persona_back(trainee, engine, ps.id, killed_at, 4)

        # The conversation goes on: the next line is answered in the same conversation.
        await _say_and_hear(trainee, engine, ps.id, SECOND_LINE, 6, "the reply after the rejoin")
        ended = await _end_and_keep(trainee, engine, ps.id)
    finally:
        await trainee.leave()
        for w in workers:
            await asyncio.to_thread(w.stop)

    assert (ended.status, ended.end_reason) == (SessionStatus.completed, EndReason.trainee_ended)
    turns = _turns(engine, ps.id)
    assert [(t.seq, t.speaker, t.text) for t in turns] == [
        (1, Speaker.persona, opening),
        (2, Speaker.trainee, FIRST_LINE),
        (3, Speaker.persona, FIRST_REPLY),
        (4, Speaker.persona, REJOIN_LINES["en"]),
        (5, Speaker.trainee, SECOND_LINE),
        (6, Speaker.persona, SECOND_REPLY),
    ]
    assert turns[3].start > turns[2].end  # one call clock: the new agent's turns come after the old ones
    # The new agent's LLM was given the conversation so far (the turns before the drop).
    last_chat = json.dumps(standin.entries("chat")[-1].detail["messages"])
    assert FIRST_LINE in last_chat and FIRST_REPLY in last_chat

    # The recording survived the kill: the killed agent's part (written into RECORDINGS_DIR as the
    # call ran) and the new agent's are one file on the call's clock, served to the trainee.
    req = urllib.request.Request(f"{api_base}/api/sessions/{ps.id}/audio", headers=headers)
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.headers["Content-Type"] == "audio/ogg"
        channels, rate, pcm = read_stereo_ogg(r.read())
    assert channels == 2 and pcm.shape[1] / rate >= turns[-1].end - ended.audio_offset - 0.5

    def heard(turn: Turn) -> bool:
        return _heard(pcm, rate, turn, ended.audio_offset)

    assert heard(turns[1]), "the trainee's line before the kill is not in the recording"
    assert heard(turns[3]) and heard(turns[4]), "the new agent's part is not where its turns are"
    measured = {"kill_to_persona_heard_s": round(heard_at - killed_at, 3), "reply_before_kill_kept": heard(turns[2])}
    record_property("rejoin", measured)
    print(f"\nREJOIN MEASUREMENTS {json.dumps(measured)}")


async def test_stopping_worker_hands_its_call_over(livekit, db_url: str, run_dir: Path, standin: ProviderStandin):
    """SIGTERM (a deploy): the worker takes no new calls, lets the call run until its drain timeout,
    then the call is handed to the other worker and goes on."""
    standin.script.transcripts = [FIRST_LINE, SECOND_LINE]
    standin.script.replies = [FIRST_REPLY, SECOND_REPLY]
    engine = make_engine(db_url)
    workers = await asyncio.to_thread(
        _workers,
        ["agent-rejoin-drain-a", "agent-rejoin-drain-b"],
        db_url,
        livekit,
        run_dir,
        standin,
        AGENT_DRAIN_TIMEOUT_SECONDS="3",
    )
    ps, token = _start(db_url, livekit, "rejoin-drain")
    trainee = Trainee(livekit.url, token)
    await trainee.join()
    try:
        await wait_until(_turns_at_least(engine, ps.id, 1), 30, "the persona's greeting")
        await wait_until(lambda: trainee.quiet_since(1.0), 20, "the greeting to finish")
        serving = await _serving_worker(livekit, ps.room_name, workers)
        stopped_at = time.monotonic()
        serving.popen.send_signal(signal.SIGTERM)
        await asyncio.to_thread(serving.popen.wait, 60)  # it stops after the drain timeout
        await _persona_back(trainee, engine, ps.id, stopped_at, 2)
        await _say_and_hear(trainee, engine, ps.id, FIRST_LINE, 4, "the reply after the hand-over")
        ended = await _end_and_keep(trainee, engine, ps.id)
    finally:
        await trainee.leave()
        for w in workers:
            await asyncio.to_thread(w.stop)
    assert (ended.status, ended.end_reason) == (SessionStatus.completed, EndReason.trainee_ended)
    opening = get_persona(PERSONA).phases.opening.lines[0]
    turns = _turns(engine, ps.id)
    assert [(t.seq, t.speaker, t.text) for t in turns] == [
        (1, Speaker.persona, opening),
        (2, Speaker.persona, REJOIN_LINES["en"]),
        (3, Speaker.trainee, FIRST_LINE),
        (4, Speaker.persona, FIRST_REPLY),
    ]
    # Both agents' parts are in the one recording: the opening (the stopped agent) and the rest.
    _, rate, pcm = read_stereo_ogg(recording_path(get_settings(), ended).read_bytes())
    for turn in (turns[0], turns[1], turns[3]):
        assert _heard(pcm, rate, turn, ended.audio_offset), turn.text


async def test_no_agent_back_in_time_closes_the_call_as_agent_lost(
    livekit, agent_worker, db_url: str, run_dir: Path, standin: ProviderStandin
):
    """The only worker of the call's agent is killed: nothing can bring the persona back. Another
    worker on the same server (the suite's, a different agent) closes the call after
    AGENT_REJOIN_TIMEOUT_SECONDS as failed / agent_lost, and the trainee is told (the room closes)."""
    engine = make_engine(db_url)
    (worker,) = await asyncio.to_thread(_workers, ["agent-rejoin-only"], db_url, livekit, run_dir, standin)
    ps, token = _start(db_url, livekit, "rejoin-give-up")
    trainee = Trainee(livekit.url, token)
    disconnected = asyncio.Event()
    trainee.room.on("disconnected", lambda *_: disconnected.set())
    await trainee.join()
    try:
        await wait_until(_turns_at_least(engine, ps.id, 1), 30, "the persona's greeting")
        await asyncio.to_thread(_kill, worker)
        await asyncio.wait_for(disconnected.wait(), 60)  # the call is closed, and its room with it
    finally:
        await trainee.leave()
        await asyncio.to_thread(worker.stop)
    ended = _session(engine, ps.id)
    assert (ended.status, ended.end_reason) == (SessionStatus.failed, EndReason.agent_lost)
    assert [t.seq for t in _turns(engine, ps.id)] == [1]
    assert "no agent came back within" in agent_worker.log_text()
