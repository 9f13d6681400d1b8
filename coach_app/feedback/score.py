"""The score a session shows, wherever it is shown (feedback page, tables, CSV, trends). No Reflex here.

Score shown everywhere ("effective score"): the newest manager override, unless a newer
evaluation has produced a score (then that score). So a re-run that scores the call replaces an
older override (which stays in the review history); a failed or unscored re-run does not.
"""

from __future__ import annotations

from sqlmodel import Session, select

from coach_app.clock import utc
from coach_app.models import Feedback, PracticeSession, ReviewAction, ReviewKind


def score_text(score: float | None) -> str:
    if score is None:
        return "-"
    return f"{score:.0f}" if float(score).is_integer() else f"{score:.1f}"


def result_text(passed: bool | None) -> str:
    """The verdict as every page and the CSV write it."""
    return "" if passed is None else ("passed" if passed else "not passed")


def effective_score(fb: Feedback | None, override: ReviewAction | None) -> tuple[float | None, bool]:
    """(score shown, whether it is a manager override)."""
    if override is not None and (
        fb is None or fb.overall_score is None or utc(override.created_at) >= utc(fb.created_at)
    ):
        return override.new_score, True
    return (fb.overall_score if fb is not None else None), False


def latest_override(db: Session, session_id: int) -> ReviewAction | None:
    return db.exec(
        select(ReviewAction)
        .where(ReviewAction.session_id == session_id, ReviewAction.kind == ReviewKind.override)
        .order_by(ReviewAction.id.desc())
        .limit(1)
    ).first()


def current_score(db: Session, ps: PracticeSession) -> float | None:
    fb = db.exec(select(Feedback).where(Feedback.session_id == ps.id).order_by(Feedback.id.desc()).limit(1)).first()
    return effective_score(fb, latest_override(db, ps.id))[0]
