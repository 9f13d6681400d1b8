"""Practice sessions: start one, hand out its join credentials, read it back (no Reflex import).

Used by `POST /api/sessions`, the Reflex Start button and the call page. The agent writes
turns and status; this module only creates sessions and reads them.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from coach_app.calls.providers import resolve_providers
from coach_app.calls.rooms import mint_trainee_token, new_room_name, room_name_for
from coach_app.models import OPEN_STATUSES, EndReason, PracticeSession, SessionStatus, Turn, User, utcnow
from coach_app.programmes.scenarios import find_persona
from coach_app.settings import Settings, get_settings


class UnknownPersona(LookupError):
    def __init__(self, persona_id: str):
        self.persona_id = persona_id
        super().__init__(f"no persona with id '{persona_id}' (unknown, archived or not yours)")


class SessionNotJoinable(RuntimeError):
    """The session has ended; a new one must be started."""


class TooManyStarts(RuntimeError):
    """The user started SESSION_STARTS_PER_HOUR sessions within the last hour."""


logger = logging.getLogger("coach.sessions")


def configured_providers(settings: Settings, language: str) -> dict[str, Any]:
    """Which providers and models a call in `language` is planned with (never a key).

    Recorded on the session at start; the agent overwrites it with what it actually built.
    """
    return resolve_providers(settings, language=language).record()


def start_session(db: Session, user: User, persona_id: str) -> PracticeSession:
    """Create a session for `user` with a frozen copy of the persona and its rubric.

    Later edits to the scenario never change this session (its prompt or its scores).
    Raises UnknownPersona when the id is not in the user's catalogue (`programmes.scenarios`).
    """
    persona = find_persona(db, persona_id, user)
    if persona is None:
        raise UnknownPersona(persona_id)
    ps = PracticeSession(
        user_id=user.id,
        persona_id=persona.id,
        persona_snapshot=persona.model_dump(mode="json"),
        rubric=persona.rubric(),
        mode=persona.mode,
        status=SessionStatus.created,
        providers=configured_providers(get_settings(), persona.language),
    )
    db.add(ps)
    db.flush()  # assigns the id the room name is built from
    ps.room_name = new_room_name(ps.id)
    db.add(ps)
    db.commit()
    db.refresh(ps)
    return ps


def begin_session(db: Session, user: User, persona_id: str) -> tuple[PracticeSession, bool]:
    """What Start does (page button and `POST /api/sessions`): (session, resumed).

    A user has at most one open (created or live) session, so one person cannot hold many agent
    slots. Starting the scenario of the open session again resumes it (a reload or a second tab
    must not lose the call); starting another scenario closes the open one (abandoned,
    `replaced_by_new_session`; its room is deleted, so its agent leaves) and starts the new one.
    New sessions are limited to SESSION_STARTS_PER_HOUR per user; resuming does not count.
    Raises UnknownPersona or TooManyStarts (nothing is changed then).
    """
    persona = find_persona(db, persona_id, user)
    if persona is None:
        raise UnknownPersona(persona_id)
    open_sessions = list(
        db.exec(
            select(PracticeSession)
            .where(PracticeSession.user_id == user.id, PracticeSession.status.in_(OPEN_STATUSES))
            .order_by(PracticeSession.id.desc())
        ).all()
    )
    keep = next((ps for ps in open_sessions if ps.persona_id == persona.id), None)
    if keep is None:
        limit = get_settings().session_starts_per_hour
        started = db.exec(
            select(func.count())
            .select_from(PracticeSession)
            .where(PracticeSession.user_id == user.id, PracticeSession.created_at >= utcnow() - timedelta(hours=1))
        ).one()
        if started >= limit:
            raise TooManyStarts(
                f"You have started {started} practice sessions in the last hour, the limit is {limit}. Try again later."
            )
    _close(db, [ps for ps in open_sessions if ps is not keep])
    if keep is not None:
        return keep, True
    new = start_session(db, user, persona.id)
    # Two Starts at the same moment: the newest session wins, so at most one stays open.
    _close(
        db,
        list(
            db.exec(
                select(PracticeSession).where(
                    PracticeSession.user_id == user.id,
                    PracticeSession.status.in_(OPEN_STATUSES),
                    PracticeSession.id < new.id,
                )
            ).all()
        ),
    )
    return new, False


def _close(db: Session, replaced: list[PracticeSession]) -> None:
    if not replaced:
        return
    now = utcnow()
    for ps in replaced:
        ps.status = SessionStatus.abandoned
        ps.end_reason = EndReason.replaced
        ps.ended_at = now
        db.add(ps)
    db.commit()
    rooms = [ps.room_name for ps in replaced if ps.room_name]
    logger.info("closed open session(s) %s: their user started another", ", ".join(str(ps.id) for ps in replaced))
    if rooms:
        threading.Thread(target=_delete_rooms, args=(rooms,), name="coach-delete-rooms", daemon=True).start()


def _delete_rooms(names: list[str]) -> None:
    """Delete replaced sessions' rooms (best effort): the trainee and the agent are disconnected and
    the agent's job ends, freeing its slot. A room that does not exist is fine."""
    import asyncio

    from livekit import api

    async def run() -> None:
        s = get_settings()
        lk = api.LiveKitAPI(s.lk_url, s.lk_api_key, s.lk_api_secret)
        try:
            for name in names:
                try:
                    await lk.room.delete_room(api.DeleteRoomRequest(room=name))
                except Exception as exc:  # noqa: BLE001 - a missing room or a LiveKit hiccup changes nothing here
                    logger.info("could not delete room %s: %s", name, type(exc).__name__)
        finally:
            await lk.aclose()

    asyncio.run(run())


def join_info(practice_session: PracticeSession, user: User) -> dict[str, Any]:
    """What a client needs to join the call: the room, the LiveKit URL and a fresh token.

    A token can be minted again for the same session (a page reload) while it is not over.
    """
    if practice_session.status not in OPEN_STATUSES:
        raise SessionNotJoinable(
            f"session {practice_session.id} has ended ({practice_session.status.value}); start a new one"
        )
    return {
        "session_id": practice_session.id,
        "room": room_name_for(practice_session),
        "livekit_url": get_settings().lk_url,
        "token": mint_trainee_token(practice_session, user),
    }


def get_session(db: Session, session_id: int) -> PracticeSession | None:
    return db.get(PracticeSession, session_id)


def list_turns(db: Session, session_id: int) -> list[Turn]:
    return list(db.exec(select(Turn).where(Turn.session_id == session_id).order_by(Turn.seq)).all())


def _iso(dt) -> str | None:
    return dt.isoformat() if dt is not None else None


def session_summary(ps: PracticeSession, for_manager: bool = False) -> dict[str, Any]:
    """The view of a session for someone who may see it (no snapshot internals beyond name and
    scenario). The rubric's `evidence` hints (the scenario brief hides them from the trainee on
    purpose) and the provider `error` text are for managers and admins (`for_manager`)."""
    snap = ps.persona_snapshot or {}
    rubric = [dict(o) for o in (ps.rubric or [])]
    if not for_manager:
        for o in rubric:
            o.pop("evidence", None)
    return {
        "session_id": ps.id,
        "user_id": ps.user_id,
        "persona_id": ps.persona_id,
        "persona_name": snap.get("name"),
        "scenario": (snap.get("scenario") or {}).get("name"),
        "language": snap.get("language"),
        "time_limit_minutes": snap.get("time_limit_minutes"),
        "room": ps.room_name,
        "status": ps.status.value,
        "end_reason": ps.end_reason,
        "mode": ps.mode,  # practice | assessment
        "help": ps.help_events,  # hints and repeats used in the call
        "error": ps.error if for_manager else None,
        "created_at": _iso(ps.created_at),
        "started_at": _iso(ps.started_at),
        "ended_at": _iso(ps.ended_at),
        "usage": {
            "stt_audio_seconds": ps.stt_audio_seconds,
            "llm_prompt_tokens": ps.llm_prompt_tokens,
            "llm_completion_tokens": ps.llm_completion_tokens,
            "tts_characters": ps.tts_characters,
        },
        "providers": ps.providers,
        "rubric": rubric,
    }


def turn_dict(t: Turn) -> dict[str, Any]:
    return {
        "seq": t.seq,
        "speaker": t.speaker.value,
        "text": t.text,
        "start": t.start,
        "end": t.end,
        "interrupted": t.interrupted,
        # the customer's state after this turn (agent/mood.py): levels, phase, the cue it hit
        "mood": t.mood,
        "metrics": {
            "end_of_turn_delay": t.end_of_turn_delay,
            "transcription_delay": t.transcription_delay,
            "llm_ttft": t.llm_ttft,
            "tts_ttfb": t.tts_ttfb,
            "e2e_latency": t.e2e_latency,
        },
    }
