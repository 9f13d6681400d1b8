"""Scenarios in the database: the shipped files as the starting catalogue, versions, teams, archive."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session

from coach_app.calls.start import UnknownPersona, start_session
from coach_app.db import make_engine
from coach_app.models import PracticeSession, Role, User
from coach_app.programmes import scenarios
from coach_app.settings import REPO_ROOT, get_settings
from tests.support.personas import use_personas

PERSONA = "billing-dispute-gold"


@pytest.fixture
def personas_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = use_personas(tmp_path, monkeypatch, PERSONA, "cold-call-discovery")
    yield d
    get_settings.cache_clear()


@pytest.fixture
def db(fresh_db: str, personas_dir: Path):
    with Session(make_engine(fresh_db), expire_on_commit=False) as s:
        yield s


def person(db: Session, name: str, role: Role, team: str | None) -> User:
    u = User(username=name, password_hash="x", role=role, team=team)
    db.add(u)
    db.commit()
    db.refresh(u)
    return u


def shipped_body(persona_id: str = PERSONA) -> dict:
    return yaml.safe_load((REPO_ROOT / "personas" / f"{persona_id}.yaml").read_text())


def test_files_are_imported_and_follow_their_file(db: Session, personas_dir: Path):
    assert [c.record.slug for c in scenarios.catalogue(db, None)] == []  # nobody signed in sees nothing
    admin = person(db, "ada", Role.admin, None)
    assert [c.record.slug for c in scenarios.catalogue(db, admin)] == ["billing-dispute-gold", "cold-call-discovery"]
    path = personas_dir / f"{PERSONA}.yaml"
    path.write_text(path.read_text().replace("name: Margaret Doyle", "name: Margaret D. Doyle", 1))
    assert scenarios.find_persona(db, PERSONA).name == "Margaret D. Doyle"
    assert [v.version for v in scenarios.versions(db, scenarios.by_slug(db, PERSONA).id)] == [2, 1]
    path.unlink()
    assert scenarios.find_persona(db, PERSONA) is None
    assert scenarios.by_slug(db, PERSONA).archived


def test_a_browser_save_is_a_new_version_and_old_sessions_keep_their_copy(db: Session):
    admin = person(db, "ada", Role.admin, None)
    trainee = person(db, "tina", Role.trainee, "blue")
    ps = start_session(db, trainee, PERSONA)
    body = shipped_body()
    body["objectives"][0]["description"] = "A new first objective"
    rec = scenarios.by_slug(db, PERSONA)
    saved = scenarios.save(db, admin, rec, body)
    assert saved.version.version == 2 and saved.version.author == "ada"
    assert scenarios.find_persona(db, PERSONA).objectives[0].description == "A new first objective"
    db.refresh(db.get(PracticeSession, ps.id))
    assert db.get(PracticeSession, ps.id).rubric[0]["description"] != "A new first objective"
    assert rec.source_file is None  # saved in the browser: no longer follows its file


def test_invalid_bodies_name_the_field_and_the_problem(db: Session):
    admin = person(db, "ada", Role.admin, None)
    body = shipped_body()
    body["id"] = "new-scenario"
    body["difficulty"] = "extreme"
    body["objectives"][0]["weight"] += 60
    with pytest.raises(scenarios.ScenarioInvalid) as err:
        scenarios.create(db, admin, body, None)
    fields = {e.field: e.message for e in err.value.errors}
    assert fields["difficulty"] == "Input should be 'easy', 'medium' or 'hard'"
    body["difficulty"] = "easy"
    with pytest.raises(scenarios.ScenarioInvalid) as err:
        scenarios.create(db, admin, body, None)
    assert [(e.field, e.message) for e in err.value.errors] == [
        ("objectives", "objective weights must add up to 100, they add up to 160")
    ]
    with pytest.raises(scenarios.ScenarioConflict):
        scenarios.create(db, admin, shipped_body(), None)


def test_team_scenarios_are_for_the_team_and_archived_ones_for_nobody(db: Session):
    manager = person(db, "max", Role.manager, "blue")
    blue = person(db, "tina", Role.trainee, "blue")
    red = person(db, "rob", Role.trainee, "red")
    body = shipped_body()
    body["id"] = "blue-billing"
    made = scenarios.create(db, manager, body, "blue")
    assert scenarios.find_persona(db, "blue-billing", blue) is not None
    assert scenarios.find_persona(db, "blue-billing", red) is None
    with pytest.raises(UnknownPersona):
        start_session(db, red, "blue-billing")
    assert start_session(db, blue, "blue-billing").persona_snapshot["id"] == "blue-billing"
    copy = scenarios.duplicate(db, manager, made.record, "blue")
    assert copy.record.slug == "blue-billing-copy" and copy.record.team == "blue"
    scenarios.set_archived(db, made.record)
    assert scenarios.find_persona(db, "blue-billing", blue) is None
    assert "blue-billing" not in [c.record.slug for c in scenarios.catalogue(db, blue)]


def test_an_export_passes_the_file_checker(db: Session, tmp_path: Path):
    manager = person(db, "max", Role.manager, "blue")
    body = shipped_body()
    body["id"] = "exported-one"
    made = scenarios.create(db, manager, body, "blue")
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "exported-one.yaml").write_text(scenarios.export_yaml(made.version.body))
    done = subprocess.run(
        [sys.executable, "-m", "coach_app.cli", "personas", "check", str(folder)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "1 valid" in done.stdout
