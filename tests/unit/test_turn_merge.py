"""One utterance is one stored turn: trainee parts with no persona reply between them are merged."""

from __future__ import annotations

from livekit.agents import llm
from sqlmodel import Session, select

from agent.recorder import CallRecorder
from coach_app.db import get_engine
from coach_app.models import PracticeSession, Speaker, Turn

T0 = 1_700_000_000.0


def _said(text: str, start: float, end: float, role: str = "user") -> llm.ChatMessage:
    return llm.ChatMessage(
        role=role,
        content=[text],
        created_at=T0 + end + 0.4,
        transcript_confidence=0.9 if role == "user" else None,
        metrics={"started_speaking_at": T0 + start, "stopped_speaking_at": T0 + end, "end_of_turn_delay": 0.4},
    )


def _session() -> int:
    with Session(get_engine()) as db:
        ps = PracticeSession(persona_id="billing-dispute-gold")
        db.add(ps)
        db.commit()
        return ps.id


async def _stored(recorder: CallRecorder) -> list[tuple[Speaker, str, float, float]]:
    await recorder.aclose()
    with Session(get_engine()) as db:
        turns = db.exec(select(Turn).where(Turn.session_id == recorder.session_id).order_by(Turn.seq)).all()
        return [(t.speaker, t.text, t.start, t.end) for t in turns]


async def test_two_trainee_parts_without_a_persona_reply_between_are_one_stored_turn(fresh_db):
    recorder = CallRecorder(_session(), t0=T0)
    recorder.add_message(_said("Good morning.", 0.0, 1.0, role="assistant"))
    recorder.add_message(_said("I checked your account this morning,", 2.0, 4.0))
    recorder.add_message(_said("and the second charge was our mistake.", 4.6, 6.5))
    recorder.add_message(_said("Fine.", 7.0, 7.5, role="assistant"))
    recorder.add_message(_said("Thank you.", 8.0, 8.6))
    assert await _stored(recorder) == [
        (Speaker.persona, "Good morning.", 0.0, 1.0),
        (Speaker.trainee, "I checked your account this morning, and the second charge was our mistake.", 2.0, 6.5),
        (Speaker.persona, "Fine.", 7.0, 7.5),
        (Speaker.trainee, "Thank you.", 8.0, 8.6),
    ]


def _typed(text: str, at: float) -> llm.ChatMessage:
    # a typed message carries no speech timing and no transcript confidence
    return llm.ChatMessage(role="user", content=[text], created_at=T0 + at)


async def test_typed_messages_in_a_row_stay_separate_turns(fresh_db):
    recorder = CallRecorder(_session(), t0=T0)
    recorder.add_message(_said("Good morning.", 0.0, 1.0, role="assistant"))
    recorder.add_message(_typed("My microphone is broken.", 3.0))
    recorder.add_message(_typed("Can you read this?", 3.2))
    recorder.add_message(_said("I checked your account,", 5.0, 6.0))
    stored = await _stored(recorder)
    assert [(s, text) for s, text, *_ in stored] == [
        (Speaker.persona, "Good morning."),
        (Speaker.trainee, "My microphone is broken."),
        (Speaker.trainee, "Can you read this?"),
        (Speaker.trainee, "I checked your account,"),
    ]
