"""Keep an agent in every open call: dispatch one again when a trainee waits in a room without one.

Two ways a trainee ends up alone in the room:
- the dispatch never reached a worker: the trainee joined while no worker of that name was
  registered (`make dev` still starting, every worker restarting); LiveKit logs "not dispatching
  agent job since no worker is available" and never tries again;
- the persona was lost mid-call: its worker was killed or crashed (or the persona left), so the
  session is still `live` but no agent participant is in the room any more.

Every agent worker runs `AgentKeeper.check` in a short loop (`WATCH_SECONDS`). For each open session
whose room holds its trainee but no agent, and where none of our dispatches may still bring one
(one created or started in the last `DISPATCH_GRACE_S`), it creates a new dispatch through
LiveKit's AgentDispatchService; LiveKit gives it to any available worker, whose agent resumes the
call (agent.session_runner). A `live` session that has had no agent for
AGENT_REJOIN_TIMEOUT_SECONDS is closed as `failed` / `agent_lost` (the call page says so).
No Reflex import: the agent uses it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from livekit import api
from sqlmodel import select

from coach_app.calls.rooms import dispatch_metadata
from coach_app.db import session_scope
from coach_app.models import OPEN_STATUSES, EndReason, PracticeSession, SessionStatus, WorkerHeartbeat, utcnow
from coach_app.settings import get_settings

logger = logging.getLogger("coach.dispatch")

# A dispatch (or a job) younger than this may still be on its way to a worker: leave it alone.
DISPATCH_GRACE_S = 3.0
# How often every worker beats (agent/worker.py) and looks for calls without their agent.
WATCH_SECONDS = 1.0
# A worker that has not beaten for this long is dead (killed, crashed): its agents are ghosts.
# LiveKit itself keeps a killed agent's participant in the room for about 20 s more. Shorter
# thresholds (4 s) removed live agents of workers that were merely slow on a loaded machine.
WORKER_LOST_AFTER = timedelta(seconds=6 * WATCH_SECONDS)

AGENT_LOST_ERROR = "The persona's agent was lost mid-call and could not be reconnected in time."

_SETTLING = (api.JobStatus.JS_PENDING, api.JobStatus.JS_RUNNING)


def _undelivered(dispatches: list[api.AgentDispatch], agent_name: str, now_ns: int) -> bool:
    """True when none of our agent's dispatches in the room ever got a job (and none is brand new)."""
    ours = [d for d in dispatches if d.agent_name == agent_name]
    if not ours or any(d.state.jobs for d in ours):
        return False  # a room for another agent (or none) is not ours to serve
    return all(now_ns - d.state.created_at > DISPATCH_GRACE_S * 1e9 for d in ours)


def _may_still_arrive(dispatches: list[api.AgentDispatch], agent_name: str, now_ns: int) -> bool:
    """True when one of our dispatches is brand new, or has a job that is pending or just started
    (its agent may not have joined the room yet)."""
    grace = DISPATCH_GRACE_S * 1e9
    for d in dispatches:
        if d.agent_name != agent_name:
            continue
        if now_ns - d.state.created_at < grace:
            return True
        for job in d.state.jobs:
            st = job.state
            if st.status in _SETTLING and now_ns - max(st.started_at, st.updated_at) < grace:
                return True
    return False


def _ghost_agents(dispatches: list[api.AgentDispatch], agents: set[str], own_worker: str | None = None) -> set[str]:
    """The agents in the room whose worker has stopped beating (its heartbeat is stale). The
    keeper's own worker is alive whatever its heartbeat row says (a write delayed on an overloaded
    machine must not make it remove its own live agents)."""
    worker_of = {
        job.state.participant_identity: job.state.worker_id
        for d in dispatches
        for job in d.state.jobs
        if job.state.participant_identity in agents and job.state.worker_id and job.state.worker_id != own_worker
    }
    if not worker_of:
        return set()
    with session_scope() as db:
        stale = set(
            db.exec(
                select(WorkerHeartbeat.worker_id).where(
                    WorkerHeartbeat.worker_id.in_(set(worker_of.values())),
                    WorkerHeartbeat.last_seen < utcnow() - WORKER_LOST_AFTER,
                )
            ).all()
        )
    return {identity for identity, worker in worker_of.items() if worker in stale}


@dataclass
class _Call:
    session_id: int
    room: str
    status: SessionStatus
    metadata: str


class AgentKeeper:
    """Re-dispatches agents to trainees left alone, and gives up on a lost persona in time."""

    def __init__(self, agent_name: str, rejoin_timeout_s: float | None = None, worker_id: str | None = None) -> None:
        self.agent_name = agent_name
        self.worker_id = worker_id  # the worker this keeper runs in (never a ghost to itself)
        self.rejoin_timeout_s = (
            get_settings().agent_rejoin_timeout_seconds if rejoin_timeout_s is None else rejoin_timeout_s
        )
        self._alone_since: dict[int, float] = {}  # session id -> monotonic time its agent was first missed

    async def check(self, lk: api.LiveKitAPI) -> list[int]:
        """One pass; returns the ids of the sessions it dispatched an agent to again."""
        rooms = {r.name for r in (await lk.room.list_rooms(api.ListRoomsRequest())).rooms}
        with session_scope() as db:
            calls = [
                _Call(ps.id, ps.room_name, ps.status, dispatch_metadata(ps))
                for ps in db.exec(select(PracticeSession).where(PracticeSession.status.in_(OPEN_STATUSES))).all()
                if ps.room_name in rooms
            ]
        self._alone_since = {sid: t for sid, t in self._alone_since.items() if sid in {c.session_id for c in calls}}
        sent: list[int] = []
        for call in calls:
            if await self._check_call(lk, call):
                sent.append(call.session_id)
        return sent

    async def _check_call(self, lk: api.LiveKitAPI, call: _Call) -> bool:
        participants = (await lk.room.list_participants(api.ListParticipantsRequest(room=call.room))).participants
        agents = {p.identity for p in participants if p.kind == api.ParticipantInfo.Kind.AGENT}
        if not participants or len(agents) == len(participants):
            return False  # nobody waiting (the trainee left; their agent closes the call)
        dispatches = list(await lk.agent_dispatch.list_dispatch(call.room))
        if agents:
            ghosts = _ghost_agents(dispatches, agents, self.worker_id)
            for identity in ghosts:
                # Out of the room at once: the trainee's page and the next agent see it gone.
                await lk.room.remove_participant(api.RoomParticipantIdentity(room=call.room, identity=identity))
                logger.warning("session %s: the worker of agent %s stopped; removed it", call.session_id, identity)
            if agents - ghosts:
                self._alone_since.pop(call.session_id, None)
                return False
        now_ns = time.time_ns()
        if call.status == SessionStatus.created:
            # The persona never joined: only a dispatch that never reached a worker is sent again.
            if not _undelivered(dispatches, self.agent_name, now_ns):
                return False
            why = "its trainee was waiting with no agent"
        else:
            alone_since = self._alone_since.setdefault(call.session_id, time.monotonic())
            if time.monotonic() - alone_since >= self.rejoin_timeout_s:
                await self._give_up(lk, call)
                return False
            if not any(d.agent_name == self.agent_name for d in dispatches):
                return False  # another agent's call: its own workers bring it back (we only give up)
            if _may_still_arrive(dispatches, self.agent_name, now_ns):
                return False
            why = "its persona was lost mid-call"
        await self._dispatch(lk, call)
        logger.info("session %s: %s; dispatched %s again", call.session_id, why, self.agent_name)
        return True

    async def _dispatch(self, lk: api.LiveKitAPI, call: _Call) -> None:
        mine = await lk.agent_dispatch.create_dispatch(
            api.CreateAgentDispatchRequest(agent_name=self.agent_name, room=call.room, metadata=call.metadata)
        )
        # Several workers watch the same calls: when two sent a dispatch at once, the later one
        # is withdrawn (the earliest stays), so one agent comes back, not two.
        now_ns = time.time_ns()
        fresh = [
            d
            for d in await lk.agent_dispatch.list_dispatch(call.room)
            if d.agent_name == self.agent_name and now_ns - d.state.created_at < DISPATCH_GRACE_S * 1e9
        ]
        first = min(fresh, key=lambda d: (d.state.created_at, d.id), default=mine)
        if first.id != mine.id:
            await lk.agent_dispatch.delete_dispatch(mine.id, call.room)
            logger.info("session %s: another worker sent an agent at the same time; withdrew ours", call.session_id)

    async def _give_up(self, lk: api.LiveKitAPI, call: _Call) -> None:
        """Close the session as failed / agent_lost, then the room (the trainee's page is told)."""
        self._alone_since.pop(call.session_id, None)
        if not close_agent_lost(call.session_id):
            return
        logger.warning(
            "session %s: no agent came back within %ss; closed as failed (%s)",
            call.session_id,
            self.rejoin_timeout_s,
            EndReason.agent_lost,
        )
        await lk.room.delete_room(api.DeleteRoomRequest(room=call.room))


def ended_agent_lost(session_id: int) -> bool:
    """True when the session was closed because its persona could not be reconnected."""
    with session_scope() as db:
        ps = db.get(PracticeSession, session_id)
        return ps is not None and ps.status == SessionStatus.failed and ps.end_reason == EndReason.agent_lost


def close_agent_lost(session_id: int) -> bool:
    """Close a still-live session as failed / agent_lost; False when it had already closed."""
    with session_scope() as db:
        ps = db.get(PracticeSession, session_id)
        if ps is None or ps.status != SessionStatus.live:
            return False
        ps.status, ps.end_reason, ps.ended_at = SessionStatus.failed, EndReason.agent_lost, utcnow()
        ps.error = ps.error or AGENT_LOST_ERROR
        db.add(ps)
        return True
