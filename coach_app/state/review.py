"""State of the sessions tables: the manager's review `/review`, a trainee's page
`/review/trainees/[user_id]` and the trainee's own "My sessions" `/sessions`.

Access: review pages need a manager or admin (`access.is_manager`) and only ever list
`access.visible_sessions_clause(user)`; a trainee page also needs the trainee to be among
`access.visible_users_clause(user)`. "My sessions" lists the logged-in user's own sessions.
Every loader and handler re-reads the user from the database.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import reflex as rx
from sqlmodel import select

from coach_app.auth import access
from coach_app.db import session_scope
from coach_app.feedback.page_data import user_label
from coach_app.models import SessionStatus, User
from coach_app.review import export, table
from coach_app.review import trends as trend_data
from coach_app.state.auth import AuthState


def _parse_date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


ALL = "all"
STATUSES = [s.value for s in SessionStatus]


class SessionTableState(rx.State, mixin=True):
    """Paging and sorting shared by the tables (each page has its own substate)."""

    rows: list[table.SessionRow] = []
    total: int = 0
    page: int = 1
    pages: int = 1
    sort: str = "date"
    desc: bool = True
    page_error: str = ""
    loaded: bool = False

    @rx.var
    def page_label(self) -> str:
        return f"Page {self.page} of {self.pages} \u00b7 {self.total:,} session{'s' if self.total != 1 else ''}"

    @rx.var
    def has_prev(self) -> bool:
        return self.page > 1

    @rx.var
    def has_next(self) -> bool:
        return self.page < self.pages

    async def _viewer(self) -> User | None:
        """The logged-in user allowed to see this table (sets `page_error` otherwise)."""
        raise NotImplementedError

    def _filters(self) -> table.SessionFilters:
        raise NotImplementedError

    def _query(self, user: User) -> None:
        with session_scope() as db:
            pg = table.list_sessions(db, user, self._filters(), self.sort, self.desc, self.page)
        self.rows = pg.rows
        self.total, self.page, self.pages = pg.total, pg.page, pg.pages

    @rx.event
    async def sort_by(self, key: str):
        if key not in table.SORT_KEYS:
            return
        user = await self._viewer()
        if user is None:
            return
        if self.sort == key:
            self.desc = not self.desc
        else:
            self.sort, self.desc = key, key in ("date", "score", "duration")
        self.page = 1
        self._query(user)

    @rx.event
    async def go_page(self, delta: int):
        user = await self._viewer()
        if user is None:
            return
        self.page = max(1, min(self.pages, self.page + int(delta)))
        self._query(user)


async def _manager(state: rx.State) -> User | None:
    auth = await state.get_state(AuthState)
    user = auth.current_user()
    if not access.is_manager(user):
        state.page_error = "The review pages are for managers." if user else "Log in to review sessions."
        return None
    return user


class ReviewState(SessionTableState, rx.State):
    search: str = ""
    persona: str = ALL
    status: str = ALL
    result: str = ALL
    trainee_filter: str = ALL
    date_from: str = ""
    date_to: str = ""
    persona_options: list[table.Option] = []
    trainee_options: list[table.Option] = []
    filter_error: str = ""

    async def _viewer(self) -> User | None:
        user = await _manager(self)
        if user is None:
            self.rows = []
        return user

    def _filters(self) -> table.SessionFilters:
        return table.SessionFilters(
            search=self.search,
            persona_id="" if self.persona == ALL else self.persona,
            status="" if self.status not in STATUSES else self.status,
            result="" if self.result not in table.RESULTS else self.result,
            trainee_id=int(self.trainee_filter) if self.trainee_filter.isdigit() else None,
            date_from=_parse_date(self.date_from),
            date_to=_parse_date(self.date_to),
        )

    def _query(self, user: User) -> None:
        super()._query(user)
        self.loaded = True

    @rx.event
    async def load(self):
        self.page_error = ""
        self.filter_error = ""
        user = await self._viewer()
        if user is None:
            return
        with session_scope() as db:
            opts = table.filter_options(db, user)
        self.persona_options, self.trainee_options = opts["personas"], opts["trainees"]
        self._query(user)

    @rx.event
    async def apply_filters(self, form: dict[str, Any]):
        user = await self._viewer()
        if user is None:
            return
        self.filter_error = ""
        self.search = str(form.get("search") or "")[:100]
        for key in ("date_from", "date_to"):
            raw = str(form.get(key) or "")
            if raw and _parse_date(raw) is None:
                self.filter_error = f"'{raw[:20]}' is not a date (use YYYY-MM-DD)."
                return
            setattr(self, key, raw)
        if self.date_from and self.date_to and self.date_from > self.date_to:
            self.filter_error = "The 'from' date is after the 'to' date."
            return
        self.page = 1
        self._query(user)

    async def _set_and_query(self, **values: Any):
        user = await self._viewer()
        if user is None:
            return
        for k, v in values.items():
            setattr(self, k, v)
        self.page = 1
        self._query(user)

    @rx.event
    async def set_persona_filter(self, value: str):
        await self._set_and_query(persona=value)

    @rx.event
    async def set_status_filter(self, value: str):
        await self._set_and_query(status=value)

    @rx.event
    async def set_result_filter(self, value: str):
        await self._set_and_query(result=value)

    @rx.event
    async def set_trainee_filter(self, value: str):
        await self._set_and_query(trainee_filter=value)

    @rx.event
    async def reset_filters(self):
        await self._set_and_query(
            search="",
            persona=ALL,
            status=ALL,
            result=ALL,
            trainee_filter=ALL,
            date_from="",
            date_to="",
            filter_error="",
        )

    @rx.event
    async def export_csv(self):
        user = await self._viewer()
        if user is None:
            return
        with session_scope() as db:
            rows = table.all_sessions(db, user, self._filters(), self.sort, self.desc)
        return rx.download(data=export.sessions_csv(rows), filename="coach-sessions.csv", mime_type="text/csv")


def trainee_id_from_path(path: str) -> int | None:
    m = re.match(r"^/review/trainees/(\d{1,12})/?$", path or "")
    return int(m.group(1)) if m else None


class TraineeReviewState(SessionTableState, rx.State):
    trainee_id: int = 0
    trainee_name: str = ""
    trainee_team: str = ""
    overall_trend: list[dict[str, Any]] = []
    trends: list[trend_data.Trend] = []

    async def _viewer(self) -> User | None:
        return await _manager(self)

    def _filters(self) -> table.SessionFilters:
        return table.SessionFilters(trainee_id=self.trainee_id)

    @rx.event
    async def load(self):
        self.page_error = ""
        self.loaded = False
        self.rows, self.trends, self.overall_trend = [], [], []
        self.page, self.sort, self.desc = 1, "date", True
        user = await self._viewer()
        if user is None:
            return
        tid = trainee_id_from_path(self.router.url.path)
        with session_scope() as db:
            trainee = (
                db.exec(select(User).where(User.id == tid, access.visible_users_clause(user))).first() if tid else None
            )
            if trainee is None:
                self.page_error = f"There is no trainee {tid or ''} that you can review.".replace("  ", " ")
                return
            self.trainee_id = trainee.id
            self.trainee_name = user_label(trainee)
            self.trainee_team = trainee.team or ""
            overall, trends = trend_data.trends(db, user, trainee.id)
        self.overall_trend = overall
        self.trends = trends
        self._query(user)
        self.loaded = True


class MySessionsState(SessionTableState, rx.State):
    overall_trend: list[dict[str, Any]] = []
    trends: list[trend_data.Trend] = []
    _user_id: int = 0  # backend-only: the logged-in user, re-read by every handler

    async def _viewer(self) -> User | None:
        auth = await self.get_state(AuthState)
        user = auth.current_user()
        if user is None:
            self.page_error = "Log in to see your sessions."
        self._user_id = user.id if user else 0
        return user

    def _filters(self) -> table.SessionFilters:
        return table.SessionFilters(trainee_id=self._user_id)

    @rx.event
    async def load(self):
        self.page_error = ""
        self.loaded = False
        self.page, self.sort, self.desc = 1, "date", True
        user = await self._viewer()
        if user is None:
            self.rows, self.trends, self.overall_trend = [], [], []
            return
        with session_scope() as db:
            overall, trends = trend_data.trends(db, user, user.id)
        self.overall_trend = overall
        self.trends = trends
        self._query(user)
        self.loaded = True
