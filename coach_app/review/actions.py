"""Manager actions on a session: comments, score overrides (kept as history). No Reflex here.

A re-run is `feedback.evaluate.evaluate_session(sid, requested_by=manager)`; the page state
calls it directly. Access is checked by the caller (`access.can_manage_session`).
"""

from __future__ import annotations

import math
from typing import Any

from sqlmodel import Session

from coach_app.feedback.score import current_score
from coach_app.models import PracticeSession, ReviewAction, ReviewKind, User
from coach_app.textlimits import COMMENT_MAX, TextTooLong, check_text


class ReviewInputError(ValueError):
    """A manager's comment or score that cannot be recorded (the message says why)."""


def add_comment(db: Session, actor: User, ps: PracticeSession, comment: str) -> ReviewAction:
    try:
        text = check_text(comment, COMMENT_MAX, "The comment", required=True)
    except TextTooLong as exc:
        raise ReviewInputError(str(exc)) from None
    ra = ReviewAction(session_id=ps.id, actor_id=actor.id, kind=ReviewKind.comment, comment=text)
    db.add(ra)
    db.commit()
    db.refresh(ra)
    return ra


def parse_score(raw: Any) -> float:
    text = str(raw if raw is not None else "").strip().replace(",", ".")
    if not text:
        raise ReviewInputError("Enter a score from 0 to 100.")
    try:
        value = float(text)
    except ValueError:
        raise ReviewInputError(f"'{text[:20]}' is not a number: enter a score from 0 to 100.") from None
    if not math.isfinite(value) or not 0 <= value <= 100:
        raise ReviewInputError(f"{text[:20]} is outside 0-100: enter a score from 0 to 100.")
    return round(value, 1)


def override_score(db: Session, actor: User, ps: PracticeSession, new_score: Any, comment: str = "") -> ReviewAction:
    """Record a manager's score (with the score it replaces) as the session's effective score."""
    value = parse_score(new_score)
    try:
        text = check_text(comment, COMMENT_MAX, "The reason")
    except TextTooLong as exc:
        raise ReviewInputError(str(exc)) from None
    ra = ReviewAction(
        session_id=ps.id,
        actor_id=actor.id,
        kind=ReviewKind.override,
        comment=text,
        old_score=current_score(db, ps),
        new_score=value,
    )
    db.add(ra)
    db.commit()
    db.refresh(ra)
    return ra
