"""Who is logged in, for every page. The browser holds only a random token in the HttpOnly cookie
`coach_session`, set and cleared by `POST /api/login` / `POST /api/logout` (coach_app/auth/routes.py).
The event websocket reaches Reflex with only the token's sha256 (coach_app/auth/middleware.py), and
each check looks that up in `auth_sessions`. No token and no user id from the browser is kept in
Reflex state (which Reflex writes to disk).

Use in pages:   @rx.page(route=..., on_load=[AuthState.require_login, MyState.load])
Use in handlers: auth = await self.get_state(AuthState); user = auth.current_user()
                 (None -> not logged in; check access with coach_app.auth.access).
Note: a redirect from `require_login` does not stop later on_load events, so loaders must
check `current_user()` themselves too.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import reflex as rx

from coach_app.auth import access
from coach_app.auth.logins import end_login_by_hash, user_for_login_hash
from coach_app.auth.middleware import LOGIN_REF_HEADER
from coach_app.auth.routes import safe_next
from coach_app.db import session_scope
from coach_app.models import User

__all__ = ["AuthState", "api_fetch_js", "backend_url_js", "safe_next"]

# Reflex's own rule (utils/state.js getBackendURL): a backend on a loopback name is reached under
# the page's host name, and over https on the page's port.
_BACKEND_JS = (
    "(() => {{ const u = new URL({api}); "
    "if (['localhost', '0.0.0.0', '::', '0:0:0:0:0:0:0:0'].includes(u.hostname)) {{ u.hostname = location.hostname; "
    "if (location.protocol === 'https:') {{ u.protocol = 'https:'; u.port = ''; }} }} return u; }})()"
)


def backend_url_js() -> str:
    """A JS expression: the backend's base URL as the browser reaches it (a `URL`)."""
    return _BACKEND_JS.format(api=json.dumps(rx.config.get_config().api_url))


def api_fetch_js(path: str, body_js: str = "{}") -> str:
    """A JS expression: POST JSON `body_js` to the backend's `path` with the login cookie; resolves to
    `{ok, status, data}` (the cookie and any secret stay in the browser, never in Reflex state)."""
    backend = backend_url_js()
    return (
        f"fetch(new URL({json.dumps(path)}, {backend}), {{method: 'POST', credentials: 'include', "
        f"headers: {{'Content-Type': 'application/json'}}, body: JSON.stringify({body_js})}})"
        ".then(async (r) => ({ok: r.ok, status: r.status, data: await r.json().catch(() => ({}))}))"
        ".catch(() => ({ok: false, status: 0, data: {error: 'The server could not be reached. Please try again.'}}))"
    )


class AuthState(rx.State):
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

    def _login_ref(self) -> str:
        """sha256 of this connection's login cookie (set by the middleware), or ""."""
        return self.router.headers.raw_headers.get(LOGIN_REF_HEADER, "")

    def current_user(self) -> User | None:
        """The logged-in, active user (fresh from the database), or None."""
        with session_scope() as s:
            user = user_for_login_hash(s, self._login_ref())
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
    def login_result(self, result: dict):
        """Callback of the login form's `POST /api/login` (coach_app/pages/login.py); on success the
        page has already navigated (a new websocket, now with the cookie)."""
        if not isinstance(result, dict) or result.get("ok"):
            self.login_error = ""
            return
        data = result.get("data") if isinstance(result.get("data"), dict) else {}
        self.login_error = str(data.get("error") or "Login failed. Please try again.")[:300]

    @rx.event
    def logout(self):
        """End the login at once, then let the browser clear its cookie and open /login."""
        with session_scope() as s:
            end_login_by_hash(s, self._login_ref())
        self._show(None)
        return rx.call_script(f"{api_fetch_js('/api/logout')}.finally(() => window.location.assign('/login'))")
