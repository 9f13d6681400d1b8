"""ASGI middleware around the whole backend (pages, `/api`, Reflex's event websocket).

- `SocketLoginRef`: Reflex keeps each websocket's request headers in its state, and writes that
  state to disk (`.states/*.pkl`). So before Reflex sees the connection, the login cookie is taken
  out of the `cookie` header and only its sha256 is passed on (header `x-coach-login`). The hash is
  what `auth_sessions` stores anyway; it is no use as a cookie or a bearer token.
- `SecurityHeaders`: CSP (`connect-src` = the app's origins and the LiveKit server,
  `frame-ancestors 'none'`), nosniff, Referrer-Policy, and HSTS when served over https.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from coach_app.auth.logins import COOKIE_NAME
from coach_app.auth.origins import allowed_origins
from coach_app.settings import get_settings

LOGIN_REF_HEADER = "x-coach-login"
EVENT_PATH = "/_event"  # Reflex's event endpoint (constants.Endpoint.EVENT)
_LOGIN_REF = LOGIN_REF_HEADER.encode()


def _strip_login_cookie(cookie: str) -> tuple[str, str | None]:
    """('a=1; coach_session=T; b=2') -> ('a=1; b=2', 'T')."""
    kept, token = [], None
    for part in cookie.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name == COOKIE_NAME:
            token = value.strip().strip('"') or token
        elif part.strip():
            kept.append(part.strip())
    return "; ".join(kept), token


def socket_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The headers a websocket connection is passed on with: no login cookie, its hash instead
    (any `x-coach-login` the client sent is dropped)."""
    out: list[tuple[bytes, bytes]] = []
    token = None
    for name, value in headers:
        if name == _LOGIN_REF:
            continue
        if name == b"cookie":
            rest, found = _strip_login_cookie(value.decode("latin-1"))
            token = found or token
            if rest:
                out.append((name, rest.encode("latin-1")))
            continue
        out.append((name, value))
    if token and len(token) <= 200:
        out.append((_LOGIN_REF, hashlib.sha256(token.encode()).hexdigest().encode()))
    return out


class SocketLoginRef:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # Every websocket (Reflex's event socket is the only one), and the event endpoint over
        # HTTP too in case Reflex is configured for long-polling.
        if scope["type"] == "websocket" or (
            scope["type"] == "http" and scope.get("path", "").rstrip("/").endswith(EVENT_PATH)
        ):
            scope = {**scope, "headers": socket_headers(list(scope.get("headers") or []))}
        await self.app(scope, receive, send)


def _ws(origin: str) -> str:
    return origin.replace("https://", "wss://", 1).replace("http://", "ws://", 1)


def _http(url: str) -> str:
    return url.replace("wss://", "https://", 1).replace("ws://", "http://", 1)


def connect_sources() -> list[str]:
    """Where pages may connect: the app's own origins (http and websocket) and the LiveKit server."""
    sources = ["'self'"]
    for origin in allowed_origins():
        if "[" not in origin:  # CSP has no syntax for IPv6 literals ('self' covers a page served on one)
            sources += [origin, _ws(origin)]
    lk = get_settings().lk_url.rstrip("/")
    parts = urlsplit(lk)
    lk_origin = f"{parts.scheme}://{parts.netloc}"
    sources += [lk_origin, _http(lk_origin)]
    host = parts.hostname or ""
    for cloud in ("livekit.cloud", "livekit.run"):  # LiveKit Cloud moves calls between regional hosts
        if host.endswith("." + cloud):
            sources += [f"wss://*.{cloud}", f"https://*.{cloud}"]
    return list(dict.fromkeys(sources))


def content_security_policy() -> str:
    directives = {
        "default-src": "'self'",
        # Reflex pages carry inline bootstrap scripts and run server-sent scripts with eval.
        "script-src": "'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src": "'self' 'unsafe-inline'",
        "img-src": "'self' data: blob:",
        "font-src": "'self' data:",
        "media-src": "'self' blob: mediastream:",
        "worker-src": "'self' blob:",
        "connect-src": " ".join(connect_sources()),
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{k} {v}" for k, v in directives.items())


class SecurityHeaders:
    def __init__(self, app: ASGIApp, policy: Callable[[], str] = content_security_policy) -> None:
        self.app = app
        self._policy = policy
        self._csp: str | None = None

    def _headers(self, secure: bool) -> dict[str, str]:
        if self._csp is None:  # built on first use: the origins are configured when the app is built
            self._csp = self._policy()
        headers = {
            "Content-Security-Policy": self._csp,
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "X-Frame-Options": "DENY",
        }
        if secure:
            headers["Strict-Transport-Security"] = "max-age=31536000"
        return headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        secure = scope.get("scheme") == "https" or get_settings().session_cookie_secure
        extra = self._headers(secure)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
