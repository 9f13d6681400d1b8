"""The sessions table of the review, trainee and "my sessions" pages: query, filters, sort, paging, rows.

No Reflex here. Page states call these after their access checks; the benchmark times them
directly. Every query is limited to `access.visible_sessions_clause(user)`. The score shown is
the effective score (`feedback.score`), computed in SQL here so it can be filtered and sorted.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from coach_app.auth import access
from coach_app.clock import duration_text, when_text
from coach_app.feedback.evaluate import shown_status
from coach_app.feedback.page_data import user_label
from coach_app.feedback.score import result_text, score_text
from coach_app.models import PASS_MARK_DEFAULT, Feedback, PracticeSession, ReviewAction, ReviewKind, SessionStatus, User

SORT_KEYS = ("date", "trainee", "scenario", "duration", "score", "status")
RESULTS = ("passed", "not_passed", "unscored")
PAGE_SIZE = 25


@dataclass
class SessionFilters:
    search: str = ""  # part of the trainee's name, the scenario or the persona
    persona_id: str = ""
    status: str = ""  # a SessionStatus value
    result: str = ""  # passed | not_passed | unscored
    trainee_id: int | None = None
    date_from: date | None = None  # UTC days, inclusive
    date_to: date | None = None


@dataclass
class SessionRow:
    """One row of a sessions table, display-ready: the page states hold these as they are, the CSV
    export and the tests read the same object (numbers for sorting and checks, text for showing)."""

    session_id: int = 0
    user_id: int = 0  # 0 when the trainee was deleted
    trainee: str = ""
    persona_id: str = ""
    persona_name: str = ""
    scenario: str = ""
    date: str = "-"  # created, UTC: 2026-01-01 09:00
    duration_seconds: float | None = None
    duration: str = "-"  # 0:57
    score: float | None = None  # the effective score
    score_label: str = "-"
    machine_score: float | None = None
    overridden: bool = False
    pass_mark: float | None = None
    passed: bool | None = None
    result: str = ""  # passed | not passed | "" (unscored)
    status: str = ""  # a SessionStatus value
    evaluation: str = "none"  # evaluate.shown_status: none | pending | running | done | failed | stale


@dataclass
class SessionPage:
    rows: list[SessionRow]
    total: int
    page: int
    pages: int
    page_size: int


def _duration_expr(dialect: str):
    start, end = PracticeSession.started_at, PracticeSession.ended_at
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    if dialect == "postgresql":
        return func.extract("epoch", end - start)
    return literal(None)


def _latest_ids():
    """Correlated subqueries: the newest evaluation and the newest override of each session."""
    latest_fb = (
        select(func.max(Feedback.id))
        .where(Feedback.session_id == PracticeSession.id)
        .correlate(PracticeSession)
        .scalar_subquery()
    )
    latest_ov = (
        select(func.max(ReviewAction.id))
        .where(ReviewAction.session_id == PracticeSession.id, ReviewAction.kind == ReviewKind.override)
        .correlate(PracticeSession)
        .scalar_subquery()
    )
    return latest_fb, latest_ov


class _Parts:
    """The expressions the table is built from (one set of aliases per query)."""

    def __init__(self, dialect: str):
        self.fb = fb = aliased(Feedback, name="fb")
        self.ov = ov = aliased(ReviewAction, name="ov")
        self.latest_fb, self.latest_ov = _latest_ids()
        self.override_on = and_(
            ov.id.is_not(None), or_(fb.id.is_(None), fb.overall_score.is_(None), ov.created_at >= fb.created_at)
        )
        self.score = case((self.override_on, ov.new_score), else_=fb.overall_score)
        self.passed = case(
            (self.score.is_(None), None), else_=self.score >= func.coalesce(fb.pass_mark, PASS_MARK_DEFAULT)
        )
        self.trainee = func.coalesce(func.nullif(User.display_name, ""), User.username, "")
        self.duration = _duration_expr(dialect)

    def join_user(self, q):
        return q.outerjoin(User, User.id == PracticeSession.user_id)

    def join_scores(self, q):
        return q.outerjoin(self.fb, self.fb.id == self.latest_fb).outerjoin(self.ov, self.ov.id == self.latest_ov)


def persona_names(db: Session) -> dict[str, tuple[str, str]]:
    """persona id -> (persona name, scenario name), read from one stored session per persona id.

    Used to search and sort by scenario without parsing every session's frozen persona; each
    row still displays the names frozen on its own session.
    """
    newest = db.exec(select(func.max(PracticeSession.id)).group_by(PracticeSession.persona_id)).all()
    if not newest:
        return {}
    rows = db.exec(
        select(
            PracticeSession.persona_id,
            PracticeSession.persona_snapshot["name"].as_string(),
            PracticeSession.persona_snapshot["scenario"]["name"].as_string(),
        ).where(PracticeSession.id.in_(list(newest)))
    ).all()
    return {pid: (name or pid, scenario or pid) for pid, name, scenario in rows}


def _ids_query(db: Session, user: User | None, filters: SessionFilters, sort: str | None, desc: bool):
    """(select of matching session ids in order, or a count select when sort is None)."""
    p = _Parts(db.get_bind().dialect.name)
    f = filters
    term = f.search.strip().lower()
    sort = sort if sort in SORT_KEYS else ("date" if sort is not None else None)
    need_user = bool(term) or sort == "trainee"
    need_scores = f.result in RESULTS or sort == "score"
    names = persona_names(db) if term or sort == "scenario" else {}

    q = select(func.count() if sort is None else PracticeSession.id).select_from(PracticeSession)
    if need_user:
        q = p.join_user(q)
    if need_scores:
        q = p.join_scores(q)
    q = q.where(access.visible_sessions_clause(user))
    if term:
        like = f"%{term}%"
        matching = [pid for pid, (name, scenario) in names.items() if term in name.lower() or term in scenario.lower()]
        q = q.where(
            or_(
                func.lower(p.trainee).like(like),
                func.lower(User.username).like(like),
                func.lower(PracticeSession.persona_id).like(like),
                PracticeSession.persona_id.in_(matching),
            )
        )
    if f.persona_id:
        q = q.where(PracticeSession.persona_id == f.persona_id)
    if f.status:
        q = q.where(PracticeSession.status == SessionStatus(f.status))
    if f.trainee_id:
        q = q.where(PracticeSession.user_id == f.trainee_id)
    if f.date_from:
        q = q.where(PracticeSession.created_at >= datetime.combine(f.date_from, time.min, UTC))
    if f.date_to:
        q = q.where(PracticeSession.created_at < datetime.combine(f.date_to + timedelta(days=1), time.min, UTC))
    if f.result == "unscored":
        q = q.where(p.score.is_(None))
    elif f.result in ("passed", "not_passed"):
        passed = p.score >= func.coalesce(p.fb.pass_mark, PASS_MARK_DEFAULT)
        q = q.where(p.score.is_not(None), passed if f.result == "passed" else ~passed)
    if sort is None:
        return q
    if sort == "scenario":
        by_name = {pid: scenario.lower() for pid, (_, scenario) in names.items()}
        expr = (
            case(by_name, value=PracticeSession.persona_id, else_=PracticeSession.persona_id)
            if by_name
            else PracticeSession.persona_id
        )
    else:
        expr = {
            "date": PracticeSession.created_at,
            "trainee": func.lower(p.trainee),
            "duration": p.duration,
            "score": p.score,
            "status": PracticeSession.status,
        }[sort]
    tie = PracticeSession.id.desc() if desc else PracticeSession.id.asc()
    return q.order_by(expr.is_(None).asc(), expr.desc() if desc else expr.asc(), tie)  # unknowns last either way


def _rows_for(db: Session, ids: list[int]) -> list[SessionRow]:
    """Full table rows for these session ids, in the same order."""
    if not ids:
        return []
    p = _Parts(db.get_bind().dialect.name)
    cols = [
        PracticeSession.id.label("session_id"),
        PracticeSession.user_id.label("user_id"),
        p.trainee.label("trainee"),
        PracticeSession.persona_id.label("persona_id"),
        PracticeSession.persona_snapshot["name"].as_string().label("persona_name"),
        PracticeSession.persona_snapshot["scenario"]["name"].as_string().label("scenario"),
        PracticeSession.created_at.label("created_at"),
        p.duration.label("duration_seconds"),
        p.score.label("score"),
        p.fb.overall_score.label("machine_score"),
        p.override_on.label("overridden"),
        p.fb.pass_mark.label("pass_mark"),
        p.passed.label("passed"),
        PracticeSession.status.label("status"),
        p.fb.status.label("evaluation"),
        p.fb.created_at.label("evaluated_at"),
    ]
    by_id: dict[int, SessionRow] = {}
    for chunk in range(0, len(ids), 2000):
        q = p.join_scores(p.join_user(select(*cols).select_from(PracticeSession)))
        for r in db.exec(q.where(PracticeSession.id.in_(ids[chunk : chunk + 2000]))).all():
            by_id[r.session_id] = _row(r)
    return [by_id[i] for i in ids if i in by_id]


def _row(r: Any) -> SessionRow:
    duration = None if r.duration_seconds is None else float(r.duration_seconds)
    passed = None if r.passed is None else bool(r.passed)
    return SessionRow(
        session_id=r.session_id,
        user_id=r.user_id or 0,
        trainee=r.trainee or user_label(None),
        persona_id=r.persona_id,
        persona_name=r.persona_name or r.persona_id,
        scenario=r.scenario or r.persona_id,
        date=when_text(r.created_at),
        duration_seconds=duration,
        duration=duration_text(duration),
        score=r.score,
        score_label=score_text(r.score),
        machine_score=r.machine_score,
        overridden=bool(r.overridden),
        pass_mark=r.pass_mark,
        passed=passed,
        result=result_text(passed),
        status=r.status.value if hasattr(r.status, "value") else str(r.status),
        evaluation=shown_status(r.evaluation, r.evaluated_at),
    )


def list_sessions(
    db: Session,
    user: User | None,
    filters: SessionFilters | None = None,
    sort: str = "date",
    desc: bool = True,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> SessionPage:
    """One page of the sessions `user` may see, filtered and sorted (unknown values sort last)."""
    filters = filters or SessionFilters()
    total = db.exec(_ids_query(db, user, filters, None, desc)).one()
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    ids = list(db.exec(_ids_query(db, user, filters, sort, desc).limit(page_size).offset((page - 1) * page_size)).all())
    return SessionPage(_rows_for(db, ids), total, page, pages, page_size)


def all_sessions(
    db: Session, user: User | None, filters: SessionFilters | None = None, sort: str = "date", desc: bool = True
) -> list[SessionRow]:
    """Every row of the filtered table in table order (for the CSV export)."""
    ids = list(db.exec(_ids_query(db, user, filters or SessionFilters(), sort, desc)).all())
    return _rows_for(db, ids)


@dataclass
class Option:
    """One choice of a review filter (the state holds these as they are)."""

    value: str = ""
    label: str = ""


def filter_options(db: Session, user: User | None) -> dict[str, list[Option]]:
    """Choices for the review filters: personas and trainees among the sessions `user` may see."""
    seen = db.exec(
        select(PracticeSession.persona_id)
        .where(access.visible_sessions_clause(user))
        .distinct()
        .order_by(PracticeSession.persona_id)
    ).all()
    names = persona_names(db)
    users = db.exec(select(User).where(access.visible_users_clause(user)).order_by(User.username)).all()
    return {
        "personas": [Option(pid, f"{names.get(pid, (pid, pid))[1]} ({names.get(pid, (pid, pid))[0]})") for pid in seen],
        "trainees": [Option(str(u.id), user_label(u)) for u in users],
    }
