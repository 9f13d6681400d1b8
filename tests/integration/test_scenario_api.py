"""/api/scenarios and /api/assignments through the real Starlette app and database."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from sqlmodel import Session
from starlette.testclient import TestClient

from coach_app.auth.tokens import create_api_token
from coach_app.calls.start import start_session
from coach_app.db import make_engine
from coach_app.models import PracticeSession, SessionStatus, User, utcnow
from coach_app.personas.catalogue import validate_data
from coach_app.review.actions import override_score
from coach_app.settings import REPO_ROOT, get_settings
from tests.support.auth import make_user
from tests.support.feedback_seed import seed_feedback
from tests.support.personas import use_personas

PERSONA = "billing-dispute-gold"


@pytest.fixture
def client(fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    use_personas(tmp_path, monkeypatch, PERSONA)
    from coach_app.api.routes import api

    with TestClient(api) as c:
        yield c
    get_settings.cache_clear()


def bearer(db_url: str, username: str, role: str = "trainee", team: str | None = None, name: str = "") -> dict:
    user = make_user(db_url, username, role=role, team=team, display_name=name)
    with Session(make_engine(db_url)) as s:
        _, token = create_api_token(s, user, "test")
        s.commit()
    return {"Authorization": f"Bearer {token}"}


def shipped(**changes) -> dict:
    body = yaml.safe_load((REPO_ROOT / "personas" / f"{PERSONA}.yaml").read_text())
    return {**body, **changes}


def test_a_manager_creates_edits_and_archives_a_team_scenario(client: TestClient, fresh_db: str):
    manager = bearer(fresh_db, "max", "manager", "blue")
    blue, red = bearer(fresh_db, "tina", "trainee", "blue"), bearer(fresh_db, "rob", "trainee", "red")

    bad = shipped(id="blue-billing", difficulty="extreme", time_limit_minutes=0)
    r = client.post("/api/scenarios", json=bad, headers=manager)
    assert r.status_code == 422
    fields = {f["field"]: f["message"] for f in r.json()["fields"]}
    assert fields == {
        "difficulty": "Input should be 'easy', 'medium' or 'hard'",
        "time_limit_minutes": "Input should be greater than or equal to 1",
    }
    assert "difficulty: Input should be 'easy', 'medium' or 'hard'" in r.json()["error"]

    r = client.post("/api/scenarios", json=shipped(id="blue-billing"), headers=manager)
    assert r.status_code == 201, r.text
    assert (r.json()["scenario"]["team"], r.json()["scenario"]["version"]) == ("blue", 1)
    assert client.post("/api/scenarios", json=shipped(id="blue-billing"), headers=manager).status_code == 409

    ids = lambda headers: [s["id"] for s in client.get("/api/scenarios", headers=headers).json()["scenarios"]]  # noqa: E731
    assert "blue-billing" in ids(blue) and "blue-billing" not in ids(red)
    trainee_view = client.get("/api/scenarios/blue-billing", headers=blue).json()
    assert "persona" not in trainee_view and "hidden_facts" not in str(trainee_view)
    assert client.get("/api/scenarios/blue-billing", headers=red).status_code == 404
    assert client.put("/api/scenarios/blue-billing", json=shipped(id="blue-billing"), headers=blue).status_code == 403

    r = client.put("/api/scenarios/blue-billing", json=shipped(id="blue-billing", name="Margaret Two"), headers=manager)
    assert r.status_code == 200 and r.json()["scenario"]["version"] == 2
    r = client.put("/api/scenarios/blue-billing", json=shipped(id="renamed"), headers=manager)
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "id"
    full = client.get("/api/scenarios/blue-billing", headers=manager).json()
    assert full["persona"]["name"] == "Margaret Two" and [v["version"] for v in full["versions"]] == [2, 1]

    exported = client.get("/api/scenarios/blue-billing?format=yaml", headers=manager)
    assert exported.headers["content-type"].startswith("application/yaml")
    persona, errors = validate_data(yaml.safe_load(exported.text))
    assert errors == [] and persona.name == "Margaret Two"
    r = client.post(
        "/api/scenarios",
        content=exported.text.replace("id: blue-billing", "id: from-yaml"),
        headers={**manager, "Content-Type": "application/yaml"},
    )
    assert r.status_code == 201 and r.json()["scenario"]["id"] == "from-yaml"

    assert client.delete("/api/scenarios/blue-billing", headers=manager).json()["scenario"]["archived"] is True
    assert "blue-billing" not in ids(blue)
    assert client.post("/api/sessions", json={"persona_id": "blue-billing"}, headers=blue).status_code == 404


def test_shipped_scenarios_are_for_admins_to_edit(client: TestClient, fresh_db: str):
    manager, admin = bearer(fresh_db, "max", "manager", "blue"), bearer(fresh_db, "ada", "admin")
    assert client.put(f"/api/scenarios/{PERSONA}", json=shipped(), headers=manager).status_code == 403
    r = client.put(f"/api/scenarios/{PERSONA}", json=shipped(brief="A new brief."), headers=admin)
    assert r.status_code == 200 and r.json()["scenario"]["version"] == 2 and r.json()["scenario"]["from_file"] is None


def _finished(db_url: str, user: User, score: float) -> PracticeSession:
    with Session(make_engine(db_url), expire_on_commit=False) as db:
        ps = start_session(db, user, PERSONA)
        ps.status = SessionStatus.completed
        db.add(ps)
        db.commit()
        seed_feedback(db, ps, score, created_at=utcnow())  # evaluated now (an override later is newer)
        return ps


def test_an_assignment_board_moves_to_passed_and_a_manager_override_counts(client: TestClient, fresh_db: str):
    manager = bearer(fresh_db, "max", "manager", "blue")
    tina = make_user(fresh_db, "tina", "trainee", "blue", display_name="Tina")
    tom = make_user(fresh_db, "tom", "trainee", "blue", display_name="Tom")
    tina_h = bearer(fresh_db, "tina", "trainee", "blue", name="Tina")
    make_user(fresh_db, "rob", "trainee", "red")

    r = client.post("/api/assignments", json={"scenarios": [PERSONA], "whole_team": True}, headers=manager)
    assert r.status_code == 422 and r.json()["fields"] == [
        {"field": "due", "message": "a due date is required (YYYY-MM-DD)"}
    ]
    body = {"scenarios": [PERSONA], "whole_team": True, "due": "2099-01-31", "max_attempts": 3, "title": "Billing week"}
    r = client.post("/api/assignments", json=body, headers=manager)
    assert r.status_code == 201, r.text
    aid = r.json()["id"]
    board = {row["trainee"]: row for row in r.json()["board"]}
    assert sorted(board) == ["Tina", "Tom"]
    assert board["Tina"]["status"] == "not_started" and board["Tina"]["required_score"] == 70

    _finished(fresh_db, tina, 55)
    low = _finished(fresh_db, tom, 60)
    rows = {row["trainee"]: row for row in client.get(f"/api/assignments/{aid}", headers=manager).json()["board"]}
    assert (rows["Tina"]["status"], rows["Tina"]["best_score"], rows["Tina"]["attempts"]) == ("in_progress", 55, 1)
    _finished(fresh_db, tina, 85)
    with Session(make_engine(fresh_db), expire_on_commit=False) as db:
        override_score(db, make_user(fresh_db, "max", "manager", "blue"), db.get(PracticeSession, low.id), 75)
    rows = {row["trainee"]: row for row in client.get(f"/api/assignments/{aid}", headers=manager).json()["board"]}
    assert (rows["Tina"]["status"], rows["Tina"]["best_score"], rows["Tina"]["attempts_left"]) == ("passed", 85, 1)
    assert (rows["Tom"]["status"], rows["Tom"]["best_score"]) == ("passed", 75)

    mine = client.get(f"/api/assignments/{aid}", headers=tina_h).json()["board"]
    assert [row["trainee"] for row in mine] == ["Tina"]
    listed = client.get("/api/assignments", headers=tina_h).json()["assignments"]
    assert [(a["id"], a["mine"][0]["status"]) for a in listed] == [(aid, "passed")]

    exported = client.get(f"/api/assignments/{aid}?format=csv", headers=manager)
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(t["trainee"], t["status"], t["best_score"], t["attempts"]) for t in table] == [
        ("Tina", "passed", "85", "2"),
        ("Tom", "passed", "75", "1"),
    ]


def test_assignments_are_the_managers_team_only(client: TestClient, fresh_db: str):
    manager = bearer(fresh_db, "max", "manager", "blue")
    rob = make_user(fresh_db, "rob", "trainee", "red")
    r = client.post(
        "/api/assignments", json={"scenarios": [PERSONA], "trainees": [rob.id], "due": "2099-01-01"}, headers=manager
    )
    assert r.status_code == 422 and r.json()["fields"][0]["field"] == "trainees"
    r = client.post(
        "/api/assignments", json={"scenarios": ["nope"], "whole_team": True, "due": "2099-01-01"}, headers=manager
    )
    assert r.status_code == 422 and "no scenario 'nope'" in r.json()["error"]
    trainee = bearer(fresh_db, "tina", "trainee", "blue")
    r = client.post(
        "/api/assignments", json={"scenarios": [PERSONA], "whole_team": True, "due": "2099-01-01"}, headers=trainee
    )
    assert r.status_code == 403
