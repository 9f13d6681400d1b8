"""Authentication for plain Starlette routes (`coach_app/api/routes.py`).

`user = await require_api_user(request)` accepts either `Authorization: Bearer <personal API token>`
or the browser's login cookie. It raises `HTTPException(401)`; `coach_app/api/routes.py` turns
HTTPExceptions into JSON `{"error": ...}` responses.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request

from coach_app.auth.logins import COOKIE_NAME, user_for_login_token
from coach_app.auth.origins import is_own_origin
from coach_app.auth.tokens import user_for_api_token
from coach_app.db import session_scope
from coach_app.models import User

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _lookup(bearer: str | None, cookie: str | None) -> User | None:
    with session_scope() as s:
        if bearer is not None:
            return user_for_api_token(s, bearer)
        return user_for_login_token(s, cookie)


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise HTTPException(
            401, "Malformed Authorization header: expected 'Bearer <token>'.", headers={"WWW-Authenticate": "Bearer"}
        )
    return value.strip()


def same_origin_or_none(request: Request) -> bool:
    """Cookie-authenticated writes must come from our own pages: the Origin header, when there is
    one, must be one of the app's origins (scheme, host and port all equal). A page on another
    port or a sibling subdomain is same-site for cookies, so SameSite alone does not stop it."""
    origin = request.headers.get("origin")
    if not origin:
        return True  # non-browser clients (browsers send Origin on every POST)
    return is_own_origin(origin, str(request.url))


async def optional_api_user(request: Request) -> User | None:
    bearer = _bearer(request)
    cookie = request.cookies.get(COOKIE_NAME)
    if bearer is None and not cookie:
        return None
    user = await run_in_threadpool(_lookup, bearer, cookie)
    if user is not None and bearer is None and request.method in UNSAFE_METHODS and not same_origin_or_none(request):
        raise HTTPException(403, "Cross-site request refused.")
    return user


async def require_api_user(request: Request) -> User:
    user = await optional_api_user(request)
    if user is None:
        raise HTTPException(
            401,
            "Authentication required: send 'Authorization: Bearer <API token>' (create one at /account/tokens).",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user
