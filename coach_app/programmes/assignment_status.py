"""An assignment's status for one trainee and one scenario: the one rule (pure, no database).

- attempts are the trainee's sessions of the scenario started after the assignment was made,
  in the order they were started; with an attempt cap only the first `max_attempts` count
- passed: a counted attempt started by the due date scored at least the required score
  (the session's effective score: a manager's override counts, `feedback.score`)
- past due: not passed and the due date is over
- in progress: at least one counted attempt, not passed, not past due
- not started: no attempt yet, due date not over
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from coach_app.clock import utc


class Status(enum.StrEnum):
    not_started = "not_started"
    in_progress = "in_progress"
    passed = "passed"
    past_due = "past_due"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


@dataclass(frozen=True)
class Attempt:
    started_at: datetime
    score: float | None  # None: not scored (yet)


@dataclass(frozen=True)
class Progress:
    status: Status
    best_score: float | None
    attempts: int  # counted attempts
    attempts_left: int | None  # None: no cap
    passed_at: datetime | None = None


def progress(
    attempts: Iterable[Attempt],
    required: float,
    due_at: datetime,
    now: datetime,
    max_attempts: int | None = None,
) -> Progress:
    ordered = sorted(attempts, key=lambda a: utc(a.started_at))
    counted = ordered[:max_attempts] if max_attempts is not None else ordered
    scores = [a.score for a in counted if a.score is not None]
    best = max(scores) if scores else None
    due = utc(due_at)
    passing = [a for a in counted if a.score is not None and a.score >= required and utc(a.started_at) <= due]
    left = None if max_attempts is None else max(0, max_attempts - len(counted))
    if passing:
        status = Status.passed
    elif utc(now) > due:
        status = Status.past_due
    elif counted:
        status = Status.in_progress
    else:
        status = Status.not_started
    return Progress(status, best, len(counted), left, utc(passing[0].started_at) if passing else None)
