"""The app's own origins (scheme, host and port): the only pages that may use the API and the
event websocket with a login (CORS, cross-site write checks). No Reflex here.

`coach_app/coach_app.py` calls `configure(...)` with the URLs the app is served on before the
Reflex app is built; until then (e.g. tests driving the Starlette API alone) only a request's
own origin counts.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "[::1]")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}

_allowed: tuple[str, ...] = ()


def origin_of(url: str | None) -> str | None:
    """'https://Host:443/x' -> 'https://host'; None for anything that is not an http(s) URL."""
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def own_origins(urls: Iterable[str | None], extra: str = "") -> list[str]:
    """Origins of `urls` (the frontend and backend URLs) plus the comma-separated `extra`; an origin
    on a loopback name also counts under the other loopback names (same scheme and port)."""
    out: list[str] = []

    def add(origin: str | None) -> None:
        if origin and origin not in out:
            out.append(origin)

    for url in [*urls, *extra.split(",")]:
        origin = origin_of(url)
        add(origin)
        if origin is None:
            continue
        parts = urlsplit(origin)
        host = f"[{parts.hostname}]" if ":" in (parts.hostname or "") else parts.hostname
        if host in LOOPBACK_HOSTS:
            port = f":{parts.port}" if parts.port else ""
            for alias in LOOPBACK_HOSTS:
                add(f"{parts.scheme}://{alias}{port}")
    return out


def configure(origins: Iterable[str]) -> None:
    global _allowed
    _allowed = tuple(origins)


def allowed_origins() -> tuple[str, ...]:
    return _allowed


def is_own_origin(origin: str | None, request_url: str) -> bool:
    """Is `origin` (an Origin header) one of ours: configured, or the request's own origin?"""
    o = origin_of(origin)
    return o is not None and (o in _allowed or o == origin_of(request_url))
