"""Access matrix for every HTTP route: anonymous, trainee A, trainee B, manager of A's team,
another team's manager, admin - each with an API token and with a browser login cookie.

Adding a route to `coach_app.api.routes` without a row here fails `test_every_route_is_in_the_matrix`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlmodel import Session
from starlette.routing import Route
from starlette.testclient import TestClient

from coach_app.auth.logins import COOKIE_NAME, start_login
from coach_app.auth.tokens import create_api_token, revoke_api_token
from coach_app.calls.recordings import keep_recording
from coach_app.db import make_engine
from coach_app.models import PracticeSession, SessionStatus, User
from coach_app.settings import get_settings
from tests.support.auth import make_user
from tests.support.ogg import write_stereo_ogg
from tests.support.personas import use_personas

PERSONA = "billing-dispute-gold"
WHO = ["anonymous", "trainee_a", "trainee_b", "manager_a", "manager_b", "admin"]
PEOPLE = {
    "trainee_a": ("trainee", "blue"),
    "trainee_b": ("trainee", "green"),
    "manager_a": ("manager", "blue"),
    "manager_b": ("manager", "green"),
    "admin": ("admin", None),
}


def _row(anonymous, trainee_a, trainee_b, manager_a, manager_b, admin) -> dict[str, int]:
    return dict(zip(WHO, (anonymous, trainee_a, trainee_b, manager_a, manager_b, admin), strict=True))


# (method, path template, expected status per identity). {a} = trainee A's live session,
# {a_done} = A's completed session, {missing} = a session id that does not exist.
MATRIX: list[tuple[str, str, dict[str, int]]] = [
    ("GET", "/api/health", _row(200, 200, 200, 200, 200, 200)),
    ("GET", "/api/me", _row(401, 200, 200, 200, 200, 200)),
    # Trainee A already has an open session of this scenario: Start resumes it (200).
    ("POST", "/api/sessions", _row(401, 200, 201, 201, 201, 201)),
    # People who may not see a session get the same 404 as for one that does not exist.
    ("GET", "/api/sessions/{a}", _row(401, 200, 404, 200, 404, 200)),
    ("GET", "/api/sessions/{missing}", _row(401, 404, 404, 404, 404, 404)),
    ("GET", "/api/sessions/{a}/transcript", _row(401, 200, 404, 200, 404, 200)),
    ("GET", "/api/sessions/{a_done}/transcript", _row(401, 200, 404, 200, 404, 200)),
    # The recording: the transcript's rules; a call without one is a 404 for everyone.
    ("GET", "/api/sessions/{a_done}/audio", _row(401, 200, 404, 200, 404, 200)),
    ("GET", "/api/sessions/{a}/audio", _row(401, 404, 404, 404, 404, 404)),
    # Only the trainee who owns a session may get a room token for it, and only while it is open.
    # Deleting: managers of the trainee's team and admins; a live call is not deleted (409), so the
    # row can run for everyone (tests/integration/test_session_delete.py deletes for real).
    ("DELETE", "/api/sessions/{a}", _row(401, 403, 404, 409, 404, 409)),
    ("DELETE", "/api/sessions/{missing}", _row(401, 404, 404, 404, 404, 404)),
    ("POST", "/api/sessions/{a}/token", _row(401, 200, 404, 403, 404, 403)),
    ("POST", "/api/sessions/{a_done}/token", _row(401, 409, 404, 403, 404, 403)),
    # Logging in needs a username and password (the matrix body has neither); logging out always works.
    ("POST", "/api/login", _row(422, 422, 422, 422, 422, 422)),
    ("POST", "/api/tokens", _row(401, 422, 422, 422, 422, 422)),
    # Scenarios: {shipped} is for every team (admins edit it), {blue} is team blue's (manager A edits it).
    ("GET", "/api/scenarios", _row(401, 200, 200, 200, 200, 200)),
    ("POST", "/api/scenarios", _row(401, 403, 403, 422, 422, 422)),  # the matrix body is no persona
    ("GET", "/api/scenarios/{shipped}", _row(401, 200, 200, 200, 200, 200)),
    ("GET", "/api/scenarios/{blue}", _row(401, 200, 404, 200, 404, 200)),
    ("GET", "/api/scenarios/{no_scenario}", _row(401, 404, 404, 404, 404, 404)),
    ("PUT", "/api/scenarios/{shipped}", _row(401, 403, 403, 403, 403, 422)),
    ("PUT", "/api/scenarios/{blue}", _row(401, 403, 404, 422, 404, 422)),
    # Assignments: {asg} is team blue's, for the whole team.
    ("GET", "/api/assignments", _row(401, 200, 200, 200, 200, 200)),
    ("POST", "/api/assignments", _row(401, 403, 403, 422, 422, 422)),
    ("GET", "/api/assignments/{asg}", _row(401, 200, 404, 200, 404, 200)),
    ("GET", "/api/assignments/{missing}", _row(401, 404, 404, 404, 404, 404)),
    ("DELETE", "/api/scenarios/{blue}", _row(401, 403, 404, 200, 404, 200)),  # archives it
    ("POST", "/api/logout", _row(200, 200, 200, 200, 200, 200)),  # last: it ends the cookie logins
]


@pytest.fixture
def world(fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    use_personas(tmp_path, monkeypatch, PERSONA)
    monkeypatch.setenv("RECORDINGS_DIR", str(tmp_path / "recordings"))
    get_settings.cache_clear()
    from coach_app.api.routes import api

    creds: dict[str, dict[str, dict[str, str]]] = {"anonymous": {"bearer": {}, "cookie": {}}}
    users: dict[str, User] = {}
    for key, (role, team) in PEOPLE.items():
        users[key] = make_user(fresh_db, f"m-{key.replace('_', '-')}", role=role, team=team)
    with Session(make_engine(fresh_db), expire_on_commit=False) as s:
        for key in PEOPLE:
            _, token = create_api_token(s, users[key], "matrix")
            creds[key] = {
                "bearer": {"Authorization": f"Bearer {token}"},
                "cookie": {COOKIE_NAME: start_login(s, users[key])},
            }
        live = PracticeSession(
            user_id=users["trainee_a"].id, persona_id=PERSONA, room_name="r-live", status=SessionStatus.live
        )
        done = PracticeSession(
            user_id=users["trainee_a"].id, persona_id=PERSONA, room_name="r-done", status=SessionStatus.completed
        )
        s.add(live)
        s.add(done)
        s.commit()
        keep_recording(s, get_settings(), done.id, write_stereo_ogg(tmp_path / "audio.ogg", 0.5), offset=0.0)
        ids = {"a": str(live.id), "a_done": str(done.id), "missing": "999999", **_programme(s, users)}
    with TestClient(api) as client:
        yield client, creds, ids, users
    get_settings.cache_clear()


def _programme(s: Session, users: dict[str, User]) -> dict[str, str]:
    """Team blue's own scenario and an assignment of it to the whole team."""
    from coach_app.programmes import assignments, scenarios

    body = scenarios.current(s, scenarios.by_slug(s, PERSONA)).version.body
    scenarios.create(s, users["manager_a"], {**body, "id": "blue-only"}, "blue")
    a = assignments.create(s, users["manager_a"], scenario_slugs=["blue-only"], whole_team=True, due="2030-01-01")
    return {"shipped": PERSONA, "blue": "blue-only", "no_scenario": "no-such-scenario", "asg": str(a.id)}


def _call(client: TestClient, method: str, path: str, auth: dict[str, str], mode: str):
    client.cookies.clear()
    kwargs = {"json": {"persona_id": PERSONA}} if method == "POST" else {}
    if mode == "bearer":
        return client.request(method, path, headers=auth, **kwargs)
    for k, v in auth.items():
        client.cookies.set(k, v)
    return client.request(method, path, **kwargs)


@pytest.mark.parametrize("mode", ["bearer", "cookie"])
def test_access_matrix(world, mode):
    client, creds, ids, _users = world
    failures = []
    for method, template, expected in MATRIX:
        path = template.format(**ids)
        for who in WHO:
            r = _call(client, method, path, creds[who][mode], mode)
            if r.status_code != expected[who]:
                failures.append(
                    f"{method} {template} as {who}: {r.status_code} (expected {expected[who]}) {r.text[:120]}"
                )
            if r.status_code in (401, 403, 404):
                assert r.headers["content-type"].startswith("application/json"), (method, template, who)
                assert r.json().get("error"), (method, template, who)
    assert failures == []


def test_every_route_is_in_the_matrix():
    from coach_app.api.routes import routes

    def generic(template: str) -> str:
        if template.startswith("/api/scenarios/"):
            return "/api/scenarios/{slug}"
        if template.startswith("/api/assignments/"):
            return "/api/assignments/{assignment_id}"
        for key in ("{a_done}", "{a}", "{missing}"):
            template = template.replace(key, "{session_id}")
        return template

    covered = {(m, generic(t)) for m, t, _ in MATRIX}
    served = {(m, r.path) for r in routes if isinstance(r, Route) for m in (r.methods or set()) - {"HEAD"}}
    assert served, "no routes found"
    assert all(isinstance(r, Route) for r in routes), "mounted sub-apps need their own matrix rows"
    assert served - covered == set(), "routes without an access-matrix row"


def test_a_revoked_token_or_a_bad_header_gets_401(world):
    client, creds, _ids, users = world
    header = creds["trainee_a"]["bearer"]
    assert client.get("/api/me", headers=header).status_code == 200
    with Session(make_engine(get_settings().database_url)) as s:
        from sqlmodel import select

        from coach_app.models import ApiToken

        row = s.exec(select(ApiToken).where(ApiToken.user_id == users["trainee_a"].id)).first()
        revoke_api_token(s, users["trainee_a"], row.id)
        s.commit()
    r = client.get("/api/me", headers=header)
    assert r.status_code == 401 and "Authentication required" in r.json()["error"]
    r = client.get("/api/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert r.status_code == 401 and "Bearer" in r.json()["error"]
    r = client.get("/api/me", headers={"Authorization": "Bearer coach_not-a-real-token"})
    assert r.status_code == 401


def test_cookie_authenticated_writes_from_another_site_are_refused(world):
    client, creds, _ids, _users = world
    client.cookies.set(COOKIE_NAME, creds["trainee_a"]["cookie"][COOKIE_NAME])
    r = client.post("/api/sessions", json={"persona_id": PERSONA}, headers={"Origin": "https://evil.example"})
    assert r.status_code == 403 and r.json()["error"] == "Cross-site request refused."
    r = client.post("/api/sessions", json={"persona_id": PERSONA}, headers={"Origin": "http://testserver"})
    assert r.status_code == 200 and r.json()["resumed"] is True  # A's open session of this scenario
