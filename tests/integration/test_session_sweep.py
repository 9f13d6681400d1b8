"""A call whose agent vanished (worker killed) is closed as failed, not left live forever."""

from __future__ import annotations

from datetime import timedelta

from livekit import api
from sqlmodel import Session

from coach_app.calls.sweep import OrphanSweeper
from coach_app.db import make_engine
from coach_app.models import EndReason, PracticeSession, SessionStatus, utcnow


def _session(db: Session, room: str, status: SessionStatus) -> int:
    ps = PracticeSession(
        persona_id="billing-dispute-gold", room_name=room, status=status, started_at=utcnow() - timedelta(minutes=3)
    )
    db.add(ps)
    db.commit()
    return ps.id


async def test_live_session_without_room_is_closed_on_the_second_sweep(livekit, fresh_db):
    engine = make_engine(fresh_db)
    with Session(engine) as db:
        orphan = _session(db, "sweep-gone", SessionStatus.live)
        running = _session(db, "sweep-running", SessionStatus.live)
        done = _session(db, "sweep-done", SessionStatus.completed)
        waiting = _session(db, "sweep-waiting", SessionStatus.created)

    async with api.LiveKitAPI(livekit.http_url, livekit.api_key, livekit.api_secret) as lk:
        await lk.room.create_room(api.CreateRoomRequest(name="sweep-running", empty_timeout=60))
        sweeper = OrphanSweeper()
        assert await sweeper.sweep(lk) == []  # first sighting: a normal ending may still be recording
        with Session(engine) as db:
            assert db.get(PracticeSession, orphan).status == SessionStatus.live
        assert await sweeper.sweep(lk) == [orphan]
        await lk.room.delete_room(api.DeleteRoomRequest(room="sweep-running"))

    with Session(engine) as db:
        lost = db.get(PracticeSession, orphan)
        assert (lost.status, lost.end_reason) == (SessionStatus.failed, EndReason.agent_lost)
        assert lost.ended_at is not None and "stopped unexpectedly" in lost.error
        assert db.get(PracticeSession, running).status == SessionStatus.live
        assert db.get(PracticeSession, done).status == SessionStatus.completed
        assert db.get(PracticeSession, waiting).status == SessionStatus.created


async def test_a_session_that_ends_between_sweeps_keeps_its_own_outcome(livekit, fresh_db):
    engine = make_engine(fresh_db)
    with Session(engine) as db:
        sid = _session(db, "sweep-ending", SessionStatus.live)
    async with api.LiveKitAPI(livekit.http_url, livekit.api_key, livekit.api_secret) as lk:
        sweeper = OrphanSweeper()
        await sweeper.sweep(lk)
        with Session(engine) as db:  # the agent records its normal ending meanwhile
            ps = db.get(PracticeSession, sid)
            ps.status, ps.end_reason = SessionStatus.completed, "time_limit"
            db.add(ps)
            db.commit()
        assert await sweeper.sweep(lk) == []
    with Session(engine) as db:
        assert db.get(PracticeSession, sid).end_reason == "time_limit"


async def test_a_created_session_nobody_joined_is_closed_once_its_token_has_run_out(livekit, fresh_db):
    """The trainee pressed Start and closed the tab before joining (or no room ever opened): once
    nobody can still be joining with the page's token, the session is abandoned / never_started."""
    engine = make_engine(fresh_db)
    old = utcnow() - timedelta(hours=1)
    with Session(engine) as db:
        unused = PracticeSession(persona_id="billing-dispute-gold", room_name="sweep-unused", created_at=old)
        joining = PracticeSession(persona_id="billing-dispute-gold", room_name="sweep-joining")  # just started
        in_room = PracticeSession(persona_id="billing-dispute-gold", room_name="sweep-in-room", created_at=old)
        db.add_all([unused, joining, in_room])
        db.commit()
        ids = unused.id, joining.id, in_room.id
    async with api.LiveKitAPI(livekit.http_url, livekit.api_key, livekit.api_secret) as lk:
        await lk.room.create_room(api.CreateRoomRequest(name="sweep-in-room", empty_timeout=60))
        assert await OrphanSweeper().sweep(lk) == [ids[0]]
        await lk.room.delete_room(api.DeleteRoomRequest(room="sweep-in-room"))
    with Session(engine) as db:
        gone = db.get(PracticeSession, ids[0])
        assert (gone.status, gone.end_reason) == (SessionStatus.abandoned, EndReason.never_started)
        assert gone.ended_at is not None
        assert db.get(PracticeSession, ids[1]).status == SessionStatus.created
        assert db.get(PracticeSession, ids[2]).status == SessionStatus.created
