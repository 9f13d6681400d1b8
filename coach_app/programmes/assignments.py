"""Assignments: a manager asks trainees to pass scenarios by a date (no Reflex here).

The status per trainee and scenario comes from `assignment_status.progress` (the one rule); this
module gathers the attempts (sessions of the scenario started after the assignment was made, their
effective scores with manager overrides) and writes the board and its CSV.
Access: `access.can_manage_assignment` / `can_see_assignment` (the caller checks).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from sqlmodel import Session, select

from coach_app.auth import access
from coach_app.clock import utc, when_text
from coach_app.feedback.score import current_score, score_text
from coach_app.models import PASS_MARK_DEFAULT, Assignment, EndReason, PracticeSession, Role, User, utcnow
from coach_app.programmes import scenarios
from coach_app.programmes.assignment_status import Attempt, Progress, progress

# Sessions that never became a practice attempt (replaced by another Start, ended before the persona
# came, never joined at all).
_NOT_ATTEMPTS = (EndReason.replaced.value, EndReason.ended_before_agent_joined.value, EndReason.never_started.value)
TITLE_MAX = 120


class AssignmentInvalid(ValueError):
    def __init__(self, field: str, message: str):
        self.field, self.message = field, message
        super().__init__(f"{field}: {message}")


@dataclass
class BoardRow:
    trainee_id: int
    trainee: str
    scenario: str  # slug
    scenario_name: str
    required: float
    progress: Progress

    def as_dict(self) -> dict[str, Any]:
        p = self.progress
        return {
            "trainee_id": self.trainee_id,
            "trainee": self.trainee,
            "scenario": self.scenario,
            "scenario_name": self.scenario_name,
            "required_score": self.required,
            "status": p.status.value,
            "best_score": p.best_score,
            "attempts": p.attempts,
            "attempts_left": p.attempts_left,
        }


def parse_due(raw: Any) -> datetime:
    """An ISO date (due at the end of that day, UTC) or date-time."""
    text = str(raw or "").strip()
    if not text:
        raise AssignmentInvalid("due", "a due date is required (YYYY-MM-DD)")
    try:
        if len(text) == 10:
            return datetime.combine(datetime.fromisoformat(text).date(), time(23, 59, 59), tzinfo=UTC)
        return utc(datetime.fromisoformat(text))
    except ValueError:
        raise AssignmentInvalid("due", f"'{text[:30]}' is not a date; write YYYY-MM-DD") from None


def _number(raw: Any, field: str, low: float, high: float, whole: bool = False) -> float | int | None:
    if raw is None or str(raw).strip() == "":
        return None
    try:
        value = float(str(raw).strip())
    except ValueError:
        raise AssignmentInvalid(field, f"'{str(raw)[:20]}' is not a number") from None
    if not low <= value <= high or (whole and not value.is_integer()):
        kind = "a whole number" if whole else "a number"
        raise AssignmentInvalid(field, f"must be {kind} from {low:g} to {high:g}")
    return int(value) if whole else value


def create(
    db: Session,
    actor: User,
    *,
    scenario_slugs: list[str],
    due: Any,
    trainee_ids: list[int] | None = None,
    whole_team: bool = False,
    required_score: Any = None,
    max_attempts: Any = None,
    title: str = "",
    team: str | None = None,
) -> Assignment:
    """A manager's assignment for their team (an admin names the team). Raises AssignmentInvalid
    (field and problem) or PermissionError."""
    if not access.is_manager(actor):
        raise PermissionError("only managers and admins can assign scenarios")
    team = team if access.is_admin(actor) else actor.team
    if not team:
        raise AssignmentInvalid("team", "an assignment belongs to a team: name one")
    slugs = list(dict.fromkeys(s for s in scenario_slugs or [] if s))
    if not slugs:
        raise AssignmentInvalid("scenarios", "choose at least one scenario")
    probe = User(id=0, username="", password_hash="", role=Role.trainee, team=team)
    for slug in slugs:
        if scenarios.find_persona(db, slug, probe) is None:
            raise AssignmentInvalid("scenarios", f"no scenario '{slug}' that team {team} can practise")
    team_trainees = {u.id for u in db.exec(select(User).where(User.team == team, User.role == Role.trainee)).all()}
    ids = [] if whole_team else list(dict.fromkeys(int(i) for i in trainee_ids or []))
    if not whole_team and not ids:
        raise AssignmentInvalid("trainees", "choose trainees or the whole team")
    strangers = [i for i in ids if i not in team_trainees]
    if strangers:
        raise AssignmentInvalid("trainees", f"user {strangers[0]} is not a trainee of team {team}")
    a = Assignment(
        title=(title or "").strip()[:TITLE_MAX],
        team=team,
        scenario_slugs=slugs,
        trainee_ids=ids,
        whole_team=whole_team,
        due_at=parse_due(due),
        required_score=_number(required_score, "required_score", 0, 100),
        max_attempts=_number(max_attempts, "max_attempts", 1, 100, whole=True),
        created_by=actor.id,
    )
    db.add(a)
    db.commit()
    db.refresh(a)
    return a


def assignees(db: Session, a: Assignment) -> list[User]:
    q = select(User).where(User.role == Role.trainee, User.is_active == True)  # noqa: E712 - SQL comparison
    q = q.where(User.team == a.team) if a.whole_team else q.where(User.id.in_(a.trainee_ids or [-1]))
    return list(db.exec(q.order_by(User.display_name, User.username)).all())


def is_assigned(a: Assignment, user: User) -> bool:
    return (a.whole_team and user.team == a.team and user.role == Role.trainee) or user.id in (a.trainee_ids or [])


def visible(db: Session, user: User) -> list[Assignment]:
    """Every assignment `user` manages or is assigned, newest due date last."""
    rows = db.exec(select(Assignment).order_by(Assignment.due_at, Assignment.id)).all()
    return [a for a in rows if access.can_manage_assignment(user, a) or is_assigned(a, user)]


def _attempts(db: Session, a: Assignment, user_id: int, slug: str) -> list[Attempt]:
    sessions = db.exec(
        select(PracticeSession).where(PracticeSession.user_id == user_id, PracticeSession.persona_id == slug)
    ).all()
    since = utc(a.created_at)
    return [
        Attempt(started_at=utc(ps.created_at), score=current_score(db, ps))
        for ps in sessions
        if utc(ps.created_at) >= since and ps.end_reason not in _NOT_ATTEMPTS
    ]


def required_for(db: Session, a: Assignment, slug: str) -> float:
    if a.required_score is not None:
        return a.required_score
    persona = scenarios.find_persona(db, slug)
    return float(persona.pass_mark) if persona else PASS_MARK_DEFAULT


def board(db: Session, a: Assignment, now: datetime | None = None, only: User | None = None) -> list[BoardRow]:
    """One row per trainee and scenario (`only`: that trainee's rows)."""
    now = now or utcnow()
    people = [only] if only is not None else assignees(db, a)
    names = {}
    for slug in a.scenario_slugs:
        persona = scenarios.find_persona(db, slug)
        names[slug] = persona.scenario.name if persona else slug
    rows = []
    for person in people:
        for slug in a.scenario_slugs:
            required = required_for(db, a, slug)
            p = progress(_attempts(db, a, person.id, slug), required, a.due_at, now, a.max_attempts)
            rows.append(BoardRow(person.id, person.display_name or person.username, slug, names[slug], required, p))
    return rows


def summary(a: Assignment) -> dict[str, Any]:
    return {
        "id": a.id,
        "title": a.title,
        "team": a.team,
        "scenarios": a.scenario_slugs,
        "trainee_ids": a.trainee_ids,
        "whole_team": a.whole_team,
        "due": utc(a.due_at).isoformat(),
        "required_score": a.required_score,
        "max_attempts": a.max_attempts,
        "created_at": utc(a.created_at).isoformat(),
    }


CSV_HEADER = ["trainee", "scenario", "status", "best_score", "required_score", "attempts", "attempts_left", "due"]


def board_csv(a: Assignment, rows: list[BoardRow]) -> str:
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(CSV_HEADER)
    for r in rows:
        p = r.progress
        left = "" if p.attempts_left is None else p.attempts_left
        best = score_text(p.best_score) if p.best_score is not None else ""
        w.writerow(
            [r.trainee, r.scenario, p.status.label, best, score_text(r.required), p.attempts, left, when_text(a.due_at)]
        )
    return out.getvalue()
