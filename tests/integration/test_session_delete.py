"""Deleting a session: DELETE /api/sessions/{id} (a manager of the trainee's team or an admin) and
`coach sessions delete ID --yes`. The session's turns, feedback, review actions and recording (its
file and any recorded parts) are gone afterwards; the trainee who owns it cannot delete it."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from coach_app.calls.recordings import keep_recording, parts_dir, recording_path, start_part
from coach_app.cli import main
from coach_app.db import make_engine
from coach_app.models import Feedback, PracticeSession, ReviewAction, ReviewKind, SessionStatus, Speaker, Turn
from coach_app.settings import get_settings
from tests.support.ogg import write_stereo_ogg
from tests.support.personas import use_personas
from tests.support.rtc_trainee import PERSONA, api_headers


@pytest.fixture
def world(fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    use_personas(tmp_path, monkeypatch, PERSONA)
    monkeypatch.setenv("RECORDINGS_DIR", str(tmp_path / "recordings"))
    get_settings.cache_clear()
    from coach_app.api.routes import api

    trainee, trainee_h = api_headers(fresh_db, "del-tina", team="blue")
    manager, manager_h = api_headers(fresh_db, "del-mona", role="manager", team="blue")
    _, other_manager_h = api_headers(fresh_db, "del-otto", role="manager", team="green")
    _, admin_h = api_headers(fresh_db, "del-ada", role="admin")
    with TestClient(api) as client:
        yield {
            "client": client,
            "db_url": fresh_db,
            "tmp": tmp_path,
            "trainee": trainee,
            "manager": manager,
            "headers": {"trainee": trainee_h, "manager": manager_h, "other": other_manager_h, "admin": admin_h},
        }
    get_settings.cache_clear()


def _recorded_session(world, status: SessionStatus = SessionStatus.completed) -> int:
    """A session with two turns, an evaluation, a manager's comment and a recording (and a part)."""
    with Session(make_engine(world["db_url"]), expire_on_commit=False) as db:
        ps = PracticeSession(user_id=world["trainee"].id, persona_id=PERSONA, status=status)
        db.add(ps)
        db.commit()
        db.add(Turn(session_id=ps.id, seq=1, speaker=Speaker.persona, text="Hello?", start=0.0, end=1.0))
        db.add(Turn(session_id=ps.id, seq=2, speaker=Speaker.trainee, text="Hi, Margaret.", start=1.5, end=2.5))
        db.add(Feedback(session_id=ps.id, status="done", overall_score=80.0))
        db.add(ReviewAction(session_id=ps.id, actor_id=world["manager"].id, kind=ReviewKind.comment, comment="Good"))
        db.commit()
        tmp = world["tmp"]
        keep_recording(db, get_settings(), ps.id, write_stereo_ogg(tmp / f"{ps.id}.ogg", 1.0), offset=0.0)
        write_stereo_ogg(start_part(get_settings(), ps.id, "job-late", 0.0), 0.5)
        return ps.id


def _left(world, sid: int) -> dict[str, object]:
    """What is left of a session: its row, turns, feedback, review actions, recording and parts."""
    with Session(make_engine(world["db_url"])) as db:
        ps = db.get(PracticeSession, sid)
        return {
            "session": ps is not None,
            "rows": [
                len(db.exec(select(table).where(table.session_id == sid)).all())
                for table in (Turn, Feedback, ReviewAction)
            ],
            "recording": ps is not None and recording_path(get_settings(), ps) is not None,
            "parts": parts_dir(get_settings(), sid).exists(),
        }


EVERYTHING = {"session": True, "rows": [2, 1, 1], "recording": True, "parts": True}
NOTHING = {"session": False, "rows": [0, 0, 0], "recording": False, "parts": False}


def test_a_manager_of_the_team_deletes_the_session_with_everything_it_holds(world):
    sid = _recorded_session(world)
    audio = recording_path(get_settings(), PracticeSession(id=sid, audio_file=f"session-{sid}.ogg"))
    assert _left(world, sid) == EVERYTHING and audio.is_file()
    r = world["client"].delete(f"/api/sessions/{sid}", headers=world["headers"]["manager"])
    assert r.status_code == 200 and r.json() == {"session_id": sid, "deleted": True}
    assert _left(world, sid) == NOTHING and not audio.exists()
    assert world["client"].get(f"/api/sessions/{sid}", headers=world["headers"]["manager"]).status_code == 404


def test_the_trainee_who_owns_it_cannot_delete_it_and_nothing_is_lost(world):
    sid = _recorded_session(world)
    r = world["client"].delete(f"/api/sessions/{sid}", headers=world["headers"]["trainee"])
    assert r.status_code == 403 and "manager" in r.json()["error"]
    # Another team's manager does not even see it.
    assert world["client"].delete(f"/api/sessions/{sid}", headers=world["headers"]["other"]).status_code == 404
    assert _left(world, sid) == EVERYTHING


def test_a_live_call_is_not_deleted(world):
    sid = _recorded_session(world, SessionStatus.live)
    r = world["client"].delete(f"/api/sessions/{sid}", headers=world["headers"]["admin"])
    assert r.status_code == 409 and "still live" in r.json()["error"]
    assert _left(world, sid) == EVERYTHING


def test_the_cli_deletes_a_session_only_when_told_yes(world, capsys):
    sid = _recorded_session(world)
    assert main(["sessions", "delete", str(sid)]) == 2
    assert "--yes" in capsys.readouterr().err and _left(world, sid) == EVERYTHING
    assert main(["sessions", "delete", str(sid), "--yes"]) == 0
    assert capsys.readouterr().out.strip() == f"deleted session {sid}"
    assert _left(world, sid) == NOTHING
    assert main(["sessions", "delete", str(sid), "--yes"]) == 2
    assert f"no session with id {sid}" in capsys.readouterr().err
