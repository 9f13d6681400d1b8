"""Personal API tokens page state: list, revoke, and the outcome of creating one. Every handler
checks the login. A new token itself is created by `POST /api/tokens` and shown by the page's own
script (coach_app/pages/tokens.py): it never enters this state, which Reflex writes to disk."""

from __future__ import annotations

import reflex as rx

from coach_app.auth import tokens as tok
from coach_app.db import session_scope
from coach_app.state.auth import AuthState


def _fmt(dt) -> str:
    return dt.strftime("%Y-%m-%d %H:%M UTC") if dt else ""


class TokensState(rx.State):
    tokens: list[dict[str, str]] = []
    error: str = ""

    async def _user(self):
        auth = await self.get_state(AuthState)
        return auth.current_user()

    def _reload(self, user) -> None:
        with session_scope() as s:
            rows = tok.list_api_tokens(s, user)
        self.tokens = [
            {
                "id": str(r.id),
                "name": r.name,
                "prefix": r.prefix,
                "created": _fmt(r.created_at),
                "last_used": _fmt(r.last_used_at) or "never",
                "status": "revoked" if r.revoked_at else "active",
            }
            for r in rows
        ]

    @rx.event
    async def load(self):
        self.error = ""
        user = await self._user()
        if user is None:
            self.tokens = []
            return
        self._reload(user)

    @rx.event
    async def created(self, result: dict):
        """Callback of the page's `POST /api/tokens`: `{ok: true}` or `{ok: false, error}` (never the token)."""
        user = await self._user()
        if user is None:
            return rx.redirect("/login?next=%2Faccount%2Ftokens")
        result = result if isinstance(result, dict) else {}
        self.error = "" if result.get("ok") is True else str(result.get("error") or "The token was not created.")[:300]
        self._reload(user)

    @rx.event
    async def revoke(self, token_id: str):
        user = await self._user()
        if user is None:
            return rx.redirect("/login?next=%2Faccount%2Ftokens")
        try:
            tid = int(token_id)
        except (TypeError, ValueError):
            self.error = f"No token with id {token_id!r}."
            return
        with session_scope() as s:
            ok = tok.revoke_api_token(s, user, tid)
        self.error = "" if ok else f"No token with id {tid} among your tokens."
        self._reload(user)
