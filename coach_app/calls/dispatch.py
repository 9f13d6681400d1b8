"""Hand waiting trainees to a worker: an open call whose dispatch never reached one gets a new dispatch.

A trainee's token carries an explicit dispatch of our agent. When the trainee joins while no
worker of that name is registered (`make dev` still starting, every worker restarting), LiveKit
logs "not dispatching agent job since no worker is available" and never tries again: the trainee
would wait for nobody. Every agent worker runs this right after it registers and then with each
heartbeat: for each open session whose room holds a trainee but no agent, and whose dispatches
were never given a job, it creates the dispatch again through LiveKit's AgentDispatchService.
No Reflex import: the agent uses it.
"""

from __future__ import annotations

import logging
import time

from livekit import api
from sqlmodel import select

from coach_app.calls.rooms import dispatch_metadata
from coach_app.db import session_scope
from coach_app.models import OPEN_STATUSES, PracticeSession

logger = logging.getLogger("coach.dispatch")

# A dispatch younger than this may still be on its way to a worker: leave it alone.
DISPATCH_GRACE_S = 3.0


def _undelivered(dispatches: list[api.AgentDispatch], agent_name: str, now_ns: int) -> bool:
    """True when none of our agent's dispatches in the room ever got a job (and none is brand new)."""
    ours = [d for d in dispatches if d.agent_name == agent_name]
    if any(d.state.jobs for d in ours):
        return False
    return all(now_ns - d.state.created_at > DISPATCH_GRACE_S * 1e9 for d in ours)


async def redispatch_waiting(lk: api.LiveKitAPI, agent_name: str) -> list[int]:
    """One pass; returns the ids of the sessions it dispatched again."""
    rooms = {r.name for r in (await lk.room.list_rooms(api.ListRoomsRequest())).rooms}
    with session_scope() as db:
        open_calls = [
            (ps.id, ps.room_name, dispatch_metadata(ps))
            for ps in db.exec(select(PracticeSession).where(PracticeSession.status.in_(OPEN_STATUSES))).all()
            if ps.room_name in rooms
        ]
    sent: list[int] = []
    for session_id, room, metadata in open_calls:
        participants = (await lk.room.list_participants(api.ListParticipantsRequest(room=room))).participants
        agents = [p for p in participants if p.kind == api.ParticipantInfo.Kind.AGENT]
        if agents or not participants:
            continue
        if not _undelivered(list(await lk.agent_dispatch.list_dispatch(room)), agent_name, time.time_ns()):
            continue
        await lk.agent_dispatch.create_dispatch(
            api.CreateAgentDispatchRequest(agent_name=agent_name, room=room, metadata=metadata)
        )
        logger.info("session %s: its trainee was waiting with no agent; dispatched %s again", session_id, agent_name)
        sent.append(session_id)
    return sent
