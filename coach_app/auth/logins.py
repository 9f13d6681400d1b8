"""Browser logins: a random token in a cookie, its sha256 in `auth_sessions`, and rate-limited login."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func
from sqlmodel import Session, delete, select

from coach_app.auth.users import authenticate, normalize_username
from coach_app.models import AuthSession, LoginAttempt, User, utcnow
from coach_app.settings import get_settings

COOKIE_NAME = "coach_session"
LOGIN_FAILED = "Wrong username or password."
LOGIN_THROTTLED = "Too many failed login attempts. Please wait a few minutes and try again."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def aware(dt: datetime) -> datetime:
    """SQLite hands back naive datetimes; every datetime we store is UTC."""
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def start_login(session: Session, user: User, address: str = "") -> str:
    """Create a browser login for `user`; returns the token for the cookie (never stored)."""
    token = secrets.token_urlsafe(32)
    ttl = timedelta(hours=get_settings().session_ttl_hours)
    session.add(AuthSession(user_id=user.id, token_hash=hash_token(token), expires_at=utcnow() + ttl,
                            address=(address or "")[:64]))
    session.flush()
    return token


def user_for_login_token(session: Session, token: str | None) -> User | None:
    """The active user a cookie token belongs to, or None (unknown, expired, or user deactivated)."""
    if not token or len(token) > 200:
        return None
    row = session.exec(select(AuthSession).where(AuthSession.token_hash == hash_token(token))).first()
    if row is None or aware(row.expires_at) <= utcnow():
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return user


def end_login(session: Session, token: str | None) -> None:
    if token:
        session.exec(delete(AuthSession).where(AuthSession.token_hash == hash_token(token)))


def purge_expired_logins(session: Session) -> None:
    session.exec(delete(AuthSession).where(AuthSession.expires_at < utcnow()))


# --- rate limiting -----------------------------------------------------------------------------

def _recent_failures(session: Session, since: datetime, **where: str) -> int:
    q = select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.success == False,  # noqa: E712
        LoginAttempt.created_at >= since,
    )
    for col, value in where.items():
        q = q.where(getattr(LoginAttempt, col) == value)
    return int(session.exec(q).one())


def is_throttled(session: Session, username: str, address: str) -> bool:
    """True when this account or this address has too many recent failures.

    Failures count from the later of (window start, last successful login of that account/address),
    so one good login clears the account's counter.
    """
    s = get_settings()
    window_start = utcnow() - timedelta(minutes=s.login_window_minutes)
    name = normalize_username(username)[:64]

    def since(**where: str) -> datetime:
        q = select(func.max(LoginAttempt.created_at)).where(LoginAttempt.success == True)  # noqa: E712
        for col, value in where.items():
            q = q.where(getattr(LoginAttempt, col) == value)
        last_ok = session.exec(q).one()
        return max(window_start, aware(last_ok)) if last_ok else window_start

    if name and _recent_failures(session, since(username=name), username=name) >= s.login_max_failures_per_account:
        return True
    addr = (address or "")[:64]
    if addr and _recent_failures(session, since(address=addr), address=addr) >= s.login_max_failures_per_address:
        return True
    return False


@dataclass
class LoginResult:
    user: User | None
    token: str | None
    error: str | None


def attempt_login(session: Session, username: str, password: str, address: str = "") -> LoginResult:
    """Check the rate limits, then the password; record the attempt; on success open a login.

    The error message is the same whether the username exists, the password is wrong or the
    account is deactivated.
    """
    name = normalize_username(username)[:64]
    addr = (address or "")[:64]
    if is_throttled(session, name, addr):
        return LoginResult(None, None, LOGIN_THROTTLED)
    user = authenticate(session, name, password)
    session.add(LoginAttempt(username=name, address=addr, success=user is not None))
    if user is None:
        session.flush()
        return LoginResult(None, None, LOGIN_FAILED)
    token = start_login(session, user, addr)
    return LoginResult(user, token, None)
