"""POST /api/sessions and the session read routes, through the real Starlette app and database."""

from __future__ import annotations

from pathlib import Path

import pytest
from livekit import api as lkapi
from sqlmodel import Session
from starlette.testclient import TestClient

from coach_app.auth.tokens import create_api_token
from coach_app.db import make_engine
from coach_app.models import PracticeSession, Speaker, Turn
from coach_app.settings import get_settings
from tests.support.auth import make_user
from tests.support.personas import use_personas

PERSONA = "billing-dispute-gold"


@pytest.fixture
def client(fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    use_personas(tmp_path, monkeypatch, PERSONA)
    from coach_app.api.routes import api

    with TestClient(api) as c:
        yield c
    get_settings.cache_clear()


def bearer(db_url: str, username: str, role: str = "trainee", team: str | None = None) -> dict[str, str]:
    user = make_user(db_url, username, role=role, team=team)
    with Session(make_engine(db_url)) as s:
        _, token = create_api_token(s, user, "test")
        s.commit()
    return {"Authorization": f"Bearer {token}"}


def test_start_session_returns_join_credentials(client: TestClient, fresh_db: str):
    headers = bearer(fresh_db, "tina")
    r = client.post("/api/sessions", json={"persona_id": PERSONA}, headers=headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert set(body) == {"session_id", "room", "livekit_url", "token", "resumed"} and body["resumed"] is False
    assert body["livekit_url"] == get_settings().lk_url
    s = get_settings()
    claims = lkapi.TokenVerifier(s.lk_api_key, s.lk_api_secret).verify(body["token"])
    assert claims.video.room == body["room"]
    assert s.lk_api_secret not in r.text
    with Session(make_engine(fresh_db)) as db:
        ps = db.get(PracticeSession, body["session_id"])
        assert ps.persona_id == PERSONA and ps.room_name == body["room"]
        assert ps.persona_snapshot["id"] == PERSONA and len(ps.rubric) >= 3


def test_start_session_needs_a_signed_in_user(client: TestClient):
    r = client.post("/api/sessions", json={"persona_id": PERSONA})
    assert r.status_code == 401
    assert "Authentication required" in r.json()["error"]


def test_unknown_persona_is_a_clear_404(client: TestClient, fresh_db: str):
    r = client.post("/api/sessions", json={"persona_id": "no-such-persona"}, headers=bearer(fresh_db, "tina"))
    assert r.status_code == 404
    assert "no-such-persona" in r.json()["error"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "persona_id"),
        ({"persona_id": ""}, "persona_id"),
        ({"persona_id": 7}, "persona_id"),
        ({"persona_id": PERSONA, "colour": "red"}, "colour"),
    ],
)
def test_bad_body_names_the_field(client: TestClient, fresh_db: str, body, field):
    r = client.post("/api/sessions", json=body, headers=bearer(fresh_db, "tina"))
    assert r.status_code == 422
    assert field in r.json()["error"]
    assert any(f["field"] == field for f in r.json()["fields"])


def test_non_json_body_is_explained(client: TestClient, fresh_db: str):
    r = client.post("/api/sessions", content=b"persona=x", headers=bearer(fresh_db, "tina"))
    assert r.status_code == 422
    assert "JSON object" in r.json()["error"]


def test_session_and_transcript_are_visible_to_owner_and_team_manager_only(client: TestClient, fresh_db: str):
    owner = bearer(fresh_db, "tina", team="red")
    sid = client.post("/api/sessions", json={"persona_id": PERSONA}, headers=owner).json()["session_id"]
    with Session(make_engine(fresh_db)) as db:
        db.add(Turn(session_id=sid, seq=1, speaker=Speaker.persona, text="Third time calling.", start=0.4, end=2.1))
        db.add(
            Turn(
                session_id=sid,
                seq=2,
                speaker=Speaker.trainee,
                text="I am sorry.",
                start=3.0,
                end=4.0,
                end_of_turn_delay=0.6,
                transcription_delay=0.2,
            )
        )
        db.commit()

    r = client.get(f"/api/sessions/{sid}", headers=owner)
    assert r.status_code == 200
    assert r.json()["status"] == "created" and r.json()["persona_name"]
    t = client.get(f"/api/sessions/{sid}/transcript", headers=owner).json()
    assert [(x["speaker"], x["text"]) for x in t["turns"]] == [
        ("persona", "Third time calling."),
        ("trainee", "I am sorry."),
    ]
    assert t["turns"][1]["metrics"]["end_of_turn_delay"] == 0.6

    manager = bearer(fresh_db, "mo", role="manager", team="red")
    assert client.get(f"/api/sessions/{sid}/transcript", headers=manager).status_code == 200
    # A manager may read it but only the trainee may join the call.
    assert client.post(f"/api/sessions/{sid}/token", headers=manager).status_code == 403
    assert client.post(f"/api/sessions/{sid}/token", headers=owner).status_code == 200

    other = bearer(fresh_db, "olly", team="blue")
    # Someone else's session answers exactly like one that does not exist (ids stay private).
    hidden = client.get(f"/api/sessions/{sid}", headers=other)
    missing = client.get("/api/sessions/99999", headers=other)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json()["error"].replace(str(sid), "N") == missing.json()["error"].replace("99999", "N")
    assert client.get(f"/api/sessions/{sid}/transcript", headers=other).status_code == 404
    assert client.post(f"/api/sessions/{sid}/token", headers=other).status_code == 404
    assert client.get("/api/sessions/99999", headers=owner).status_code == 404
    assert client.get("/api/sessions/abc", headers=owner).status_code == 404
