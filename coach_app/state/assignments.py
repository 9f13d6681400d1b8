"""State of assignments: the manager's `/manage/assignments` (list + new), a board
`/manage/assignments/[assignment_id]`, and "Assigned to you" on the trainee's home and catalogue.

Managing needs `access.can_manage_assignment` (admins, the team's managers); every loader and
handler re-reads the user. A trainee's "Assigned to you" lists only their own rows.
"""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import select

from coach_app.auth import access
from coach_app.clock import when_text
from coach_app.db import session_scope
from coach_app.feedback.score import score_text
from coach_app.models import Assignment, Role, User
from coach_app.programmes import assignments, scenarios
from coach_app.state.auth import AuthState


@dataclasses.dataclass
class BoardLine:
    trainee: str = ""
    scenario: str = ""
    scenario_name: str = ""
    status: str = ""  # a Status value
    status_label: str = ""
    best: str = ""
    attempts: str = ""
    required: str = ""
    due: str = ""
    title: str = ""


@dataclasses.dataclass
class AssignmentLine:
    id: int = 0
    title: str = ""
    scenarios: str = ""
    who: str = ""
    due: str = ""


@dataclasses.dataclass
class Choice:
    value: str = ""
    label: str = ""


def _line(a: Assignment, r: assignments.BoardRow) -> BoardLine:
    p = r.progress
    attempts = str(p.attempts) if a.max_attempts is None else f"{p.attempts} of {a.max_attempts}"
    return BoardLine(
        trainee=r.trainee,
        scenario=r.scenario,
        scenario_name=r.scenario_name,
        status=p.status.value,
        status_label=p.status.label,
        best=score_text(p.best_score),
        attempts=attempts,
        required=score_text(r.required),
        due=when_text(a.due_at),
        title=a.title or r.scenario_name,
    )


class AssignedState(rx.State):
    """'Assigned to you' (home and catalogue): the signed-in user's rows, soonest due first."""

    assigned: list[BoardLine] = []

    @rx.event
    async def load(self):
        auth = await self.get_state(AuthState)
        user = auth.current_user()
        self.assigned = []
        if user is None:
            return
        with session_scope() as db:
            lines = [
                _line(a, r)
                for a in assignments.visible(db, user)
                if assignments.is_assigned(a, user)
                for r in assignments.board(db, a, only=user)
            ]
        self.assigned = lines


class AssignmentsState(rx.State):
    rows: list[AssignmentLine] = []
    scenario_choices: list[Choice] = []
    trainee_choices: list[Choice] = []
    # the new-assignment form
    chosen_scenarios: list[str] = []
    chosen_trainees: list[str] = []
    whole_team: bool = True
    due: str = ""
    required_score: str = ""
    max_attempts: str = ""
    title: str = ""
    team: str = ""  # admins name the team; a manager's is their own
    form_error: str = ""
    loaded: bool = False

    async def _manager(self) -> User | None:
        auth = await self.get_state(AuthState)
        user = auth.current_user()
        return user if access.is_manager(user) else None

    @rx.event
    async def load(self):
        user = await self._manager()
        self.loaded = False
        if user is None:
            return
        with session_scope() as db:
            self.rows = [
                AssignmentLine(
                    id=a.id,
                    title=a.title or "(untitled)",
                    scenarios=", ".join(a.scenario_slugs),
                    who="whole team " + (a.team or "") if a.whole_team else f"{len(a.trainee_ids)} trainee(s)",
                    due=when_text(a.due_at),
                )
                for a in assignments.visible(db, user)
                if access.can_manage_assignment(user, a)
            ]
            probe = User(id=0, username="", password_hash="", role=Role.trainee, team=user.team)
            self.scenario_choices = [
                Choice(c.record.slug, f"{c.persona.scenario.name} ({c.record.slug})")
                for c in scenarios.catalogue(db, probe if user.team else user)
            ]
            q = select(User).where(User.role == Role.trainee, User.is_active == True)  # noqa: E712 - SQL comparison
            q = q if access.is_admin(user) else q.where(User.team == user.team)
            self.trainee_choices = [
                Choice(str(u.id), f"{u.display_name or u.username} ({u.team or 'no team'})")
                for u in db.exec(q.order_by(User.team, User.username)).all()
            ]
        self.loaded = True

    @rx.event
    def toggle_scenario(self, slug: str, on: bool):
        chosen = [s for s in self.chosen_scenarios if s != slug]
        self.chosen_scenarios = [*chosen, slug] if on else chosen

    @rx.event
    def toggle_trainee(self, user_id: str, on: bool):
        chosen = [s for s in self.chosen_trainees if s != user_id]
        self.chosen_trainees = [*chosen, user_id] if on else chosen

    @rx.event
    def set_whole_team(self, on: bool):
        self.whole_team = bool(on)

    @rx.event
    def set_form(self, key: str, value: str):
        if key in ("due", "required_score", "max_attempts", "title", "team"):
            setattr(self, key, str(value)[:120])

    @rx.event
    async def create(self):
        user = await self._manager()
        if user is None:
            return rx.redirect("/forbidden")
        self.form_error = ""
        with session_scope() as db:
            try:
                a = assignments.create(
                    db,
                    user,
                    scenario_slugs=self.chosen_scenarios,
                    trainee_ids=[int(i) for i in self.chosen_trainees if i.isdigit()],
                    whole_team=self.whole_team,
                    due=self.due,
                    required_score=self.required_score,
                    max_attempts=self.max_attempts,
                    title=self.title,
                    team=self.team.strip() or None,
                )
            except assignments.AssignmentInvalid as exc:
                self.form_error = str(exc)
                return
            new_id = a.id
        return rx.redirect(f"/manage/assignments/{new_id}")


class BoardState(rx.State):
    assignment_id: int = 0
    title: str = ""
    due: str = ""
    lines: list[BoardLine] = []
    page_error: str = ""

    async def _load(self) -> tuple[Assignment, list[assignments.BoardRow]] | None:
        auth = await self.get_state(AuthState)
        user = auth.current_user()
        raw = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        with session_scope() as db:
            a = db.get(Assignment, int(raw)) if raw.isdigit() and len(raw) < 12 else None
            if a is None or not access.can_manage_assignment(user, a):
                return None
            return a, assignments.board(db, a)

    @rx.event
    async def load(self):
        self.page_error, self.lines = "", []
        found = await self._load()
        if found is None:
            self.page_error = "No assignment that you manage here."
            return
        a, rows = found
        self.assignment_id, self.title, self.due = a.id, a.title or "Assignment", when_text(a.due_at)
        self.lines = [_line(a, r) for r in rows]

    @rx.event
    async def export_csv(self):
        found = await self._load()
        if found is None:
            return rx.redirect("/forbidden")
        a, rows = found
        return rx.download(data=assignments.board_csv(a, rows), filename=f"assignment-{a.id}.csv", mime_type="text/csv")
