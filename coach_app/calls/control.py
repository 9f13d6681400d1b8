"""Server-side steps of the call page: who may join, fresh join credentials, retry and end.

No Reflex here (plain functions the call page's state calls). The agent stays the source of truth
for a live session's status and turns; this module only touches a session the agent has not
taken over, or one whose agent is gone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from livekit import api
from sqlmodel import select

from coach_app.auth.access import is_owner
from coach_app.calls import start
from coach_app.clock import utc
from coach_app.db import session_scope
from coach_app.models import OPEN_STATUSES, EndReason, PracticeSession, SessionStatus, Turn, User, utcnow
from coach_app.personas.schema import Persona
from coach_app.settings import Settings, get_settings

logger = logging.getLogger("coach.call")


@dataclass
class CallAccess:
    """What the call page may show for one session and user."""

    ok: bool
    message: str = ""
    session: PracticeSession | None = None
    ended: bool = False  # the session exists, is the user's, and is over


def check_call_access(user: User | None, session_id: int | None) -> CallAccess:
    """Only the logged-in owner of a `created` or `live` session may join its call."""
    if user is None:
        return CallAccess(False, "Log in to join this call.")
    if session_id is None:
        return CallAccess(False, "There is no call at this address: the session id must be a number.")
    with session_scope() as db:
        ps = start.get_session(db, session_id)
    if ps is None or not is_owner(user, ps):
        # The same answer for "missing" and "someone else's": session ids of other people stay private.
        return CallAccess(False, not_joinable_message(session_id))
    if ps.status not in OPEN_STATUSES:
        return CallAccess(
            False,
            f"This call has already ended ({ps.status.value}). Start a new one from the scenario page.",
            session=ps,
            ended=True,
        )
    return CallAccess(True, session=ps)


def not_joinable_message(session_id: int) -> str:
    return f"There is no call {session_id} that you can join: a call belongs to the trainee who started it."


def join_credentials(ps: PracticeSession, user: User) -> dict[str, Any]:
    """A freshly minted, short-lived token for the trainee (minted here, on the server)."""
    return start.join_info(ps, user)


def _lk_api() -> api.LiveKitAPI:
    s = get_settings()
    return api.LiveKitAPI(s.lk_url, s.lk_api_key, s.lk_api_secret)


async def reset_room_without_agent(room_name: str) -> bool:
    """Delete the session's room when no agent is in it, so the next join creates it again
    (and with it the agent dispatch carried by the token). Returns True when a room was deleted.

    LiveKit dispatches a room's agents when the room is created; rejoining a room whose agent
    never arrived would wait for nothing.
    """
    lk = _lk_api()
    try:
        rooms = await lk.room.list_rooms(api.ListRoomsRequest(names=[room_name]))
        if not rooms.rooms:
            return False
        people = await lk.room.list_participants(api.ListParticipantsRequest(room=room_name))
        if any(p.kind == api.ParticipantInfo.Kind.AGENT for p in people.participants):
            return False
        await lk.room.delete_room(api.DeleteRoomRequest(room=room_name))
        logger.info("deleted room %s (no agent had joined) before a retry", room_name)
        return True
    finally:
        await lk.aclose()


def record_trainee_end(session_id: int, agent_acknowledged: bool) -> SessionStatus | None:
    """The trainee pressed End call. Returns the session's status afterwards.

    - `created` (the persona never joined): nothing was said; the session is `abandoned`.
    - `live` and the agent acknowledged the end-call RPC: the agent closes it (completed) and
      starts the evaluation; nothing to do here.
    - `live` but the agent did not answer (gone or crashed): close it as `completed`, ended by
      the trainee, so it does not stay live forever.
    """
    with session_scope() as db:
        ps = db.get(PracticeSession, session_id)
        if ps is None:
            return None
        if ps.status == SessionStatus.created:
            ps.status = SessionStatus.abandoned
            ps.end_reason = EndReason.ended_before_agent_joined
            ps.ended_at = utcnow()
            db.add(ps)
        elif ps.status == SessionStatus.live and not agent_acknowledged:
            ps.status = SessionStatus.completed
            ps.end_reason = EndReason.trainee_ended_agent_unreachable
            ps.ended_at = utcnow()
            db.add(ps)
        return ps.status


def session_status(session_id: int) -> SessionStatus | None:
    with session_scope() as db:
        ps = db.get(PracticeSession, session_id)
        return ps.status if ps else None


def stored_lines(session_id: int) -> list[tuple[int, str, str]]:
    """The call's turns so far as (seq, speaker, text), for a page that comes back to its call."""
    with session_scope() as db:
        turns = db.exec(select(Turn).where(Turn.session_id == session_id).order_by(Turn.seq)).all()
        return [(t.seq, t.speaker.value, t.text) for t in turns]


def call_elapsed_seconds(session_id: int) -> float | None:
    """How long the live call has been going (since its agent went live, the clock its time limit
    runs on, kept by an agent that rejoins); None before it is live and once it is over."""
    with session_scope() as db:
        ps = db.get(PracticeSession, session_id)
        if ps is None or ps.status != SessionStatus.live or ps.started_at is None:
            return None
        return max(0.0, (utcnow() - utc(ps.started_at)).total_seconds())


def session_providers(session_id: int) -> dict[str, Any]:
    """The providers recorded on the session (the agent rewrites them with what it really uses)."""
    with session_scope() as db:
        ps = db.get(PracticeSession, session_id)
        return dict(ps.providers or {}) if ps else {}


def time_limit_seconds(persona: Persona | Mapping[str, Any], settings: Settings | None = None) -> int:
    """The call's time limit: the persona's `time_limit_minutes`, capped by CALL_MAX_SECONDS.

    The one rule for both sides: the agent ends the call at it, the call page counts down to it.
    `persona` is a Persona or a session's frozen snapshot (a dict).
    """
    minutes = persona.time_limit_minutes if isinstance(persona, Persona) else persona.get("time_limit_minutes")
    limit = int(float(minutes or 0) * 60)
    cap = (settings or get_settings()).call_max_seconds
    return min(limit, cap) if cap and limit else (limit or cap or 0)
