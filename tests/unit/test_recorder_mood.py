"""The recorder stores the customer's mood on the trainee turn it follows, whichever comes first:
the decision (a reply prepared before the turn was final) or the recorded turn."""

from __future__ import annotations

from sqlmodel import Session, select

from agent.recorder import CallRecorder
from coach_app.db import get_engine
from coach_app.models import Turn
from tests.unit.test_turn_merge import T0, _said, _session

CALM = {"anger": 6, "trust": 4, "progress": 2, "phase": "calming", "hit": {"kind": "deescalation"}, "source": "llm"}


async def _moods(recorder: CallRecorder) -> list[tuple[str, dict | None]]:
    await recorder.aclose()
    with Session(get_engine()) as db:
        turns = db.exec(select(Turn).where(Turn.session_id == recorder.session_id).order_by(Turn.seq)).all()
        return [(t.text, t.mood) for t in turns]


async def test_mood_lands_on_its_trainee_turn_in_either_order(fresh_db):
    recorder = CallRecorder(_session(), t0=T0)
    start = {**CALM, "anger": 8, "phase": "opening", "hit": None}
    recorder.add_message(_said("Third time!", 0.0, 1.0, role="assistant"), start)
    recorder.add_message(_said("I am sorry about the double charge.", 2.0, 4.0))
    recorder.note_mood("I am sorry about the double charge.", CALM)  # decided after the turn was recorded
    recorder.add_message(_said("Fine.", 5.0, 6.0, role="assistant"), CALM)
    recorder.note_mood("Let me refund it now.", {**CALM, "anger": 4})  # decided first (preemptive reply)
    recorder.add_message(_said("Let me refund it now.", 7.0, 8.0))
    assert await _moods(recorder) == [
        ("Third time!", start),
        ("I am sorry about the double charge.", CALM),
        ("Fine.", {**CALM, "hit": None}),
        ("Let me refund it now.", {**CALM, "anger": 4}),
    ]
