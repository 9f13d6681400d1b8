"""Practice sessions: start one, hand out its join credentials, read it back (no Reflex import).

Used by `POST /api/sessions`, the Reflex Start button and the call page. The agent writes
turns and status; this module only creates sessions and reads them.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from coach_app.models import PracticeSession, SessionStatus, Turn, User
from coach_app.personas import get_persona
from coach_app.provider_choice import resolve_providers
from coach_app.rooms import mint_trainee_token, new_room_name, room_name_for
from coach_app.settings import Settings, get_settings


class UnknownPersona(LookupError):
    def __init__(self, persona_id: str):
        self.persona_id = persona_id
        super().__init__(f"no persona with id '{persona_id}' (unknown, or its file has errors)")


class SessionNotJoinable(RuntimeError):
    """The session has ended; a new one must be started."""


def configured_providers(settings: Settings, language: str) -> dict[str, Any]:
    """Which providers and models a call in `language` is planned with (never a key).

    Recorded on the session at start; the agent overwrites it with what it actually built.
    """
    return resolve_providers(settings, language=language).record()


def start_session(db: Session, user: User, persona_id: str) -> PracticeSession:
    """Create a session for `user` with a frozen copy of the persona and its rubric.

    Later edits to the persona file never change this session (its prompt or its scores).
    Raises UnknownPersona when the id is not in the catalogue.
    """
    persona = get_persona(persona_id)
    if persona is None:
        raise UnknownPersona(persona_id)
    ps = PracticeSession(
        user_id=user.id,
        persona_id=persona.id,
        persona_snapshot=persona.model_dump(mode="json"),
        rubric=persona.rubric(),
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


def join_info(practice_session: PracticeSession, user: User) -> dict[str, Any]:
    """What a client needs to join the call: the room, the LiveKit URL and a fresh token.

    A token can be minted again for the same session (a page reload) while it is not over.
    """
    if practice_session.status not in (SessionStatus.created, SessionStatus.live):
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


def session_summary(ps: PracticeSession) -> dict[str, Any]:
    """The public view of a session (no snapshot internals beyond name and scenario)."""
    snap = ps.persona_snapshot or {}
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
        "error": ps.error,
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
        "rubric": ps.rubric,
    }


def turn_dict(t: Turn) -> dict[str, Any]:
    return {
        "seq": t.seq,
        "speaker": t.speaker.value,
        "text": t.text,
        "start": t.start,
        "end": t.end,
        "interrupted": t.interrupted,
        "metrics": {
            "end_of_turn_delay": t.end_of_turn_delay,
            "transcription_delay": t.transcription_delay,
            "llm_ttft": t.llm_ttft,
            "tts_ttfb": t.tts_ttfb,
            "e2e_latency": t.e2e_latency,
        },
    }
