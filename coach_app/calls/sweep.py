"""Close calls whose agent vanished (worker killed or crashed) instead of leaving them `live`.

A `live` session's room exists while its persona is in it. When the room has been gone on two
sweeps in a row (so a call that is ending normally has had time to record its own outcome), the
session is closed as `failed` with end reason `agent_lost`. A `created` session nobody ever joined
(no room, and older than the trainee's token plus the room's empty timeout, so its page cannot still
be joining) is closed as `abandoned` / `never_started`. Agent workers run this with their
heartbeat, and each pass also deletes recordings older than RECORDINGS_RETENTION_DAYS
(`recordings.sweep_expired`) and keeps the recorded parts of calls whose agent was lost
(`recordings.keep_leftover_parts`). No Reflex import: the agent uses it.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from livekit import api
from sqlmodel import select

from coach_app.calls.recordings import keep_leftover_parts, sweep_expired
from coach_app.calls.rooms import ROOM_EMPTY_TIMEOUT_S
from coach_app.db import session_scope
from coach_app.models import EndReason, PracticeSession, SessionStatus, utcnow
from coach_app.settings import get_settings

logger = logging.getLogger("coach.sweep")

AGENT_LOST_ERROR = "The persona's agent stopped unexpectedly and the call was closed."


class OrphanSweeper:
    def __init__(self) -> None:
        self._suspects: set[int] = set()

    async def sweep(self, lk: api.LiveKitAPI) -> list[int]:
        """One pass; returns the ids of the sessions it closed."""
        rooms = {r.name for r in (await lk.room.list_rooms(api.ListRoomsRequest())).rooms}
        closed: list[int] = []
        with session_scope() as db:
            live = db.exec(select(PracticeSession).where(PracticeSession.status == SessionStatus.live)).all()
            roomless = {ps.id for ps in live if ps.room_name not in rooms}
            for ps in live:
                if ps.id in roomless and ps.id in self._suspects:
                    ps.status, ps.end_reason, ps.ended_at = SessionStatus.failed, EndReason.agent_lost, utcnow()
                    ps.error = ps.error or AGENT_LOST_ERROR
                    db.add(ps)
                    closed.append(ps.id)
        self._suspects = roomless - set(closed)
        for sid in closed:
            logger.warning(
                "session %s was still live but its room is gone: closed as failed (%s)", sid, EndReason.agent_lost
            )
        unused = _close_unused(rooms)
        if unused:
            logger.info("closed %d session(s) nobody joined as abandoned (%s)", len(unused), EndReason.never_started)
        with session_scope() as db:
            sweep_expired(db, get_settings())
        await asyncio.to_thread(_keep_leftovers)  # joining parts decodes audio: not on the loop
        return closed + unused


def _close_unused(rooms: set[str]) -> list[int]:
    stale_before = utcnow() - timedelta(seconds=get_settings().livekit_token_ttl_seconds + ROOM_EMPTY_TIMEOUT_S)
    closed: list[int] = []
    with session_scope() as db:
        waiting = db.exec(
            select(PracticeSession).where(
                PracticeSession.status == SessionStatus.created, PracticeSession.created_at < stale_before
            )
        ).all()
        for ps in waiting:
            if ps.room_name not in rooms:
                ps.status, ps.end_reason, ps.ended_at = SessionStatus.abandoned, EndReason.never_started, utcnow()
                db.add(ps)
                closed.append(ps.id)
    return closed


def _keep_leftovers() -> None:
    with session_scope() as db:
        keep_leftover_parts(db, get_settings())
