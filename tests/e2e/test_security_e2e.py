"""Issue 12 against the running app (production build, one port, headless Chromium):

- no login token, API token or LiveKit join token ever lands in Reflex's state files on disk;
  the login cookie is HttpOnly;
- a page on another origin (same host, another port) cannot read the API or open the event
  websocket with the victim's login;
- a flood of wrong logins does not stall the backend;
- pages and API answers carry the security headers.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect
from sqlmodel import Session, delete

from coach_app.db import make_engine
from coach_app.models import LoginAttempt
from tests.conftest import launch_chromium
from tests.support.auth import login, make_user
from tests.support.procs import REPO

pytestmark = pytest.mark.e2e

PERSONA_ID = "billing-dispute-gold"
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")


def _states_dir() -> Path:
    # tests/conftest.py start_reflex_app: REFLEX_STATES_WORKDIR = f"{web_dir}-states"
    return REPO / (os.environ.get("COACH_TEST_WEB_DIR", ".web") + "-states")


def _wait_for_settled_states(folder: Path, must_contain: bytes, timeout: float = 40) -> list[Path]:
    """Reflex writes state files 2 s after a change: wait until one holds `must_contain` (proof it
    has written this user's state) and none has changed for 3 s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = [p for p in folder.rglob("*") if p.is_file()]
        newest = max((p.stat().st_mtime for p in files), default=0)
        if any(must_contain in p.read_bytes() for p in files) and time.time() - newest > 3:
            return files
        time.sleep(0.5)
    raise AssertionError(f"state files in {folder} never settled with {must_contain!r}")


def test_no_credential_reaches_the_state_files_and_the_cookie_is_httponly(app_server, db_url, playwright_instance):
    make_user(db_url, "disk-trainee", "trainee", team="disk", password="disk-trainee-pw", display_name="Dora Diskscan")
    browser = launch_chromium(
        playwright_instance,
        ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection"],
    )
    context = browser.new_context()
    context.grant_permissions(["microphone"])
    page = context.new_page()
    page.set_default_timeout(20_000)
    frames: list[str] = []
    page.on(
        "websocket",
        lambda ws: ws.on(
            "framereceived", lambda p: frames.append(p if isinstance(p, str) else p.decode("utf-8", "replace"))
        ),
    )
    try:
        login(page, app_server, "disk-trainee", "disk-trainee-pw", next_path="/account/tokens")
        cookie = next(c for c in context.cookies() if c["name"] == "coach_session")
        assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
        assert "coach_session" not in page.evaluate("document.cookie")  # page scripts cannot read it

        page.locator("#token-name").fill("disk scan")
        page.locator("#create-token").click()
        api_token = page.locator("#new-token").inner_text().strip()
        assert api_token.startswith("coach_")
        page.locator(".token-name", has_text="disk scan").wait_for()

        page.goto(f"{app_server}/scenarios/{PERSONA_ID}")
        page.locator("#start-call").click()
        page.wait_for_url(re.compile(r"/call/\d+$"), timeout=20_000)
        expect(page.locator("#connection-state")).to_have_attribute("data-state", "connected", timeout=30_000)
        join_tokens = set(JWT.findall("\n".join(frames)))
        assert join_tokens, "expected the page to receive a LiveKit join token"

        files = _wait_for_settled_states(_states_dir(), b"Dora Diskscan")
        secrets = {
            "login cookie": cookie["value"],
            "API token": api_token,
            **{f"join token {i}": t for i, t in enumerate(sorted(join_tokens))},
        }
        found = {
            (str(p.relative_to(_states_dir())), what)
            for p in files
            for what, value in secrets.items()
            if value.encode() in p.read_bytes()
        }
        assert found == set()
        # And the tokens still work (so the scan looked for live credentials).
        assert httpx.get(app_server + "/api/me", headers={"Authorization": f"Bearer {api_token}"}).status_code == 200
        assert httpx.get(app_server + "/api/me", cookies={"coach_session": cookie["value"]}).status_code == 200
    finally:
        context.close()
        browser.close()


class _Page(BaseHTTPRequestHandler):
    body = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *_args):
        pass


def test_a_page_on_another_port_cannot_use_the_victims_login(app_server, db_url, page):
    make_user(db_url, "cors-victim", "trainee", password="cors-victim-pw")
    login(page, app_server, "cors-victim", "cors-victim-pw")
    cookie = next(c for c in page.context.cookies() if c["name"] == "coach_session")

    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    foreign = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        # Plain HTTP: no Access-Control-Allow-Origin for the foreign origin, preflight refused...
        r = httpx.get(app_server + "/api/me", cookies={"coach_session": cookie["value"]}, headers={"Origin": foreign})
        assert "access-control-allow-origin" not in r.headers
        pre = httpx.options(
            app_server + "/api/me",
            headers={
                "Origin": foreign,
                "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert "access-control-allow-origin" not in pre.headers
        # ...while the app's own origin is allowed (positive control).
        own = httpx.get(
            app_server + "/api/me", cookies={"coach_session": cookie["value"]}, headers={"Origin": app_server}
        )
        assert own.headers.get("access-control-allow-origin") == app_server

        # In the victim's browser: the foreign page cannot read /api/me or open the event socket.
        page.goto(foreign + "/")  # same site as the app (cookies go along), another origin
        result = page.evaluate(
            """async ([api, ws]) => {
            const out = {};
            try {
                const r = await fetch(api + '/api/me', {credentials: 'include'});
                out.me = await r.text();
            } catch (e) { out.me = 'blocked'; }
            try {
                const r = await fetch(api + '/api/sessions', {method: 'POST', credentials: 'include',
                    headers: {'Content-Type': 'application/json'},
                    body: JSON.stringify({persona_id: 'billing-dispute-gold'})});
                out.start = await r.text();
            } catch (e) { out.start = 'blocked'; }
            out.ws = await new Promise((resolve) => {
                const s = new WebSocket(ws + '/_event/?EIO=4&transport=websocket');
                s.onmessage = (m) => { resolve('open: ' + m.data); s.close(); };
                s.onerror = () => resolve('refused');
                setTimeout(() => resolve('timeout'), 10000);
            });
            return out;
        }""",
            [app_server, app_server.replace("http://", "ws://")],
        )
        assert result == {"me": "blocked", "start": "blocked", "ws": "refused"}
    finally:
        server.shutdown()


def test_a_flood_of_wrong_logins_does_not_stall_the_backend(app_server, db_url):
    """Wrong logins for unknown accounts (each still costs an Argon2 hash) sent at once, while
    /api/health is asked again and again: health keeps answering while the logins are in flight."""
    engine = make_engine(db_url)
    prefix = f"flood{time.monotonic_ns()}-"
    logins_n = 12

    def forget_failures() -> None:
        # Start and end with a clean per-address count (every browser test logs in from 127.0.0.1).
        with Session(engine) as s:
            s.exec(delete(LoginAttempt).where(LoginAttempt.address == "127.0.0.1", LoginAttempt.success == False))  # noqa: E712
            s.commit()

    async def flood() -> tuple[int, list[int], int]:
        async with httpx.AsyncClient(base_url=app_server, timeout=120) as client:
            await client.get("/api/health")  # warm up
            logins = [
                asyncio.create_task(
                    client.post(
                        "/api/login",
                        json={"username": f"{prefix}{i}", "password": "wrong-password"},
                        headers={"Origin": app_server},
                    )
                )
                for i in range(logins_n)
            ]
            answered = 0
            while not all(t.done() for t in logins):
                r = await client.get("/api/health")
                assert r.status_code == 200
                if not all(t.done() for t in logins):
                    answered += 1
            statuses = [t.result().status_code for t in logins]
            return answered, statuses, logins_n

    forget_failures()
    try:
        answered, statuses, n = asyncio.run(flood())
    finally:
        forget_failures()
    assert statuses == [401] * n  # every login was really checked (none throttled)
    # With the hashes on the event loop, each health answer waits for several of them; off the
    # loop, health answers many times while the (concurrency-capped) logins are still hashing.
    assert answered >= n, f"/api/health answered only {answered} times during {n} logins"


def test_pages_and_api_carry_security_headers(app_server):
    for path in ("/", "/login", "/api/health", "/api/me"):
        r = httpx.get(app_server + path)
        csp = r.headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp, path
        assert "connect-src" in csp and "ws://127.0.0.1:" in csp, path  # the LiveKit server
        assert r.headers.get("x-content-type-options") == "nosniff", path
        assert r.headers.get("referrer-policy") == "same-origin", path


def test_no_page_breaks_the_content_security_policy(app_server, db_url, page):
    """Every page, as an admin (who sees the most), loads with no CSP violation reported."""
    from tests.support.pages import fill_route, registered_pages

    make_user(db_url, "csp-admin", "admin", password="csp-admin-pw")
    violations: list[str] = []
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.add_init_script("""document.addEventListener('securitypolicyviolation',
        (e) => console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));""")
    login(page, app_server, "csp-admin", "csp-admin-pw")
    started = page.request.post(app_server + "/api/sessions", data={"persona_id": PERSONA_ID})
    assert started.status in (200, 201), started.text()
    session_id = str(started.json()["session_id"])
    for route in registered_pages():
        if route == "/logout":
            continue
        page.goto(app_server + fill_route(route, {"session_id": session_id, "persona_id": PERSONA_ID}))
        page.locator("#account-name").wait_for()
        page.wait_for_timeout(500)
    assert violations == [], "\n".join(dict.fromkeys(violations))
