"""Browser logins: a random token in an HttpOnly cookie, its sha256 in `auth_sessions`, and
rate-limited login.

A login ends at the earlier of its absolute lifetime (SESSION_TTL_HOURS from the login) and its
idle deadline (SESSION_IDLE_MINUTES after it was last used); each use pushes the idle deadline on.
`auth_sessions.expires_at` holds whichever comes first.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
import secrets
import weakref
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, delete, select

from coach_app.auth.users import authenticate, normalize_username
from coach_app.clock import utc
from coach_app.models import AuthSession, LoginAttempt, User, utcnow
from coach_app.settings import get_settings

COOKIE_NAME = "coach_session"
LOGIN_FAILED = "Wrong username or password."
LOGIN_THROTTLED = "Too many failed login attempts. Please wait a few minutes and try again."
# Argon2 hashes at once per backend process: each takes ~0.5 s of a core and 64 MiB.
HASH_CONCURRENCY = 2
# The idle deadline is written back at most this often (not on every page event).
SLIDE_STEP = timedelta(seconds=60)
# Login attempts are kept this long (or the throttle window, if longer), then purged.
ATTEMPT_RETENTION = timedelta(days=1)
_HASH_RE = re.compile(r"^[0-9a-f]{64}$")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _deadline(created: datetime, now: datetime) -> datetime:
    s = get_settings()
    return min(created + timedelta(hours=s.session_ttl_hours), now + timedelta(minutes=s.session_idle_minutes))


def cookie_max_age() -> int:
    """Seconds the browser keeps the cookie: the absolute lifetime (the server enforces idleness)."""
    return get_settings().session_ttl_hours * 3600


def start_login(session: Session, user: User, address: str = "") -> str:
    """Create a browser login for `user`; returns the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    session.add(
        AuthSession(
            user_id=user.id,
            token_hash=hash_token(token),
            created_at=now,
            expires_at=_deadline(now, now),
            address=(address or "")[:64],
        )
    )
    session.flush()
    return token


def user_for_login_hash(session: Session, token_hash: str | None) -> User | None:
    """The active user of the login whose token hashes to `token_hash`, or None (unknown, expired,
    idle too long, or user deactivated). A successful check pushes the idle deadline on."""
    if not token_hash or not _HASH_RE.match(token_hash):
        return None
    row = session.exec(select(AuthSession).where(AuthSession.token_hash == token_hash)).first()
    now = utcnow()
    if row is None or utc(row.expires_at) <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    slid = _deadline(utc(row.created_at), now)
    if slid - utc(row.expires_at) >= SLIDE_STEP:
        row.expires_at = slid
        session.add(row)
    return user


def user_for_login_token(session: Session, token: str | None) -> User | None:
    """The active user a cookie token belongs to, or None."""
    if not token or len(token) > 200:
        return None
    return user_for_login_hash(session, hash_token(token))


def end_login(session: Session, token: str | None) -> None:
    if token:
        end_login_by_hash(session, hash_token(token))


def end_login_by_hash(session: Session, token_hash: str | None) -> None:
    if token_hash:
        session.exec(delete(AuthSession).where(AuthSession.token_hash == token_hash))


def purge_expired(session: Session) -> None:
    """Drop ended logins and login attempts older than the throttle needs (and a day for audit)."""
    now = utcnow()
    session.exec(delete(AuthSession).where(AuthSession.expires_at < now))
    keep = max(ATTEMPT_RETENTION, timedelta(minutes=get_settings().login_window_minutes))
    session.exec(delete(LoginAttempt).where(LoginAttempt.created_at < now - keep))


# --- rate limiting -----------------------------------------------------------------------------


def _recent_failures(session: Session, since: datetime, **where: str) -> int:
    q = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.success == False,  # noqa: E712
            LoginAttempt.created_at >= since,
        )
    )
    for col, value in where.items():
        q = q.where(getattr(LoginAttempt, col) == value)
    return int(session.exec(q).one())


def is_throttled(session: Session, username: str, address: str) -> bool:
    """True when this account or this address has too many recent failures.

    An account's failures count from the later of the window start and its last successful
    login (so its owner logging in clears it). An address's failures count over the whole
    window: a successful login never clears them, or one own account would allow unlimited
    guessing at everybody else's.
    """
    s = get_settings()
    window_start = utcnow() - timedelta(minutes=s.login_window_minutes)
    name = normalize_username(username)[:64]
    if name:
        last_ok = session.exec(
            select(func.max(LoginAttempt.created_at)).where(LoginAttempt.success == True, LoginAttempt.username == name)  # noqa: E712
        ).one()
        since = max(window_start, utc(last_ok)) if last_ok else window_start
        if _recent_failures(session, since, username=name) >= s.login_max_failures_per_account:
            return True
    addr = (address or "")[:64]
    return bool(addr) and _recent_failures(session, window_start, address=addr) >= s.login_max_failures_per_address


@dataclass
class LoginResult:
    user: User | None
    token: str | None
    error: str | None


def attempt_login(session: Session, username: str, password: str, address: str = "") -> LoginResult:
    """Check the rate limits, then the password; record the attempt; on success open a login.

    The error message is the same whether the username exists, the password is wrong or the
    account is deactivated. Blocking (Argon2): from async code use `attempt_login_async`.
    """
    name = normalize_username(username)[:64]
    addr = (address or "")[:64]
    if is_throttled(session, name, addr):
        return LoginResult(None, None, LOGIN_THROTTLED)
    user = authenticate(session, name, password)
    # Writes only after the (slow) hash: the database's write lock is never held while hashing.
    purge_expired(session)
    session.add(LoginAttempt(username=name, address=addr, success=user is not None))
    if user is None:
        session.flush()
        return LoginResult(None, None, LOGIN_FAILED)
    token = start_login(session, user, addr)
    return LoginResult(user, token, None)


_hash_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = weakref.WeakKeyDictionary()


def _slots() -> asyncio.Semaphore:
    """One semaphore per event loop (an asyncio primitive belongs to one loop)."""
    loop = asyncio.get_running_loop()
    if loop not in _hash_slots:
        _hash_slots[loop] = asyncio.Semaphore(HASH_CONCURRENCY)
    return _hash_slots[loop]


def _throttled_now(username: str, address: str) -> bool:
    from coach_app.db import session_scope

    with session_scope() as s:
        return is_throttled(s, username, address)


def _attempt_now(username: str, password: str, address: str) -> LoginResult:
    from coach_app.db import session_scope

    with session_scope() as s:
        return attempt_login(s, username, password, address)


async def attempt_login_async(username: str, password: str, address: str = "") -> LoginResult:
    """`attempt_login` off the event loop: the throttle is checked first (no hash for a refused
    attempt), then at most HASH_CONCURRENCY attempts hash at once in worker threads while the
    rest wait without holding a thread. The throttle is checked again once a slot is free."""
    if await asyncio.to_thread(_throttled_now, username, address):
        return LoginResult(None, None, LOGIN_THROTTLED)
    async with _slots():
        return await asyncio.to_thread(_attempt_now, username, password, address)
