"""The Start button keeps one open session per trainee (issue 12, item 11): pressing Start again on
the same scenario returns to the same call; another scenario's Start closes the old session."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session

from coach_app.db import make_engine
from coach_app.models import EndReason, PracticeSession, SessionStatus
from tests.support.auth import login, make_user

pytestmark = pytest.mark.e2e


def _start(page, app_server: str, persona_id: str) -> int:
    page.goto(f"{app_server}/scenarios/{persona_id}")
    page.locator("#start-call").click()
    page.wait_for_url(re.compile(r"/call/\d+$"), timeout=20_000)
    return int(page.url.rstrip("/").rsplit("/", 1)[-1])


def test_start_again_resumes_and_another_scenario_replaces(app_server, db_url, page):
    make_user(db_url, "start-rules")
    login(page, app_server, "start-rules")
    first = _start(page, app_server, "billing-dispute-gold")
    assert _start(page, app_server, "billing-dispute-gold") == first  # same call, not a second session
    other = _start(page, app_server, "retention-gym-cancel")
    assert other != first
    with Session(make_engine(db_url)) as db:
        old = db.get(PracticeSession, first)
        assert (old.status, old.end_reason) == (SessionStatus.abandoned, EndReason.replaced)
        assert db.get(PracticeSession, other).status == SessionStatus.created
    page.goto(f"{app_server}/call/{first}")
    page.locator("#call-unavailable").wait_for()  # the replaced call cannot be joined any more
