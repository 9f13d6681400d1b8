"""Issue 16 in Chromium: a manager writes a scenario and assigns it; trainees practise it; trainees
are refused on every editor page and handler."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect
from sqlmodel import Session, func, select

from coach_app.calls.start import start_session
from coach_app.db import make_engine
from coach_app.models import Assignment, PracticeSession, ScenarioRecord, ScenarioVersion, SessionStatus, utcnow
from coach_app.personas.catalogue import validate_data
from coach_app.review.actions import override_score
from coach_app.settings import REPO_ROOT
from tests.support.auth import login, make_user
from tests.support.feedback_seed import seed_feedback
from tests.support.reflex_events import EventTap

pytestmark = pytest.mark.e2e

TEAM = "editor-team"  # a team of its own: other tests' catalogues keep their card counts
OLD_OBJECTIVE = "Acknowledges the customer's feelings and the impact on them before solving"
NEW_OBJECTIVE = "Says sorry for the trouble within the first minute"


def _engine(db_url):
    return make_engine(db_url)


def _as(browser, base, username):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    login(page, base, username)
    return context, page


def _set(page, box: str, value: str) -> None:
    field = page.locator(f"#field-{box}")
    field.fill(value)
    expect(field).to_have_value(value)


def _finished(db_url, user, persona_id: str, score: float) -> PracticeSession:
    with Session(_engine(db_url), expire_on_commit=False) as db:
        ps = start_session(db, user, persona_id)
        ps.status, ps.started_at, ps.ended_at = SessionStatus.completed, utcnow(), utcnow()
        db.add(ps)
        db.commit()
        seed_feedback(db, ps, score, created_at=utcnow())
        return ps


def test_a_manager_writes_a_scenario_a_trainee_practises_it_and_an_edit_keeps_old_sessions(app_server, db_url, browser):
    make_user(db_url, "ed-manager", "manager", TEAM, display_name="Edna Editor")
    trainee = make_user(db_url, "ed-trainee", "trainee", TEAM, display_name="Eddie Trainee")
    make_user(db_url, "ed-outsider", "trainee", "editor-other-team")

    mctx, mpage = _as(browser, app_server, "ed-manager")
    try:
        mpage.goto(app_server + "/manage/scenarios")
        mpage.locator("#new-from-support").click()
        mpage.wait_for_url("**/manage/scenarios/new?template=support")
        expect(mpage.locator("#field-objectives")).to_have_value(re.compile("id: empathy(.|\n)*id: ownership"))
        _set(mpage, "id", "editor-billing")
        _set(mpage, "name", "Petra Novak")
        _set(mpage, "time_limit_minutes", "0")
        mpage.locator("#save-scenario").click()
        expect(mpage.locator("#error-time_limit_minutes")).to_have_text(
            "time_limit_minutes: Input should be greater than or equal to 1"
        )
        assert "/manage/scenarios/new" in mpage.url  # nothing saved
        _set(mpage, "time_limit_minutes", "6")
        mpage.locator("#preview-scenario").click()
        expect(mpage.locator("#preview-text")).to_contain_text("You are Petra Novak, Customer.")
        mpage.locator("#save-scenario").click()
        mpage.wait_for_url("**/manage/scenarios/editor-billing")
        expect(mpage.locator("#editor-title")).to_contain_text("version 1")

        tctx, tpage = _as(browser, app_server, "ed-trainee")
        try:
            tpage.goto(app_server + "/scenarios")
            expect(tpage.locator("#scenario-card-editor-billing")).to_contain_text("Petra Novak")
            tpage.goto(app_server + "/scenarios/editor-billing")
            expect(tpage.locator("#objectives")).to_contain_text(OLD_OBJECTIVE)
            tpage.locator("#start-call").click()
            tpage.wait_for_url(re.compile(r"/call/\d+$"))
            first_id = int(tpage.url.rsplit("/", 1)[-1])
        finally:
            tctx.close()
        with Session(_engine(db_url)) as db:
            first = db.get(PracticeSession, first_id)
            assert first.user_id == trainee.id and first.persona_id == "editor-billing"
            assert first.rubric[0]["description"] == OLD_OBJECTIVE
            first.status, first.ended_at = SessionStatus.completed, utcnow()
            db.add(first)
            db.commit()
            seed_feedback(db, first, 80, created_at=utcnow())

        objectives = mpage.locator("#field-objectives").input_value()
        _set(mpage, "objectives", objectives.replace(OLD_OBJECTIVE, NEW_OBJECTIVE))
        mpage.locator("#save-scenario").click()
        expect(mpage.locator("#saved-note")).to_have_text("Saved as version 2.")
        expect(mpage.locator(".version-row").first).to_contain_text("Version 2 by ed-manager")
        expect(mpage.locator(".version-row")).to_have_count(2)
        with mpage.expect_download() as download:
            mpage.locator("#export-scenario").click()
        exported, errors = validate_data(yaml.safe_load(Path(download.value.path()).read_text(encoding="utf-8")))
        assert errors == [] and exported.objectives[0].description == NEW_OBJECTIVE

        # YAML import: a persona file pasted into a new scenario
        mpage.goto(app_server + "/manage/scenarios/new?template=sales")
        expect(mpage.locator("#field-objectives")).to_have_value(re.compile("id: discovery"))
        shipped = (REPO_ROOT / "personas" / "returns-damaged-mixer.yaml").read_text(encoding="utf-8")
        mpage.locator("#import-yaml").fill(shipped.replace("id: returns-damaged-mixer", "id: editor-imported", 1))
        mpage.locator("#import-scenario").click()
        expect(mpage.locator("#field-id")).to_have_value("editor-imported")
        mpage.locator("#save-scenario").click()
        mpage.wait_for_url("**/manage/scenarios/editor-imported")
    finally:
        mctx.close()

    octx, opage = _as(browser, app_server, "ed-outsider")
    try:
        opage.goto(app_server + "/scenarios")
        expect(opage.locator("#scenario-grid")).to_be_visible()
        expect(opage.locator("#scenario-card-editor-billing")).to_have_count(0)
        opage.goto(app_server + "/scenarios/editor-billing")
        expect(opage.locator("#scenario-not-found")).to_be_visible()
    finally:
        octx.close()

    tctx, tpage = _as(browser, app_server, "ed-trainee")
    try:
        tpage.goto(app_server + "/scenarios/editor-billing")
        expect(tpage.locator("#objectives")).to_contain_text(NEW_OBJECTIVE)
        tpage.goto(app_server + f"/sessions/{first_id}/feedback")
        expect(tpage.locator("#feedback-title")).to_be_visible()
        expect(tpage.get_by_text(OLD_OBJECTIVE).first).to_be_visible()
        expect(tpage.get_by_text(NEW_OBJECTIVE)).to_have_count(0)
    finally:
        tctx.close()


def test_an_assignment_moves_to_passed_counts_an_override_and_shows_past_due(app_server, db_url, browser):
    manager = make_user(db_url, "as-manager", "manager", "assign-team")
    pat = make_user(db_url, "as-pat", "trainee", "assign-team", display_name="Pat Passer")
    olly = make_user(db_url, "as-olly", "trainee", "assign-team", display_name="Olly Override")
    make_user(db_url, "as-late", "trainee", "assign-team", display_name="Lee Late")

    mctx, mpage = _as(browser, app_server, "as-manager")
    try:
        mpage.goto(app_server + "/manage/assignments")
        mpage.locator("#assign-scenario-billing-dispute-gold").click()
        mpage.locator("#assign-title").fill("Billing week")
        mpage.locator("#assign-due").fill("2099-12-31")
        mpage.locator("#assign-submit").click()
        mpage.wait_for_url(re.compile(r"/manage/assignments/\d+$"))
        aid = int(mpage.url.rsplit("/", 1)[-1])
        expect(mpage.locator(".board-row")).to_have_count(3)
        expect(mpage.locator(".board-row").filter(has_text="Pat Passer")).to_contain_text("not started")
    finally:
        mctx.close()

    tctx, tpage = _as(browser, app_server, "as-pat")
    try:
        tpage.goto(app_server + "/")
        item = tpage.locator("#assigned-billing-dispute-gold")
        expect(item).to_contain_text("Due 2099-12-31")
        expect(item).to_contain_text("not started")
        _finished(db_url, pat, "billing-dispute-gold", 85)
        low = _finished(db_url, olly, "billing-dispute-gold", 40)
        with Session(_engine(db_url), expire_on_commit=False) as db:
            override_score(db, manager, db.get(PracticeSession, low.id), 90, "heard the call: it was good")
        tpage.goto(app_server + "/scenarios")
        first = tpage.locator("#assigned-to-you")
        expect(first.locator("#assigned-billing-dispute-gold")).to_contain_text("passed")
        expect(first.locator(".assigned-best")).to_have_text("Best 85 / required 70")
        box = tpage.locator("#assigned-to-you").bounding_box()
        grid = tpage.locator("#scenario-grid").bounding_box()
        assert box["y"] < grid["y"]  # "Assigned to you" comes first
    finally:
        tctx.close()

    with Session(_engine(db_url)) as db:  # the due date passes (after the calls above were made)
        a = db.get(Assignment, aid)
        a.due_at = utcnow()
        db.add(a)
        db.commit()
    mctx, mpage = _as(browser, app_server, "as-manager")
    try:
        mpage.goto(app_server + f"/manage/assignments/{aid}")
        rows = mpage.locator(".board-row")
        expect(rows.filter(has_text="Pat Passer")).to_contain_text("passed")
        expect(rows.filter(has_text="Olly Override")).to_contain_text("passed")
        expect(rows.filter(has_text="Olly Override")).to_contain_text("90")
        expect(rows.filter(has_text="Lee Late")).to_contain_text("past due")
        with mpage.expect_download() as download:
            mpage.locator("#board-csv").click()
        text = Path(download.value.path()).read_text(encoding="utf-8")
        assert "Lee Late,billing-dispute-gold,past due" in text
    finally:
        mctx.close()
    lctx, lpage = _as(browser, app_server, "as-late")
    try:
        lpage.goto(app_server + "/")
        expect(lpage.locator("#assigned-billing-dispute-gold")).to_contain_text("past due")
    finally:
        lctx.close()


def _counts(db_url):
    with Session(_engine(db_url)) as db:
        return (
            db.exec(select(func.count()).select_from(ScenarioRecord)).one(),
            db.exec(select(func.count()).select_from(ScenarioVersion)).one(),
            db.exec(select(func.count()).select_from(Assignment)).one(),
            db.exec(select(func.count()).select_from(ScenarioRecord).where(ScenarioRecord.archived)).one(),
        )


def test_a_trainee_is_refused_on_every_editor_page_and_handler(app_server, db_url, browser):
    from coach_app.state.assignments import AssignmentsState, BoardState
    from coach_app.state.scenario_editor import ManageScenariosState, ScenarioEditorState

    make_user(db_url, "ed-sneaky", "trainee", TEAM)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    tap = EventTap(page)
    try:
        login(page, app_server, "ed-sneaky")
        for route in ("/manage/scenarios", "/manage/scenarios/new", "/manage/scenarios/billing-dispute-gold"):
            page.goto(app_server + route)
            page.wait_for_url("**/forbidden")
        for route in ("/manage/assignments", "/manage/assignments/1"):
            page.goto(app_server + route)
            page.wait_for_url("**/forbidden")
        page.goto(app_server + "/")
        page.locator("#account-name").wait_for()
        page.wait_for_function("() => document.readyState === 'complete'")
        before = _counts(db_url)
        editor, shipped = "/manage/scenarios/new", "/manage/scenarios/billing-dispute-gold"
        attacks = [
            (ManageScenariosState, "load", {}, "/manage/scenarios"),
            (ScenarioEditorState, "load", {}, editor),
            (ScenarioEditorState, "set_field", {"key": "id", "value": "sneaky-one"}, editor),
            (ScenarioEditorState, "save", {}, editor),
            (ScenarioEditorState, "load", {}, shipped),
            (ScenarioEditorState, "set_archived", {"archived": True}, shipped),
            (ScenarioEditorState, "duplicate", {}, shipped),
            (ScenarioEditorState, "export_yaml", {}, shipped),
            (ScenarioEditorState, "preview", {}, shipped),
            (AssignmentsState, "load", {}, "/manage/assignments"),
            (AssignmentsState, "toggle_scenario", {"slug": "billing-dispute-gold", "on": True}, "/manage/assignments"),
            (AssignmentsState, "set_form", {"key": "due", "value": "2099-01-01"}, "/manage/assignments"),
            (AssignmentsState, "create", {}, "/manage/assignments"),
            (BoardState, "load", {}, "/manage/assignments/1"),
            (BoardState, "export_csv", {}, "/manage/assignments/1"),
        ]
        for state, handler, payload, path in attacks:
            tap.send_and_settle(state, handler, payload, path)
        assert _counts(db_url) == before
        seen = tap.received_text()
        assert "hidden_facts" not in seen and "assignment-1.csv" not in seen and "# WHO YOU ARE" not in seen
        assert "Only managers and admins edit scenarios." in seen  # the loader answered, and refused
    finally:
        context.close()


def test_an_admin_names_the_team_of_a_new_scenario_and_of_an_assignment(app_server, db_url, browser):
    make_user(db_url, "ed-admin", "admin", None)
    make_user(db_url, "ad-trainee", "trainee", "admin-team", display_name="Ada Trainee")
    actx, apage = _as(browser, app_server, "ed-admin")
    try:
        apage.goto(app_server + "/manage/scenarios/new?template=sales")
        _set(apage, "id", "admin-sales")
        apage.locator("#field-new-team").fill("admin-team")
        apage.locator("#save-scenario").click()
        apage.wait_for_url("**/manage/scenarios/admin-sales")
        expect(apage.locator("body")).to_contain_text("Team: admin-team")

        apage.goto(app_server + "/manage/assignments")
        apage.locator("#assign-scenario-admin-sales").click()
        apage.locator("#assign-due").fill("2099-06-30")
        apage.locator("#assign-submit").click()
        expect(apage.locator("#assign-error")).to_have_text("team: an assignment belongs to a team: name one")
        apage.locator("#assign-team").fill("admin-team")
        apage.locator("#assign-submit").click()
        apage.wait_for_url(re.compile(r"/manage/assignments/\d+$"))
        expect(apage.locator(".board-row")).to_have_count(1)
        expect(apage.locator(".board-row")).to_contain_text("Ada Trainee")
    finally:
        actx.close()
    with Session(_engine(db_url)) as db:
        rec = db.exec(select(ScenarioRecord).where(ScenarioRecord.slug == "admin-sales")).one()
        assert rec.team == "admin-team"
