"""A trainee who joins before any agent worker is up still gets the persona once one registers.

Real livekit-server, a Python trainee with the token the app mints, and a real agent worker that
is started only after the trainee has joined (as when Start is pressed while `make dev` is still
starting, or during a worker restart). LiveKit itself never retries such a dispatch.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from livekit import api, rtc
from sqlmodel import Session

from coach_app.calls.dispatch import _ghost_agents, _undelivered
from coach_app.calls.rooms import mint_trainee_token
from coach_app.calls.start import start_session
from coach_app.db import make_engine, session_scope
from coach_app.models import PracticeSession, SessionStatus, WorkerHeartbeat, utcnow
from coach_app.settings import Settings
from tests.conftest import service_env, start_agent_worker
from tests.support.auth import make_user

LATE_AGENT = "coach-persona-late"


def _is_agent(p: rtc.RemoteParticipant) -> bool:
    return p.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT


async def test_worker_started_after_the_trainee_joined_takes_the_call(livekit, db_url, run_dir, standin):
    standin.reset()
    user = make_user(db_url, "late-worker")
    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as db:
        ps = start_session(db, user, "billing-dispute-gold")
    settings = Settings(
        livekit_url=livekit.url,
        livekit_api_key=livekit.api_key,
        livekit_api_secret=livekit.api_secret,
        agent_name=LATE_AGENT,
    )
    room = rtc.Room()
    joined = asyncio.Event()
    room.on("participant_connected", lambda p: joined.set() if _is_agent(p) else None)
    await room.connect(livekit.url, mint_trainee_token(ps, user, settings))
    worker = None
    try:
        # No worker of this name exists: LiveKit drops the token's dispatch.
        await asyncio.sleep(4)
        assert not any(_is_agent(p) for p in room.remote_participants.values())
        async with api.LiveKitAPI(livekit.http_url, livekit.api_key, livekit.api_secret) as lk:
            dispatches = list(await lk.agent_dispatch.list_dispatch(room.name))
        assert dispatches and not any(d.state.jobs for d in dispatches), dispatches

        env = service_env(db_url, livekit, AGENT_NAME=LATE_AGENT, **standin.env())
        worker = await asyncio.to_thread(start_agent_worker, "agent-late", env, run_dir)
        await asyncio.wait_for(joined.wait(), timeout=45)
        agents = [p for p in room.remote_participants.values() if _is_agent(p)]
        assert len(agents) == 1, agents
        # The persona really runs the call: the session goes live with its greeting recorded.
        for _ in range(100):
            with Session(engine) as db:
                if db.get(PracticeSession, ps.id).status == SessionStatus.live:
                    break
            await asyncio.sleep(0.3)
        with Session(engine) as db:
            assert db.get(PracticeSession, ps.id).status == SessionStatus.live
        assert "dispatched coach-persona-late again" in worker.log_text()
    finally:
        await room.disconnect()
        if worker is not None:
            await asyncio.to_thread(worker.stop)


def test_a_dispatch_with_a_job_or_a_new_one_is_left_alone():
    now = 100 * 10**9

    def dispatch(created_s: float, jobs: int = 0) -> api.AgentDispatch:
        d = api.AgentDispatch(agent_name="coach-persona", room="r")
        d.state.created_at = int(created_s * 1e9)
        for _ in range(jobs):
            d.state.jobs.add()
        return d

    assert _undelivered([dispatch(10)], "coach-persona", now)
    assert not _undelivered([], "coach-persona", now)
    assert not _undelivered([dispatch(10, jobs=1)], "coach-persona", now)
    assert not _undelivered([dispatch(99)], "coach-persona", now)  # may still be on its way
    assert not _undelivered([dispatch(10), dispatch(20, jobs=1)], "coach-persona", now)
    assert not _undelivered([dispatch(10, jobs=1)], "another-agent", now)  # another agent's room


def test_a_keeper_never_takes_its_own_workers_agents_for_ghosts(fresh_db):
    """Both heartbeats are stale (an overloaded machine delayed the writes): the other worker's
    agent is a ghost, but the keeper's own worker is evidently alive, so its agent stays."""
    with session_scope() as db:
        for worker in ("AW_self", "AW_other"):
            db.add(
                WorkerHeartbeat(worker_id=worker, agent_name="coach-persona", last_seen=utcnow() - timedelta(minutes=1))
            )
    dispatch = api.AgentDispatch(agent_name="coach-persona", room="r")
    for identity, worker in (("agent-a", "AW_self"), ("agent-b", "AW_other")):
        job = dispatch.state.jobs.add()
        job.state.participant_identity, job.state.worker_id = identity, worker
    agents = {"agent-a", "agent-b"}
    assert _ghost_agents([dispatch], agents, own_worker="AW_self") == {"agent-b"}
    assert _ghost_agents([dispatch], agents) == agents
