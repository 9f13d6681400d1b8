"""No configured secret reaches a browser.

The app is built and served with distinctive LiveKit / Groq / ElevenLabs secrets in its environment.
Then every file of the built client, every page's HTML, the JSON APIs and every websocket frame the
browser receives while a trainee, a manager and an admin use the app are scanned for those values.
"""

from __future__ import annotations

import contextlib
import gzip
import os
from pathlib import Path

import httpx
import pytest

from coach_app.db import migrate
from tests.conftest import start_reflex_app
from tests.support.auth import login, make_user
from tests.support.livekit import livekit_binary
from tests.support.pages import fill_route, registered_pages
from tests.support.procs import REPO, Proc, free_port

pytestmark = pytest.mark.e2e

# Fixed (not random) so a stale build from an earlier run would still be caught.
LK_KEY = "coachscankey"
LK_SECRET = "LKSECRET-scan-5f1e0c9a7b3d42e8a6c1f0d9b8e7a6c5"
GROQ_KEY = "gsk_GROQSCAN7d3f9a1c5e2b8d4f6a0c3e7b9d1f5a2c"
ELEVEN_KEY = "sk_ELEVENSCAN4b8e2a6c0d9f3b7e1a5c9d2f6b0e4a8c"
SECRETS = {"LIVEKIT_API_SECRET": LK_SECRET, "GROQ_API_KEY": GROQ_KEY, "ELEVEN_API_KEY": ELEVEN_KEY}


def _find(blob: bytes | str) -> list[str]:
    if isinstance(blob, str):
        blob = blob.encode("utf-8", "replace")
    return [name for name, value in SECRETS.items() if value.encode() in blob]


@pytest.fixture(scope="module")
def secret_app(run_dir: Path):
    """LiveKit with our distinctive secret + the app built and served with all three secrets set."""
    lk_port, lk_tcp = free_port(), free_port()
    udp = 53000 + (lk_port % 400) * 10
    cfg = run_dir / "livekit-secrets.yaml"
    cfg.write_text(
        f"""port: {lk_port}
bind_addresses: ["127.0.0.1"]
keys:
  {LK_KEY}: {LK_SECRET}
rtc:
  tcp_port: {lk_tcp}
  port_range_start: {udp}
  port_range_end: {udp + 9}
  use_external_ip: false
  node_ip: 127.0.0.1
"""
    )
    lk = Proc(
        "livekit-secrets", [livekit_binary(), "--config", str(cfg)], env={"PATH": "/usr/bin:/bin"}, log_dir=run_dir
    )
    db_url = f"sqlite:///{run_dir / 'secrets.db'}"
    migrate(db_url)
    web_dir = os.environ.get("COACH_TEST_WEB_DIR", ".web") + "-secrets"
    env = dict(os.environ)
    env.update(
        DATABASE_URL=db_url,
        PYTHONUNBUFFERED="1",
        LIVEKIT_URL=f"ws://127.0.0.1:{lk_port}",
        LIVEKIT_API_KEY=LK_KEY,
        **SECRETS,
    )
    try:
        app, base = start_reflex_app("app-secrets", env, run_dir, web_dir)
    except BaseException:
        lk.stop()
        raise
    try:
        yield base, db_url, REPO / web_dir, f"ws://127.0.0.1:{lk_port}"
    finally:
        app.stop()
        lk.stop()


def test_no_secret_in_built_client_files(secret_app):
    _base, _db, web_dir, _app = secret_app
    client = web_dir / "build" / "client"
    files = [p for p in client.rglob("*") if p.is_file()]
    assert sum(p.suffix == ".js" for p in files) >= 5, f"expected a built client in {client}"
    leaks = {}
    for p in files:
        data = p.read_bytes()
        if p.suffix == ".gz":
            data = gzip.decompress(data)
        if found := _find(data):
            leaks[str(p.relative_to(web_dir))] = found
    assert leaks == {}


def test_no_secret_in_pages_api_or_websocket_traffic(secret_app, browser):
    base, db_url, _web_dir, lk_url = secret_app
    make_user(db_url, "scan-trainee", "trainee", team="scan", password="scan-trainee-pw")
    make_user(db_url, "scan-manager", "manager", team="scan", password="scan-manager-pw")
    admin = make_user(db_url, "scan-admin", "admin", password="scan-admin-pw")
    # Proof the server has the secrets: LiveKit accepted the app's signed request (details: admins only).
    from sqlmodel import Session

    from coach_app.auth.tokens import create_api_token
    from coach_app.db import make_engine

    with Session(make_engine(db_url)) as s:
        _, admin_token = create_api_token(s, admin, "scan")
        s.commit()
    as_admin = {"Authorization": f"Bearer {admin_token}"}
    health = httpx.get(base + "/api/health", headers=as_admin, timeout=30).json()
    assert health["livekit"]["ok"] is True, health

    from coach_app.personas.catalogue import get_catalogue

    persona_id = sorted(get_catalogue().personas)[0]
    seen: list[tuple[str, bytes]] = []  # (where, content)
    seen.append(("/api/health", httpx.get(base + "/api/health").content))
    seen.append(("/api/health (admin)", httpx.get(base + "/api/health", headers=as_admin).content))

    for who, password in (
        ("scan-trainee", "scan-trainee-pw"),
        ("scan-manager", "scan-manager-pw"),
        ("scan-admin", "scan-admin-pw"),
    ):
        context = browser.new_context()
        page = context.new_page()
        page.set_default_timeout(20_000)
        responses: list = []
        page.on("response", lambda r, out=responses: out.append(r))
        page.on(
            "websocket",
            lambda ws: ws.on(
                "framereceived",
                lambda payload: seen.append(("ws", payload if isinstance(payload, bytes) else payload.encode())),
            ),
        )
        login(page, base, who, password)
        started = page.request.post(base + "/api/sessions", data={"persona_id": persona_id})
        assert started.status == 201, started.text()
        seen.append(("POST /api/sessions", started.body()))
        session_id = str(started.json()["session_id"])
        seen.append(("/api/me", page.request.get(base + "/api/me").body()))
        for route in registered_pages():
            if route in ("/logout",):
                continue
            url = base + fill_route(route, {"session_id": session_id, "persona_id": persona_id})
            page.goto(url)
            page.locator("#account-name").wait_for()  # hydrated, logged in
            page.wait_for_timeout(1500)  # let the page's on_load deltas arrive
        for r in responses:
            with contextlib.suppress(Exception):  # redirects and aborted requests have no body
                seen.append((r.url, r.body()))
        context.close()

    assert sum(1 for where, _ in seen if where == "ws") > 10, "expected websocket state deltas to scan"
    # Positive control: server-side configuration that is meant for the browser (the LiveKit URL for
    # the call page) does show up in what we scanned, so a leaked secret would have been seen too.
    assert any(lk_url.encode() in blob for where, blob in seen if where == "ws")
    leaks = [(where, _find(blob)) for where, blob in seen if _find(blob)]
    assert leaks == []
