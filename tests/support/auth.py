"""Users and logins for tests: `make_user(db_url, ...)` and `login(page, base_url, ...)`."""

from __future__ import annotations

from sqlmodel import Session, select

from coach_app.auth.passwords import hash_password
from coach_app.auth.users import create_user, normalize_username
from coach_app.db import make_engine
from coach_app.models import Role, User

DEFAULT_PASSWORD = "correct horse battery staple"

_engines: dict[str, object] = {}


def _engine(db_url: str):
    if db_url not in _engines:
        _engines[db_url] = make_engine(db_url)
    return _engines[db_url]


def make_user(
    db_url: str,
    username: str,
    role: str | Role = "trainee",
    team: str | None = None,
    password: str = DEFAULT_PASSWORD,
    display_name: str = "",
) -> User:
    """Create the user (or, when it exists, reset it to exactly these values, active). Returns a detached User."""
    with Session(_engine(db_url), expire_on_commit=False) as s:
        existing = s.exec(select(User).where(User.username == normalize_username(username))).first()
        if existing is None:
            user = create_user(s, username, password, role=role, team=team, display_name=display_name)
        else:
            user = existing
            user.password_hash = hash_password(password)
            user.role = Role(role)
            user.team = team
            user.display_name = display_name
            user.is_active = True
            s.add(user)
        s.commit()
        s.refresh(user)
        return user


def login(page, base_url: str, username: str, password: str = DEFAULT_PASSWORD, next_path: str | None = None) -> None:
    """Log in through the real /login form and wait until the app has navigated away from it."""
    from urllib.parse import quote

    url = base_url + "/login" + (f"?next={quote(next_path, safe='')}" if next_path else "")
    page.goto(url)
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(password)
    page.locator("#login-submit").click()
    page.wait_for_url(lambda u: "/login" not in u, timeout=15_000, wait_until="commit")
    page.locator("#account-name").wait_for(state="visible")


def logout(page) -> None:
    page.locator("#logout-button").click()
    page.wait_for_url(lambda u: "/login" in u, timeout=15_000, wait_until="commit")
