"""Who is logged in, for every page. The browser holds only a random token (cookie `coach_session`);
each check looks it up server-side in `auth_sessions`. No user id from the browser is ever trusted.

Use in pages:   @rx.page(route=..., on_load=[AuthState.require_login, MyState.load])
Use in handlers: auth = await self.get_state(AuthState); user = auth.current_user()
                 (None -> not logged in; check access with coach_app.auth.access).
Note: a redirect from `require_login` does not stop later on_load events, so loaders must
check `current_user()` themselves too.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

import reflex as rx

from coach_app.auth import access
from coach_app.auth.logins import COOKIE_NAME, attempt_login, end_login, user_for_login_token
from coach_app.db import session_scope
from coach_app.models import User
from coach_app.settings import get_settings

_settings = get_settings()


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


class AuthState(rx.State):
    session_token: str = rx.Cookie(
        "",
        name=COOKIE_NAME,
        path="/",
        max_age=_settings.session_ttl_hours * 3600,
        same_site="lax",
        secure=_settings.session_cookie_secure or None,
    )
    # Filled from the database on every check; for display only.
    user_id: int = 0
    username: str = ""
    display_name: str = ""
    role: str = ""
    team: str = ""

    login_error: str = ""

    @rx.var
    def is_logged_in(self) -> bool:
        return self.user_id > 0

    @rx.var
    def is_manager(self) -> bool:
        return self.role in ("manager", "admin")

    @rx.var
    def is_admin(self) -> bool:
        return self.role == "admin"

    @rx.var
    def shown_name(self) -> str:
        return self.display_name or self.username

    def _show(self, user: User | None) -> None:
        self.user_id = user.id if user else 0
        self.username = user.username if user else ""
        self.display_name = user.display_name if user else ""
        self.role = user.role.value if user else ""
        self.team = (user.team or "") if user else ""

    def current_user(self) -> User | None:
        """The logged-in, active user (fresh from the database), or None."""
        with session_scope() as s:
            user = user_for_login_token(s, self.session_token)
        self._show(user)
        return user

    def _login_redirect(self):
        path = self.router.url.path or "/"
        query = self.router.url.query
        target = path + (f"?{query}" if query else "")
        return rx.redirect(f"/login?next={quote(target, safe='')}")

    @rx.event
    def refresh_user(self):
        """on_load for public pages: show who is logged in, redirect nobody."""
        self.current_user()

    @rx.event
    def require_login(self):
        if self.current_user() is None:
            return self._login_redirect()

    @rx.event
    def require_manager(self):
        user = self.current_user()
        if user is None:
            return self._login_redirect()
        if not access.is_manager(user):
            return rx.redirect("/forbidden")

    @rx.event
    def require_admin(self):
        user = self.current_user()
        if user is None:
            return self._login_redirect()
        if not access.is_admin(user):
            return rx.redirect("/forbidden")

    # --- login / logout pages ----------------------------------------------------------------
    def _next(self) -> str:
        return safe_next(self.router.url.query_parameters.get("next"))

    @rx.event
    def load_login_page(self):
        self.login_error = ""
        if self.current_user() is not None:
            return rx.redirect(self._next())

    @rx.event
    def login(self, form_data: dict):
        username = str(form_data.get("username") or "")[:200]
        password = str(form_data.get("password") or "")[:1000]
        if not username.strip() or not password:
            self.login_error = "Enter your username and password."
            return
        with session_scope() as s:
            end_login(s, self.session_token)
            result = attempt_login(s, username, password, self.router.session.client_ip)
            user = result.user
        if result.error:
            self.session_token = ""
            self._show(None)
            self.login_error = result.error
            return
        self.login_error = ""
        self.session_token = result.token
        self._show(user)
        return rx.redirect(self._next())

    @rx.event
    def logout(self):
        with session_scope() as s:
            end_login(s, self.session_token)
        self.session_token = ""
        self._show(None)
        return rx.redirect("/login")
