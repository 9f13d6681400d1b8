"""HTTP routes for logging in and out and for creating API tokens (mounted by `coach_app.api.routes`).

POST /api/login   {"username", "password", "next"} -> 200 {"ok": true, "next": "/..."} and the
                  login cookie (HttpOnly, SameSite=Lax, Secure over https); 401 wrong, 429 throttled
POST /api/logout  ends the login and clears the cookie
POST /api/tokens  {"name"} -> 201 {"id", "name", "prefix", "token"}: the only time the token is shown

Secrets travel only in these HTTP responses (cookie header, JSON body), never through Reflex state,
which Reflex writes to disk.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from coach_app.auth import tokens as tok
from coach_app.auth.http import require_api_user, same_origin_or_none
from coach_app.auth.logins import (
    COOKIE_NAME,
    LOGIN_THROTTLED,
    attempt_login_async,
    cookie_max_age,
    end_login,
)
from coach_app.db import session_scope
from coach_app.settings import get_settings

MISSING_CREDENTIALS = "Enter your username and password."
CROSS_SITE = "Cross-site request refused."
NO_STORE = {"Cache-Control": "no-store"}


def safe_next(target: str | None) -> str:
    """Only a path on this site (`/x?y`): never `//host`, `/\\host`, a scheme, or control characters
    (browsers drop tabs and newlines, so `/\t/host` would become `//host`)."""
    if not target or len(target) > 2000 or not target.startswith("/"):
        return "/"
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    parts = urlsplit(target)
    if target.startswith("//") or parts.scheme or parts.netloc:
        return "/"
    if parts.path.rstrip("/") in ("/login", "/logout"):
        return "/"
    return target


_proxy_hops = 0


def configure_proxy_hops(hops: int) -> None:
    """Reflex's `trusted_proxy_hops` (coach_app/coach_app.py), so a login's address is the one the
    event websocket sees: X-Forwarded-For only through that many trusted proxies."""
    global _proxy_hops
    _proxy_hops = max(0, int(hops))


def client_address(request: Request) -> str:
    address = request.client.host if request.client else ""
    if _proxy_hops:
        forwarded = [ip.strip() for ip in request.headers.get("x-forwarded-for", "").split(",") if ip.strip()]
        if len(forwarded) >= _proxy_hops:
            address = forwarded[-_proxy_hops]
    return address


def cookie_is_secure(request: Request) -> bool:
    return get_settings().session_cookie_secure or request.url.scheme == "https"


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=NO_STORE)


async def _json_object(request: Request) -> dict[str, Any] | None:
    if not request.headers.get("content-type", "").startswith("application/json"):
        return None
    try:
        data = json.loads(await request.body() or b"")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


async def login(request: Request) -> Response:
    if not same_origin_or_none(request):
        return _error(403, CROSS_SITE)
    data = await _json_object(request)
    if data is None:
        return _error(422, 'Send a JSON object like {"username": "...", "password": "..."}.')
    username = str(data.get("username") or "")[:200]
    password = str(data.get("password") or "")[:1000]
    if not username.strip() or not password:
        return _error(422, MISSING_CREDENTIALS)
    result = await attempt_login_async(username, password, client_address(request))
    if result.error:
        return _error(429 if result.error == LOGIN_THROTTLED else 401, result.error)
    previous = request.cookies.get(COOKIE_NAME)
    if previous:
        await run_in_threadpool(_end, previous)
    response = JSONResponse(
        {"ok": True, "next": safe_next(str(data.get("next") or "")), "username": result.user.username}, headers=NO_STORE
    )
    response.set_cookie(
        COOKIE_NAME,
        result.token,
        max_age=cookie_max_age(),
        path="/",
        httponly=True,
        samesite="lax",
        secure=cookie_is_secure(request),
    )
    return response


def _end(token: str) -> None:
    with session_scope() as s:
        end_login(s, token)


async def logout(request: Request) -> Response:
    if not same_origin_or_none(request):
        return _error(403, CROSS_SITE)
    token = request.cookies.get(COOKIE_NAME)
    if token:
        await run_in_threadpool(_end, token)
    response = JSONResponse({"ok": True}, headers=NO_STORE)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=cookie_is_secure(request))
    return response


async def create_token(request: Request) -> Response:
    user = await require_api_user(request)  # a cookie-authenticated POST must come from our own pages
    data = await _json_object(request)
    if data is None:
        return _error(422, 'Send a JSON object like {"name": "nightly export"}.')

    def work() -> dict[str, Any]:
        with session_scope() as s:
            row, token = tok.create_api_token(s, user, str(data.get("name") or ""))
            return {"id": row.id, "name": row.name, "prefix": row.prefix, "token": token}

    try:
        created = await run_in_threadpool(work)
    except tok.TokenError as exc:
        return _error(422, str(exc))
    return JSONResponse(created, status_code=201, headers=NO_STORE)


routes: list[Route] = [
    Route("/api/login", login, methods=["POST"]),
    Route("/api/logout", logout, methods=["POST"]),
    Route("/api/tokens", create_token, methods=["POST"]),
]
