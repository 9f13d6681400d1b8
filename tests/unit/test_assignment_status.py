"""The one rule for an assignment's status per trainee and scenario."""

from datetime import UTC, datetime, timedelta

from coach_app.programmes.assignment_status import Attempt, Status, progress

DUE = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
BEFORE = DUE - timedelta(days=2)
AFTER = DUE + timedelta(hours=1)


def at(days_before_due: float, score: float | None) -> Attempt:
    return Attempt(started_at=DUE - timedelta(days=days_before_due), score=score)


def test_no_attempt_is_not_started_until_the_due_date_then_past_due():
    assert progress([], required=70, due_at=DUE, now=BEFORE).status == Status.not_started
    assert progress([], required=70, due_at=DUE, now=AFTER).status == Status.past_due


def test_attempts_below_the_required_score_are_in_progress_with_the_best_score():
    p = progress([at(3, 50), at(2.5, 65), at(2.2, None)], required=70, due_at=DUE, now=BEFORE)
    assert (p.status, p.best_score, p.attempts) == (Status.in_progress, 65, 3)


def test_a_score_at_the_required_score_passes_and_stays_passed_after_the_date():
    p = progress([at(3, 50), at(1, 70)], required=70, due_at=DUE, now=AFTER)
    assert (p.status, p.best_score, p.attempts, p.passed_at) == (Status.passed, 70, 2, DUE - timedelta(days=1))


def test_a_pass_after_the_due_date_does_not_count_and_the_status_is_past_due():
    late = Attempt(started_at=AFTER, score=95)
    p = progress([at(3, 40), late], required=70, due_at=DUE, now=AFTER + timedelta(hours=1))
    assert (p.status, p.best_score, p.attempts) == (Status.past_due, 95, 2)


def test_only_the_first_attempts_up_to_the_cap_count():
    p = progress([at(3, 40), at(2, 50), at(1, 90)], required=70, due_at=DUE, now=BEFORE, max_attempts=2)
    assert (p.status, p.best_score, p.attempts, p.attempts_left) == (Status.in_progress, 50, 2, 0)
    p = progress([at(3, 40), at(1, 90)], required=70, due_at=DUE, now=BEFORE, max_attempts=3)
    assert (p.status, p.attempts_left) == (Status.passed, 1)


def test_attempts_are_counted_in_time_order_whatever_order_they_arrive_in():
    p = progress([at(1, 90), at(3, 40), at(2, 50)], required=70, due_at=DUE, now=BEFORE, max_attempts=2)
    assert (p.status, p.best_score) == (Status.in_progress, 50)


def test_labels_are_what_the_board_shows():
    assert [s.label for s in Status] == ["not started", "in progress", "passed", "past due"]
