"""The login, logout and API-token routes and the middleware around the backend, through the real
Starlette app (`coach_app.api.routes.api`): cookie flags, one-time token hand-over, cross-origin refusals,
security headers, what /api/health tells whom, and the websocket's login reference."""

from __future__ import annotations

import hashlib

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from coach_app.auth import origins
from coach_app.auth.logins import COOKIE_NAME, LOGIN_FAILED, LOGIN_THROTTLED
from coach_app.auth.middleware import LOGIN_REF_HEADER, socket_headers
from coach_app.auth.tokens import user_for_api_token
from coach_app.db import make_engine
from coach_app.settings import get_settings
from tests.support.auth import make_user

PASSWORD = "http-login-pass-1"


@pytest.fixture
def client(fresh_db):
    from coach_app.api.routes import api

    make_user(fresh_db, "http-user", "trainee", team="blue", password=PASSWORD)
    make_user(fresh_db, "http-admin", "admin", password=PASSWORD)
    with TestClient(api) as c:
        yield c


def _login(client: TestClient, username: str = "http-user", password: str = PASSWORD, **kw):
    return client.post("/api/login", json={"username": username, "password": password, "next": "/sessions"}, **kw)


def test_login_sets_an_httponly_samesite_cookie_and_logout_clears_it(client):
    r = _login(client)
    assert r.status_code == 200 and r.json() == {"ok": True, "next": "/sessions", "username": "http-user"}
    set_cookie = r.headers["set-cookie"]
    assert set_cookie.startswith(f"{COOKIE_NAME}=")
    flags = {part.strip().split("=")[0].lower() for part in set_cookie.split(";")[1:]}
    assert {"httponly", "path", "max-age", "samesite"} <= flags and "samesite=lax" in set_cookie.lower()
    assert "secure" not in flags  # plain http, SESSION_COOKIE_SECURE unset
    assert "token" not in r.text  # the token travels in the cookie header only
    assert client.get("/api/me").json()["username"] == "http-user"

    r = client.post("/api/logout")
    assert r.status_code == 200 and f'{COOKIE_NAME}=""' in r.headers["set-cookie"]
    assert client.get("/api/me").status_code == 401


def test_cookie_is_secure_over_https_or_when_configured(fresh_db, monkeypatch):
    from coach_app.api.routes import api

    make_user(fresh_db, "https-user", password=PASSWORD)
    with TestClient(api, base_url="https://testserver") as c:
        r = _login(c, "https-user")
        assert "; secure" in r.headers["set-cookie"].lower()
        assert r.headers["strict-transport-security"].startswith("max-age=")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    get_settings.cache_clear()
    with TestClient(api) as c:
        assert "; secure" in _login(c, "https-user").headers["set-cookie"].lower()


def test_wrong_and_throttled_logins_say_so_without_a_cookie(client):
    r = _login(client, password="wrong-password")
    assert r.status_code == 401 and r.json()["error"] == LOGIN_FAILED and "set-cookie" not in r.headers
    for _ in range(get_settings().login_max_failures_per_account):
        _login(client, password="wrong-password")
    r = _login(client)
    assert r.status_code == 429 and r.json()["error"] == LOGIN_THROTTLED and "set-cookie" not in r.headers
    r = client.post("/api/login", json={"username": "http-user"})
    assert r.status_code == 422 and r.json()["error"] == "Enter your username and password."


def test_login_and_token_creation_from_a_foreign_origin_are_refused(client):
    foreign = {"Origin": "http://testserver:8001"}  # same host, another port: same-site, not same-origin
    r = _login(client, headers=foreign)
    assert r.status_code == 403 and "set-cookie" not in r.headers
    assert _login(client, headers={"Origin": "http://testserver"}).status_code == 200
    r = client.post("/api/tokens", json={"name": "stolen"}, headers=foreign)
    assert r.status_code == 403 and "token" not in r.json()


def test_configured_origins_compare_scheme_host_and_port(client):
    _login(client)
    origins.configure(["http://app.example:3000"])
    try:
        for bad in ("http://app.example:3001", "https://app.example:3000", "http://sub.app.example:3000"):
            assert client.post("/api/tokens", json={"name": "x"}, headers={"Origin": bad}).status_code == 403, bad
        assert (
            client.post("/api/tokens", json={"name": "x"}, headers={"Origin": "http://app.example:3000"}).status_code
            == 201
        )
    finally:
        origins.configure([])


def test_a_new_api_token_is_handed_over_once_in_the_response(client, fresh_db):
    _login(client)
    r = client.post("/api/tokens", json={"name": "nightly export"})
    assert r.status_code == 201 and r.headers["cache-control"] == "no-store"
    body = r.json()
    assert body["token"].startswith("coach_") and body["prefix"] == body["token"][:12]
    with Session(make_engine(fresh_db)) as s:
        assert user_for_api_token(s, body["token"]).username == "http-user"
    r = client.post("/api/tokens", json={"name": "n" * 200})
    assert r.status_code == 422 and r.json()["error"] == "Token name is too long: 200 characters, the limit is 80."


def test_health_tells_anyone_ok_or_not_and_admins_the_details(client):
    anonymous = client.get("/api/health").json()
    assert set(anonymous) == {"status"} and anonymous["status"] in ("ok", "degraded")
    _login(client)
    assert set(client.get("/api/health").json()) == {"status"}  # a trainee
    client.post("/api/logout")
    _login(client, "http-admin")
    report = client.get("/api/health").json()
    assert {"status", "database", "livekit", "providers"} <= set(report)
    assert report["livekit"]["url"] == get_settings().lk_url


def test_every_response_carries_the_security_headers(client):
    for r in (client.get("/api/health"), client.get("/api/me"), client.post("/api/login", json={})):
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        connect = next(d for d in csp.split(";") if d.strip().startswith("connect-src"))
        assert get_settings().lk_url in connect and "'self'" in connect
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in r.headers  # plain http


def test_the_websocket_gets_only_the_hash_of_the_login_cookie():
    token = "T" * 43
    out = dict(
        socket_headers(
            [
                (b"cookie", f"theme=dark; {COOKIE_NAME}={token}; other=1".encode()),
                (LOGIN_REF_HEADER.encode(), b"f" * 64),  # a client cannot send its own
                (b"origin", b"http://127.0.0.1:3000"),
            ]
        )
    )
    assert out[b"cookie"] == b"theme=dark; other=1"
    assert out[LOGIN_REF_HEADER.encode()] == hashlib.sha256(token.encode()).hexdigest().encode()
    assert token.encode() not in b"".join(out.values())
    assert LOGIN_REF_HEADER.encode() not in dict(socket_headers([(LOGIN_REF_HEADER.encode(), b"f" * 64)]))


def test_behind_trusted_proxies_a_login_counts_against_the_forwarded_address(client, fresh_db):
    from sqlmodel import select

    from coach_app.auth.routes import configure_proxy_hops
    from coach_app.models import LoginAttempt

    xff = {"X-Forwarded-For": "203.0.113.5, 10.0.0.2"}
    _login(client, password="wrong-password", headers=xff)  # no trusted proxy: the peer's address
    configure_proxy_hops(1)
    try:
        _login(client, password="wrong-password", headers=xff)
    finally:
        configure_proxy_hops(0)
    with Session(make_engine(fresh_db)) as s:
        addresses = [a.address for a in s.exec(select(LoginAttempt).order_by(LoginAttempt.id)).all()]
    assert addresses == ["testclient", "10.0.0.2"]


def test_the_event_endpoint_never_sees_the_raw_login_cookie(client):
    """Whatever reaches Reflex's event endpoint (websocket or long-polling HTTP) has only the hash."""
    import asyncio

    from coach_app.auth.middleware import SocketLoginRef

    seen: list[dict] = []

    async def app(scope, _receive, _send):
        seen.append(dict(scope["headers"]))

    wrapped = SocketLoginRef(app)
    cookie = [(b"cookie", f"{COOKIE_NAME}=secret-token-value".encode())]
    for scope in (
        {"type": "websocket", "path": "/_event/", "headers": cookie},
        {"type": "http", "path": "/_event", "headers": cookie},
    ):
        asyncio.run(wrapped(scope, None, None))
    assert all(b"cookie" not in h and LOGIN_REF_HEADER.encode() in h for h in seen) and len(seen) == 2
    asyncio.run(wrapped({"type": "http", "path": "/api/me", "headers": cookie}, None, None))
    assert seen[-1] == dict(cookie)  # the API reads the cookie itself
