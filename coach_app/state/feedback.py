"""State of the feedback page `/sessions/[session_id]/feedback`.

Who may see it: the trainee who owns the session, managers of their team, admins
(`access.can_view_session`); comments, overrides and re-runs need `access.can_manage_session`.
Every loader and handler re-reads the user from the database and checks again.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import reflex as rx

from coach_app.auth import access
from coach_app.clock import utc
from coach_app.db import session_scope
from coach_app.feedback.evaluate import evaluate_session, latest_feedback
from coach_app.feedback.page_data import feedback_page_data
from coach_app.feedback.page_views import CALL_OPEN, WAITING, FeedbackPage, empty_page
from coach_app.feedback.score import score_text
from coach_app.models import ENDED_STATUSES, FeedbackStatus, PracticeSession, ReviewKind
from coach_app.review.actions import ReviewInputError, add_comment, override_score
from coach_app.state.auth import AuthState

logger = logging.getLogger("coach.feedback")

POLL_SECONDS = 1.0
WATCH_LIMIT_SECONDS = 600  # stop following after this long with nothing new (call over)
WATCH_MAX_SECONDS = 3 * 3600  # and in any case after this long (a call left open for hours)
# After a call ends the agent evaluates it; if nothing has started after this long, the page does.
AUTO_EVALUATE_AFTER = timedelta(seconds=20)
# Page states that change without the viewer doing anything: the page keeps polling in these.
WATCHED = (CALL_OPEN, WAITING, FeedbackStatus.running)


def _signature(ps: PracticeSession | None, fb) -> tuple:
    """What the page shows that the agent or an evaluation can change (compared on every poll)."""
    call = None if ps is None else (str(ps.status), ps.ended_at is not None)
    evaluation = None if fb is None else (fb.id, fb.status, bool(fb.analytics))
    return call, evaluation


def session_id_from_path(path: str) -> int | None:
    m = re.match(r"^/sessions/(\d{1,12})/feedback/?$", path or "")
    return int(m.group(1)) if m else None


class FeedbackState(rx.State):
    session_id: int = 0
    page_error: str = ""
    loaded: bool = False
    can_manage: bool = False

    # the whole page as `feedback_page_data` builds it (typed dicts: Reflex reads them field by field)
    page: FeedbackPage = empty_page()

    comment_draft: str = ""
    override_draft: str = ""
    override_reason: str = ""
    action_error: str = ""
    action_message: str = ""

    _watch_generation: int = 0
    _signature_seen: tuple = ()

    @rx.var
    def is_evaluating(self) -> bool:
        return self.page["evaluation"]["status"] in (FeedbackStatus.running, WAITING)

    @rx.var
    def comment_count(self) -> int:
        return sum(1 for a in self.page["actions"] if a["kind"] == ReviewKind.comment)

    # --- loading ----------------------------------------------------------------------------
    def _clear(self) -> None:
        self.page_error = ""
        self.loaded = False
        self.can_manage = False
        self.page = empty_page()
        self.action_error = ""
        self.action_message = ""
        self.comment_draft = ""
        self.override_draft = ""
        self.override_reason = ""

    async def _user(self):
        auth = await self.get_state(AuthState)
        return auth.current_user()

    def _may_view(self, user) -> bool:
        """The logged-in user may see this page's session (every handler asks, background ones too)."""
        with session_scope() as db:
            ps = db.get(PracticeSession, self.session_id) if self.session_id else None
            return ps is not None and access.can_view_session(user, ps)

    def _refresh(self, user) -> bool:
        """Re-read the session (access checked again). False when the page must show an error."""
        sid = self.session_id
        with session_scope() as db:
            ps = db.get(PracticeSession, sid) if sid else None
            if ps is None or not access.can_view_session(user, ps):
                # Same message for "missing" and "not yours": ids of other people's sessions stay private.
                self.page_error = f"There is no session {sid} that you can see."
                return False
            self.can_manage = access.can_manage_session(user, ps)
            data = feedback_page_data(db, ps, viewer_id=user.id, show_flags=self.can_manage)
            self._signature_seen = _signature(ps, latest_feedback(db, sid))
        self.page = data
        self.loaded = True
        return True

    @rx.event
    async def load(self):
        self._clear()
        sid = session_id_from_path(self.router.url.path)
        self.session_id = sid or 0
        user = await self._user()
        if user is None:
            self.page_error = "Log in to see this feedback."
            return
        if sid is None:
            self.page_error = "This is not a session address."
            return
        if self._refresh(user) and self._follow():
            return FeedbackState.watch

    @rx.event(background=True)
    async def watch(self):
        """Follow the session until its evaluation is final, refreshing the page on every change.

        The page is opened while the call is still live (right after End, before the agent has
        closed the session), while the evaluation is awaited or running, and when the analytics
        land before the judge's scores: each of these moves on by itself. One watcher per page
        load: a newer load (or another session) retires an older watcher, so a watcher that died
        with a backend restart can never block the next one.
        """
        async with self:
            if not self._may_view(await self._user()):
                return  # a forged event (anonymous, or someone else's session id): nothing to follow or start
            self._watch_generation += 1
            generation = self._watch_generation
            sid = self.session_id
            seen = self._signature_seen
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WATCH_LIMIT_SECONDS
        give_up = loop.time() + WATCH_MAX_SECONDS
        while loop.time() < min(deadline, give_up):
            await asyncio.sleep(POLL_SECONDS)
            with session_scope() as db:
                ps = db.get(PracticeSession, sid)
                fb = latest_feedback(db, sid)
                signature = _signature(ps, fb)
                if ps is not None and ps.status not in ENDED_STATUSES:
                    deadline = loop.time() + WATCH_LIMIT_SECONDS  # a live call may last a while
                start_auto = False
                if fb is None and ps is not None and ps.status in ENDED_STATUSES:
                    ended = utc(ps.ended_at) or utc(ps.created_at)
                    start_auto = ended < datetime.now(UTC) - AUTO_EVALUATE_AFTER
            if start_auto:
                # The agent did not evaluate this call (it may have crashed): do it here.
                asyncio.create_task(evaluate_session(sid))
            if signature == seen:
                continue
            seen = signature
            deadline = loop.time() + WATCH_LIMIT_SECONDS  # something happened: keep following
            async with self:
                if self._watch_generation != generation or self.session_id != sid:
                    return  # a newer load owns the page now
                if not self._refresh(await self._user()) or not self._follow():
                    return

    def _follow(self) -> bool:
        """Whether the page still changes by itself (call open, evaluation awaited or running)."""
        return self.page["evaluation"]["status"] in WATCHED

    # --- manager actions ----------------------------------------------------------------------
    def _manageable(self, user, db) -> PracticeSession | None:
        ps = db.get(PracticeSession, self.session_id) if self.session_id else None
        if ps is None or not access.can_manage_session(user, ps):
            self.action_error = "Only a manager of this trainee's team can do that."
            return None
        return ps

    @rx.event
    def set_comment_draft(self, value: str):
        self.comment_draft = value

    @rx.event
    def set_override_draft(self, value: str):
        self.override_draft = value

    @rx.event
    def set_override_reason(self, value: str):
        self.override_reason = value

    async def _manager_action(self, act) -> tuple[Any, Any] | None:
        """Run `act(db, user, session)` if the user manages this session: (user, its result), or None
        with the reason (no access, or input that cannot be recorded) in `action_error`."""
        self.action_error = self.action_message = ""
        user = await self._user()
        with session_scope() as db:
            ps = self._manageable(user, db)
            if ps is None:
                return None
            try:
                return user, act(db, user, ps)
            except ReviewInputError as exc:
                self.action_error = str(exc)
                return None

    @rx.event
    async def submit_comment(self):
        done = await self._manager_action(lambda db, user, ps: add_comment(db, user, ps, self.comment_draft))
        if done is None:
            return
        self.comment_draft = ""
        self.action_message = "Comment saved."
        self._refresh(done[0])

    @rx.event
    async def submit_override(self):
        done = await self._manager_action(
            lambda db, user, ps: override_score(db, user, ps, self.override_draft, self.override_reason)
        )
        if done is None:
            return
        user, ra = done
        self.override_draft = ""
        self.override_reason = ""
        self.action_message = f"Score set to {score_text(ra.new_score)} (was {score_text(ra.old_score)})."
        self._refresh(user)

    @rx.event(background=True)
    async def rerun(self):
        async with self:
            self.action_error = self.action_message = ""
            user = await self._user()
            sid = self.session_id
            with session_scope() as db:
                ps = self._manageable(user, db)
                if ps is None:
                    return
                if ps.status not in ENDED_STATUSES:
                    self.action_error = "The call has not ended yet; evaluate it when it is over."
                    return
            self.page["evaluation"]["status"] = FeedbackStatus.running.value
            user_id = user.id
        try:
            await evaluate_session(sid, requested_by=user_id)
        except Exception as exc:
            logger.exception("re-run of session %s failed", sid)
            async with self:
                self.action_error = f"The evaluation could not run: {exc}"
        async with self:
            if self.session_id == sid:
                self._refresh(await self._user())
                self.action_message = (
                    "Evaluation finished." if self.page["evaluation"]["status"] == FeedbackStatus.done else ""
                )
