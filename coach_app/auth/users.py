"""Creating, finding and changing users. Operators use these through `coach users ...`."""

from __future__ import annotations

import re

from sqlmodel import Session, select

from coach_app.auth.passwords import hash_password, needs_rehash, verify_password
from coach_app.models import Role, User

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
TEAM_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")


class UserError(ValueError):
    """A problem an operator can fix (bad name, duplicate, unknown user...)."""


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()


def validate_username(username: str) -> str:
    name = normalize_username(username)
    if not USERNAME_RE.match(name):
        raise UserError(
            f"Invalid username {username!r}: use 1-64 lowercase letters, digits, '.', '_' or '-', "
            "starting with a letter or digit."
        )
    return name


def parse_role(role: str | Role) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise UserError(f"Unknown role {role!r}: use one of {', '.join(r.value for r in Role)}.") from None


def validate_team(team: str | None) -> str | None:
    if team is None or not team.strip():
        return None
    team = team.strip()
    if not TEAM_RE.match(team):
        raise UserError(f"Invalid team name {team!r}: 1-64 letters, digits, spaces, '.', '_' or '-'.")
    return team


def get_user_by_username(session: Session, username: str) -> User | None:
    return session.exec(select(User).where(User.username == normalize_username(username))).first()


def create_user(
    session: Session,
    username: str,
    password: str,
    role: str | Role = Role.trainee,
    team: str | None = None,
    display_name: str = "",
) -> User:
    """Create and flush a user (the caller's session commits). Raises UserError / PasswordPolicyError."""
    name = validate_username(username)
    role = parse_role(role)
    team = validate_team(team)
    if get_user_by_username(session, name) is not None:
        raise UserError(f"A user named {name!r} already exists.")
    if role == Role.manager and team is None:
        raise UserError("A manager needs a team (--team): managers see the sessions of their team.")
    user = User(
        username=name,
        display_name=(display_name or "").strip()[:120],
        password_hash=hash_password(password),
        role=role,
        team=team,
        is_active=True,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    """The active user with this username and password, else None (no reason given, by design)."""
    user = get_user_by_username(session, username)
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
        session.add(user)
    return user


def list_users(session: Session) -> list[User]:
    return list(session.exec(select(User).order_by(User.username)).all())


def _require(session: Session, username: str) -> User:
    user = get_user_by_username(session, username)
    if user is None:
        raise UserError(f"No user named {normalize_username(username)!r}.")
    return user


def set_role(session: Session, username: str, role: str | Role, team: str | None = None) -> User:
    user = _require(session, username)
    user.role = parse_role(role)
    if team is not None:
        user.team = validate_team(team)
    if user.role == Role.manager and not user.team:
        raise UserError("A manager needs a team (--team).")
    session.add(user)
    session.flush()
    return user


def set_password(session: Session, username: str, password: str) -> User:
    """A new password ends every browser login and revokes every API token of the user
    (whoever knew the old password may have made them)."""
    user = _require(session, username)
    user.password_hash = hash_password(password)
    session.add(user)
    revoke_all_logins(session, user)
    revoke_all_api_tokens(session, user)
    session.flush()
    return user


def deactivate(session: Session, username: str) -> User:
    """Deactivated users cannot log in; their browser logins and API tokens stop working at once."""
    user = _require(session, username)
    user.is_active = False
    session.add(user)
    revoke_all_logins(session, user)
    session.flush()
    return user


def activate(session: Session, username: str) -> User:
    user = _require(session, username)
    user.is_active = True
    session.add(user)
    session.flush()
    return user


def revoke_all_api_tokens(session: Session, user: User) -> None:
    from coach_app.models import ApiToken, utcnow

    for row in session.exec(select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at == None)).all():  # noqa: E711
        row.revoked_at = utcnow()
        session.add(row)


def revoke_all_logins(session: Session, user: User) -> None:
    from coach_app.models import AuthSession

    for row in session.exec(select(AuthSession).where(AuthSession.user_id == user.id)).all():
        session.delete(row)
