"""Score trends of one trainee: overall and per objective, over their newest evaluated sessions. No Reflex here."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from coach_app.auth import access
from coach_app.clock import utc
from coach_app.feedback.score import effective_score
from coach_app.models import Feedback, FeedbackStatus, PracticeSession, ReviewAction, ReviewKind, User

TREND_SESSIONS = 60  # newest sessions shown in a trend chart


@dataclass
class Trend:
    id: str
    description: str
    points: list[dict[str, Any]] = field(default_factory=list)  # {"label", "score", "session_id"}


def trends(db: Session, viewer: User | None, trainee_id: int) -> tuple[list[dict[str, Any]], list[Trend]]:
    """(overall points, one Trend per objective) over the trainee's newest evaluated sessions, oldest first."""
    fb = aliased(Feedback)
    latest_fb = (
        select(func.max(Feedback.id))
        .where(Feedback.session_id == PracticeSession.id)
        .correlate(PracticeSession)
        .scalar_subquery()
    )
    rows = db.exec(
        select(PracticeSession.id, PracticeSession.created_at, fb)
        .join(fb, fb.id == latest_fb)
        .where(
            access.visible_sessions_clause(viewer),
            PracticeSession.user_id == trainee_id,
            fb.status == FeedbackStatus.done,
        )
        .order_by(PracticeSession.created_at.desc(), PracticeSession.id.desc())
        .limit(TREND_SESSIONS)
    ).all()
    rows = list(reversed(rows))
    overrides: dict[int, ReviewAction] = {}
    if rows:
        for ra in db.exec(
            select(ReviewAction)
            .where(ReviewAction.session_id.in_([r[0] for r in rows]), ReviewAction.kind == ReviewKind.override)
            .order_by(ReviewAction.id)
        ).all():
            overrides[ra.session_id] = ra
    overall: list[dict[str, Any]] = []
    by_obj: dict[str, Trend] = {}
    for sid, created, f in rows:
        label = f"#{sid} {utc(created).strftime('%b %d')}"
        score, _ = effective_score(f, overrides.get(sid))
        if score is not None:
            overall.append({"label": label, "score": round(score, 1), "session_id": sid})
        for o in f.objectives or []:
            if o.get("score") is None:
                continue
            t = by_obj.setdefault(o["id"], Trend(o["id"], o.get("description", o["id"])))
            t.description = o.get("description", t.description)
            t.points.append({"label": label, "score": round(float(o["score"]), 1), "session_id": sid})
    objs = sorted(by_obj.values(), key=lambda t: (-len(t.points), t.id))
    return overall, objs
