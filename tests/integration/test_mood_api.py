"""The transcript API carries each turn's mood; the session view says the call's mode and the help used."""

from __future__ import annotations

from sqlmodel import Session

from coach_app.db import make_engine
from coach_app.models import PracticeSession, Speaker, Turn
from tests.integration.test_session_api import PERSONA, bearer, client  # noqa: F401 - the fixture

MOOD = {"anger": 9, "trust": 2, "progress": 1, "phase": "escalated", "source": "llm"}
HIT = {"kind": "trigger", "index": 1, "when": "The trainee reads a scripted apology."}


def test_turns_carry_their_mood_and_the_session_its_mode_and_help(client, fresh_db):  # noqa: F811
    owner = bearer(fresh_db, "mona")
    sid = client.post("/api/sessions", json={"persona_id": PERSONA}, headers=owner).json()["session_id"]
    with Session(make_engine(fresh_db)) as db:
        db.add(Turn(session_id=sid, seq=1, speaker=Speaker.persona, text="Third time.", start=0, end=1))
        db.add(
            Turn(
                session_id=sid,
                seq=2,
                speaker=Speaker.trainee,
                text="I understand.",
                start=2,
                end=3,
                mood={**MOOD, "hit": HIT},
            )
        )
        ps = db.get(PracticeSession, sid)
        ps.help_events = [
            {"kind": "hint", "at": 2.5, "after_seq": 2, "text": "Apologise for the charge.", "source": "llm"}
        ]
        db.add(ps)
        db.commit()
    turns = client.get(f"/api/sessions/{sid}/transcript", headers=owner).json()["turns"]
    assert [t["mood"] for t in turns] == [None, {**MOOD, "hit": HIT}]
    view = client.get(f"/api/sessions/{sid}", headers=owner).json()
    assert view["mode"] == "practice"
    assert view["help"] == [
        {"kind": "hint", "at": 2.5, "after_seq": 2, "text": "Apologise for the charge.", "source": "llm"}
    ]
