"""Session rules from the security review (issue 12): what GET /api/sessions/{id} shows to whom,
who manages whose sessions, one open session per trainee and a rate limit on starts."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from coach_app.auth import access
from coach_app.auth.tokens import create_api_token
from coach_app.db import make_engine
from coach_app.models import OPEN_STATUSES, EndReason, PracticeSession, SessionStatus
from coach_app.settings import get_settings
from tests.support.auth import make_user
from tests.support.personas import use_personas

PERSONA = "billing-dispute-gold"
OTHER = "retention-gym-cancel"


@pytest.fixture
def client(fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SESSION_STARTS_PER_HOUR", "4")
    use_personas(tmp_path, monkeypatch, PERSONA, OTHER)
    from coach_app.api.routes import api

    with TestClient(api) as c:
        yield c
    get_settings.cache_clear()


def person(db_url: str, username: str, role: str = "trainee", team: str | None = "red"):
    user = make_user(db_url, username, role=role, team=team)
    with Session(make_engine(db_url)) as s:
        _, token = create_api_token(s, user, "test")
        s.commit()
    return user, {"Authorization": f"Bearer {token}"}


def _get(db_url: str, sid: int) -> PracticeSession:
    with Session(make_engine(db_url)) as db:
        return db.get(PracticeSession, sid)


def test_objective_evidence_and_provider_errors_are_for_managers(client, fresh_db):
    _, trainee = person(fresh_db, "tina")
    _, manager = person(fresh_db, "mo", role="manager")
    _, admin = person(fresh_db, "ada", role="admin", team=None)
    sid = client.post("/api/sessions", json={"persona_id": PERSONA}, headers=trainee).json()["session_id"]
    with Session(make_engine(fresh_db)) as db:
        ps = db.get(PracticeSession, sid)
        ps.error = "12:00:01 stt_error: upstream 503 from the speech provider"
        db.add(ps)
        db.commit()

    mine = client.get(f"/api/sessions/{sid}", headers=trainee).json()
    assert mine["rubric"] and all("evidence" not in o for o in mine["rubric"])
    assert all(o["description"] for o in mine["rubric"])
    assert mine["error"] is None
    for headers in (manager, admin):
        seen = client.get(f"/api/sessions/{sid}", headers=headers).json()
        assert all(o.get("evidence") for o in seen["rubric"])
        assert "stt_error" in seen["error"]


def test_managers_manage_their_teams_trainees_and_admins_manage_managers(client, fresh_db):
    tina, trainee = person(fresh_db, "tina")
    mo, manager = person(fresh_db, "mo", role="manager")
    meg, peer = person(fresh_db, "meg", role="manager")
    ada, admin = person(fresh_db, "ada", role="admin", team=None)
    sessions = {
        who: client.post("/api/sessions", json={"persona_id": PERSONA}, headers=h).json()["session_id"]
        for who, h in (("tina", trainee), ("mo", manager), ("meg", peer))
    }
    ps = {who: _get(fresh_db, sid) for who, sid in sessions.items()}

    assert access.can_manage_session(mo, ps["tina"]) and access.can_manage_session(ada, ps["tina"])
    assert not access.can_manage_session(mo, ps["mo"])  # their own
    assert not access.can_manage_session(mo, ps["meg"])  # a peer manager's
    assert access.can_manage_session(ada, ps["mo"]) and access.can_manage_session(ada, ps["meg"])
    # A manager still sees their own session, but not a peer's.
    assert client.get(f"/api/sessions/{sessions['mo']}", headers=manager).status_code == 200
    assert client.get(f"/api/sessions/{sessions['meg']}", headers=manager).status_code == 404
    assert client.get(f"/api/sessions/{sessions['meg']}", headers=admin).status_code == 200
    # ...and their own session's evidence hints stay hidden from them (they are its trainee).
    own = client.get(f"/api/sessions/{sessions['mo']}", headers=manager).json()
    assert all("evidence" not in o for o in own["rubric"])
    with Session(make_engine(fresh_db)) as db:
        from sqlmodel import select

        visible = set(db.exec(select(PracticeSession.id).where(access.visible_sessions_clause(mo))).all())
        people = set(db.exec(select(access.User.id).where(access.visible_users_clause(mo))).all())
    assert visible == {sessions["tina"], sessions["mo"]}
    assert people == {tina.id, mo.id} and meg.id not in people


def test_one_open_session_per_trainee(client, fresh_db):
    _, trainee = person(fresh_db, "tina")
    first = client.post("/api/sessions", json={"persona_id": PERSONA}, headers=trainee)
    again = client.post("/api/sessions", json={"persona_id": PERSONA}, headers=trainee)
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["resumed"] is True and again.json()["session_id"] == first.json()["session_id"]
    assert again.json()["token"]  # a fresh token for the same room

    other = client.post("/api/sessions", json={"persona_id": OTHER}, headers=trainee)
    assert other.status_code == 201 and other.json()["session_id"] != first.json()["session_id"]
    old = _get(fresh_db, first.json()["session_id"])
    assert (old.status, old.end_reason) == (SessionStatus.abandoned, EndReason.replaced) and old.ended_at is not None
    r = client.post(f"/api/sessions/{old.id}/token", headers=trainee)
    assert r.status_code == 409  # the replaced session cannot be joined any more


def test_starts_are_rate_limited_per_user(client, fresh_db):
    _, trainee = person(fresh_db, "tina")
    _, other = person(fresh_db, "olly")
    codes = [
        client.post("/api/sessions", json={"persona_id": (PERSONA, OTHER)[i % 2]}, headers=trainee).status_code
        for i in range(5)
    ]
    assert codes == [201, 201, 201, 201, 429]
    r = client.post("/api/sessions", json={"persona_id": PERSONA}, headers=trainee)
    assert r.status_code == 429 and "the limit is 4" in r.json()["error"]
    # The refused start changed nothing: the open session is still open and resumable.
    open_now = client.post("/api/sessions", json={"persona_id": OTHER}, headers=trainee)
    assert open_now.status_code == 200 and open_now.json()["resumed"] is True
    assert client.post("/api/sessions", json={"persona_id": PERSONA}, headers=other).status_code == 201


def test_concurrent_starts_leave_one_open_session(client, fresh_db):
    import threading

    from sqlmodel import select

    from coach_app.calls.start import begin_session

    user, _ = person(fresh_db, "tina")
    errors: list[BaseException] = []

    def start(persona_id: str) -> None:
        try:
            with Session(make_engine(fresh_db), expire_on_commit=False) as db:
                begin_session(db, user, persona_id)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start, args=((PERSONA, OTHER)[i % 2],)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    with Session(make_engine(fresh_db)) as db:
        still_open = db.exec(
            select(PracticeSession).where(PracticeSession.user_id == user.id, PracticeSession.status.in_(OPEN_STATUSES))
        ).all()
    assert len(still_open) == 1
