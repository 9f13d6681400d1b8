"""What the feedback page's player and transcript get: the recording's path and where each turn is in it."""

from __future__ import annotations

from sqlmodel import Session

from coach_app.calls.recordings import keep_recording
from coach_app.db import make_engine
from coach_app.feedback.page_data import feedback_page_data
from coach_app.models import PracticeSession, SessionStatus, Speaker, Turn
from coach_app.settings import Settings
from tests.support.ogg import write_stereo_ogg


def test_turns_are_placed_on_the_recording_and_typed_turns_are_marked(fresh_db, tmp_path, monkeypatch):
    monkeypatch.setenv("RECORDINGS_DIR", str(tmp_path / "recordings"))
    settings = Settings(_env_file=None)
    with Session(make_engine(fresh_db)) as db:
        ps = PracticeSession(persona_id="billing-dispute-gold", status=SessionStatus.completed)
        db.add(ps)
        db.commit()
        db.add(Turn(session_id=ps.id, seq=1, speaker=Speaker.persona, text="Hello?", start=0.4, end=1.5))
        db.add(Turn(session_id=ps.id, seq=2, speaker=Speaker.trainee, text="Hi", start=3.0, end=4.0, typed=True))
        db.commit()
        assert feedback_page_data(db, ps, settings)["audio"]["url"] == ""  # no recording yet

        keep_recording(db, settings, ps.id, write_stereo_ogg(tmp_path / "audio.ogg", 5.0), offset=1.0)
        page = feedback_page_data(db, ps, settings)
    assert page["audio"]["url"] == f"/api/sessions/{ps.id}/audio" and page["audio"]["duration"] == "00:05"
    first, second = page["transcript"]
    assert (first["audio_start"], first["audio_end"], first["typed"]) == (0.0, 0.5, False)
    assert (second["audio_start"], second["audio_end"], second["typed"]) == (2.0, 3.0, True)
