"""Feedback, my sessions and review pages in headless Chromium against the real app, with seeded data."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from coach_app.db import make_engine
from coach_app.devtools.standin import ChatStandin, judge_reply
from coach_app.feedback.evaluate import evaluate_session
from coach_app.feedback.score import score_text
from coach_app.models import Feedback, ReviewAction
from coach_app.settings import Settings
from tests.support.auth import login, make_user
from tests.support.feedback_seed import BILLING_CALL, BILLING_JUDGE, PERSONAS, seed_feedback, seed_many, seed_session

pytestmark = pytest.mark.e2e

N = 60  # sessions for the review table: i % 3 -> fbr_tina, fbr_ted (team fbr), fbr_bob (another team)


def expected_score(i: int) -> float | None:
    return None if i % 10 == 9 else float((i * 37) % 101)


@pytest.fixture(scope="module")
def seeded(db_url):
    users = {
        "mona": make_user(db_url, "fbr_mona", role="manager", team="fbr", display_name="Mona Review"),
        "tina": make_user(db_url, "fbr_tina", team="fbr", display_name="Tina Trainee"),
        "ted": make_user(db_url, "fbr_ted", team="fbr", display_name="Ted Trainee"),
        "bob": make_user(db_url, "fbr_bob", team="fbr_other", display_name="Bob Elsewhere"),
        # a second team for the pages that write (comments, overrides, re-runs)
        "max": make_user(db_url, "fbf_max", role="manager", team="fbf", display_name="Max Manager"),
        "tia": make_user(db_url, "fbf_tia", team="fbf", display_name="Tia Trainee"),
    }
    engine = make_engine(db_url)
    with Session(engine, expire_on_commit=False) as db:
        ids = seed_many(db, [users["tina"].id, users["ted"].id, users["bob"].id], N)
        judged = seed_session(
            db,
            users["tia"].id,
            usage=dict(stt_audio_seconds=56.0, llm_prompt_tokens=5400, llm_completion_tokens=420, tts_characters=640),
        )
        running = seed_session(db, users["tia"].id)
        db.add(Feedback(session_id=running.id, status="running"))
        db.commit()
    with ChatStandin() as llm:
        llm.reply = judge_reply(BILLING_JUDGE)
        settings = Settings(
            database_url=db_url,
            groq_api_key=llm.api_key,
            groq_base_url=llm.base_url,
            feedback_judge_model="judge-standin",
        )
        fb = asyncio.run(evaluate_session(judged.id, settings=settings))
    assert fb.status == "done", fb.error
    return {"users": users, "ids": ids, "judged": judged.id, "running": running.id, "engine": engine}


def visible(i: int) -> bool:
    return i % 3 != 2  # fbr_bob's sessions are another team's


def rows_text(page, col: str) -> list[str]:
    return [t.strip() for t in page.locator(f"#sessions-table .session-row .cell-{col}").all_inner_texts()]


# --- feedback page ----------------------------------------------------------------------------------


def test_feedback_page_shows_scores_quotes_charts_and_transcript(app_server, page, seeded):
    login(page, app_server, "fbf_tia")
    page.goto(f"{app_server}/sessions/{seeded['judged']}/feedback")
    assert page.locator("#overall-score").inner_text() == "79.5"
    assert page.locator("#pass-badge").inner_text().strip() == "Passed"
    assert "Pass mark 70" in page.locator("#pass-mark").inner_text()

    cards = page.locator(".objective-card")
    assert cards.count() == 5
    own = page.locator('.objective-card[data-objective="acknowledge-and-own"]')
    assert own.locator(".objective-score").inner_text() == "90"
    assert "owned the error at once" in own.locator(".objective-rationale").inner_text()
    quotes = own.locator(".quote-link")
    assert quotes.count() == 2 and quotes.first.get_attribute("href").endswith(
        f"/sessions/{seeded['judged']}/feedback#turn-1"
    )
    impact = page.locator('.objective-card[data-objective="discover-impact"]')
    assert impact.locator(".invented-quote").inner_text() == "\u201cI have lost my job because of you\u201d"
    assert "not in the transcript" in page.locator("#evaluation-note").inner_text()

    # the quote takes you to the turn in the transcript
    page.locator('.objective-card[data-objective="resolve-on-call"] .quote-link').first.click()
    page.wait_for_url(re.compile(r"#turn-5$"))
    assert "refund of 89 dollars" in page.locator("#turn-5").inner_text()
    assert page.locator("#turn-5").get_attribute("data-quoted") == "true"

    turns = page.locator(".transcript-turn")
    assert turns.count() == len(BILLING_CALL)
    assert [turns.nth(i).get_attribute("data-speaker") for i in range(3)] == ["persona", "trainee", "persona"]
    assert turns.nth(1).locator(".turn-speaker").inner_text() == "You"
    assert turns.nth(0).locator(".turn-speaker").inner_text() == "Margaret Doyle"

    metric = page.locator('.metric-card[data-metric="questions"]')
    assert metric.locator(".metric-value").inner_text() == "2" and "1 open, 1 closed" in metric.inner_text()
    assert page.locator('.metric-card[data-metric="interruptions"] .metric-value').inner_text() == "1"
    for chart in ("#chart-talk", "#chart-pace", "#chart-latency"):
        assert page.locator(f"{chart} .recharts-surface").count() >= 1, chart
    assert page.locator("#chart-latency .recharts-bar-rectangle").count() == 9  # 3 persona turns x 3 parts
    # STT 56 s at $0.04/h, LLM 5400/420 tokens at $0.59/$0.79 per M, TTS 640 chars at $0.05/1k, judge 1200/150
    assert page.locator("#cost-total").inner_text() == "$0.0370"
    assert page.locator("#manager-tools").count() == 0  # trainees do not get manager tools


def test_other_trainees_cannot_open_the_feedback(app_server, page, seeded):
    login(page, app_server, "fbr_bob")
    page.goto(f"{app_server}/sessions/{seeded['judged']}/feedback")
    assert page.locator("#page-error").inner_text() == f"There is no session {seeded['judged']} that you can see."
    assert page.locator("#overall-score").count() == 0 and page.locator(".transcript-turn").count() == 0


def test_progress_is_shown_while_evaluating_and_the_result_replaces_it(app_server, page, seeded):
    login(page, app_server, "fbf_tia")
    page.goto(f"{app_server}/sessions/{seeded['running']}/feedback")
    page.locator("#evaluation-progress").wait_for()
    assert "Evaluating this call" in page.locator("#evaluation-progress").inner_text()
    with Session(seeded["engine"], expire_on_commit=False) as db:
        fb = db.exec(select(Feedback).where(Feedback.session_id == seeded["running"])).one()
        fb.status, fb.overall_score, fb.pass_mark, fb.passed = "done", 64.0, 70.0, False
        fb.finished_at = datetime.now(UTC)
        db.add(fb)
        db.commit()
    page.locator("#overall-score").wait_for(state="visible", timeout=15_000)  # no reload: the page polls
    assert page.locator("#overall-score").inner_text() == "64"
    assert page.locator("#pass-badge").inner_text().strip() == "Not passed"
    assert page.locator("#evaluation-progress").count() == 0


def test_a_call_the_agent_did_not_evaluate_is_evaluated_by_the_page(app_server, page, seeded):
    from datetime import timedelta

    with Session(seeded["engine"], expire_on_commit=False) as db:
        ps = seed_session(
            db, seeded["users"]["tia"].id, created_at=datetime.now(UTC) - timedelta(minutes=10)
        )  # ended 9 minutes ago
    login(page, app_server, "fbf_tia")
    page.goto(f"{app_server}/sessions/{ps.id}/feedback")
    # no evaluation yet: the page says it is coming, starts one itself, and shows it when done
    expect(page.locator("#evaluation-note")).to_contain_text("needs an LLM", timeout=20_000)
    assert page.locator('.metric-card[data-metric="questions"] .metric-value').inner_text() == "2"
    assert page.locator("#evaluation-progress").count() == 0
    with Session(seeded["engine"]) as db:
        rows = db.exec(select(Feedback).where(Feedback.session_id == ps.id)).all()
    assert [(r.status, r.requested_by) for r in rows] == [("done", None)]


def test_manager_comment_override_and_rerun_are_recorded(app_server, page, seeded):
    sid = seeded["judged"]
    max_ = seeded["users"]["max"]
    login(page, app_server, "fbf_max")
    page.goto(f"{app_server}/sessions/{sid}/feedback")
    assert page.locator("#overall-score").inner_text() == "79.5"
    assert page.locator(".transcript-turn").nth(1).locator(".turn-speaker").inner_text() == "Tia Trainee"

    page.locator("#override-score").fill("150")
    page.locator("#override-submit").click()
    assert "outside 0-100" in page.locator("#action-error").inner_text()

    page.locator("#override-score").fill("88")
    page.locator("#override-reason").fill("The refund was fully handled.")
    page.locator("#override-submit").click()
    page.locator("#action-message").wait_for()
    assert page.locator("#action-message").inner_text() == "Score set to 88 (was 79.5)."
    assert page.locator("#overall-score").inner_text() == "88"
    assert "the judge scored 79.5" in page.locator("#override-note").inner_text()

    page.locator("#comment-input").fill("Great ownership. Ask about impact earlier.")
    page.locator("#comment-submit").click()
    page.locator("#action-message").filter(has_text="Comment saved.").wait_for()
    items = page.locator("#review-actions .review-action")
    assert items.count() == 2
    assert items.nth(0).get_attribute("data-kind") == "comment"
    assert "Ask about impact earlier." in items.nth(0).inner_text()
    assert "79.5 \u2192 88" in items.nth(1).locator(".override-change").inner_text()

    with Session(seeded["engine"]) as db:
        acts = db.exec(select(ReviewAction).where(ReviewAction.session_id == sid).order_by(ReviewAction.id)).all()
    assert [(a.kind, a.actor_id, a.old_score, a.new_score, a.comment) for a in acts] == [
        ("override", max_.id, 79.5, 88.0, "The refund was fully handled."),
        ("comment", max_.id, None, None, "Great ownership. Ask about impact earlier."),
    ]
    assert all(a.created_at is not None for a in acts)

    # the trainee sees the manager's comment and the overridden score
    # re-run: the app has no LLM configured, so the new run is analytics only, and history is kept
    page.locator("#rerun-evaluation").click()
    page.locator("#evaluation-history .evaluation-run").nth(1).wait_for(timeout=30_000)
    assert "needs an LLM" in page.locator("#evaluation-note").inner_text()
    assert page.locator("#overall-score").inner_text() == "88"  # an unscored re-run keeps the manager's score
    runs = page.locator("#evaluation-history .evaluation-run")
    assert "Max Manager" in runs.nth(0).inner_text() and "judge-standin" in runs.nth(1).inner_text()
    with Session(seeded["engine"]) as db:
        rows = db.exec(select(Feedback).where(Feedback.session_id == sid).order_by(Feedback.id)).all()
    assert [r.requested_by for r in rows] == [None, max_.id]
    assert rows[0].overall_score == 79.5  # the first evaluation is kept


def test_trainee_sees_comment_in_their_feedback(app_server, page, seeded):
    with Session(seeded["engine"], expire_on_commit=False) as db:
        ps = seed_session(db, seeded["users"]["tia"].id)
        seed_feedback(db, ps, 72.0)
        db.add(ReviewAction(session_id=ps.id, actor_id=seeded["users"]["max"].id, kind="comment", comment="Nice pace."))
        db.commit()
    login(page, app_server, "fbf_tia")
    page.goto(f"{app_server}/sessions/{ps.id}/feedback")
    assert "Nice pace." in page.locator("#review-actions").inner_text()
    assert "Max Manager" in page.locator("#review-actions").inner_text()


# --- my sessions -----------------------------------------------------------------------------------


def test_my_sessions_lists_history_and_trends(app_server, page, seeded):
    ids = seeded["ids"]
    login(page, app_server, "fbr_tina")
    page.goto(f"{app_server}/sessions")
    mine = [i for i in range(N) if i % 3 == 0]
    expect(page.locator("#page-info")).to_have_text(f"Page 1 of 1 \u00b7 {len(mine)} sessions")
    rows = page.locator("#my-sessions-table .session-row")
    assert [int(rows.nth(k).get_attribute("data-session")) for k in range(rows.count())] == [
        ids[i] for i in reversed(mine)
    ]
    assert rows.first.locator(".cell-score").inner_text().strip() == score_text(expected_score(mine[-1]))
    assert page.locator("#my-sessions-table .cell-trainee").count() == 0
    assert page.locator("#trend-overall .recharts-surface").count() == 1
    trend_ids = page.locator("#objective-trends .trend-card").evaluate_all("els => els.map(e => e.dataset.objective)")
    assert "resolve-on-call" in trend_ids  # billing dispute objectives
    assert "explore-reason" in trend_ids  # retention objectives


# --- review ----------------------------------------------------------------------------------------


def test_review_table_sorts_filters_and_pages(app_server, page, seeded):
    ids = seeded["ids"]
    team = [i for i in range(N) if visible(i)]
    login(page, app_server, "fbr_mona")
    page.goto(f"{app_server}/review")
    expect(page.locator("#page-info")).to_have_text(f"Page 1 of 2 \u00b7 {len(team)} sessions")
    newest = sorted(team, reverse=True)
    first_page = [
        int(x)
        for x in page.locator("#sessions-table .session-row").evaluate_all("els => els.map(e => e.dataset.session)")
    ]
    assert first_page == [ids[i] for i in newest[:25]]
    assert "Bob Elsewhere" not in page.locator("#sessions-table").inner_text()

    page.locator("#page-next").click()
    page.locator("#page-info").filter(has_text="Page 2 of 2").wait_for()
    second = [
        int(x)
        for x in page.locator("#sessions-table .session-row").evaluate_all("els => els.map(e => e.dataset.session)")
    ]
    assert second == [ids[i] for i in newest[25:]]
    assert page.locator("#page-next").is_disabled()

    page.locator("#sort-score").click()  # highest first, back on page 1
    page.locator("#page-info").filter(has_text="Page 1 of 2").wait_for()
    scores = sorted((expected_score(i) for i in team if expected_score(i) is not None), reverse=True)
    assert rows_text(page, "score")[:5] == [score_text(s) for s in scores[:5]]
    page.locator("#sort-score").click()  # lowest first
    page.locator("#sort-score[data-active='asc']").wait_for()
    assert rows_text(page, "score")[:5] == [score_text(s) for s in sorted(scores)[:5]]

    page.locator("#sort-trainee").click()
    page.locator("#sort-trainee[data-active='asc']").wait_for()
    names = rows_text(page, "trainee")  # "ted trainee" < "tina trainee": Ted's 20 rows first
    assert names == ["Ted Trainee"] * 20 + ["Tina Trainee"] * 5

    # filter by trainee
    page.locator("#filter-trainee").click()
    page.get_by_role("option", name="Tina Trainee").click()
    tina = [i for i in range(N) if i % 3 == 0]
    page.locator("#page-info").filter(has_text=f"{len(tina)} sessions").wait_for()
    assert set(rows_text(page, "trainee")) == {"Tina Trainee"}

    # and by result
    page.locator("#filter-result").click()
    page.get_by_role("option", name="Not scored").click()
    unscored = [i for i in tina if expected_score(i) is None]
    page.locator("#page-info").filter(has_text=f"\u00b7 {len(unscored)} session").wait_for()
    assert rows_text(page, "score") == ["-"] * len(unscored)

    # search text + reset
    page.locator("#filter-reset").click()
    page.locator("#page-info").filter(has_text=f"{len(team)} sessions").wait_for()
    page.locator("#filter-search").fill("retention")
    page.locator("#filter-apply").click()
    retention = [i for i in team if PERSONAS[i % 4] == "retention-gym-cancel"]
    page.locator("#page-info").filter(has_text=f"\u00b7 {len(retention)} sessions").wait_for()
    assert all(s.startswith("Retention") for s in rows_text(page, "scenario"))

    # a bad date range is refused with a clear message
    page.locator("#filter-from").fill("2026-02-01")
    page.locator("#filter-to").fill("2026-01-01")
    page.locator("#filter-apply").click()
    assert "after the 'to' date" in page.locator("#filter-error").inner_text()


def test_csv_export_downloads_the_filtered_table(app_server, page, seeded):
    ids = seeded["ids"]
    login(page, app_server, "fbr_mona")
    page.goto(f"{app_server}/review")
    expect(page.locator("#page-info")).to_have_text(
        f"Page 1 of 2 \u00b7 {len([i for i in range(N) if visible(i)])} sessions"
    )
    page.locator("#filter-trainee").click()
    page.get_by_role("option", name="Ted Trainee").click()
    ted = [i for i in range(N) if i % 3 == 1]
    page.locator("#page-info").filter(has_text=f"\u00b7 {len(ted)} sessions").wait_for()
    with page.expect_download() as info:
        page.locator("#export-csv").click()
    download = info.value
    assert download.suggested_filename == "coach-sessions.csv"
    text = Path(download.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["session_id"]) for r in rows] == [ids[i] for i in reversed(ted)]  # newest first, all pages
    assert {r["trainee"] for r in rows} == {"Ted Trainee"}
    first = rows[-1]  # i = 1: created 2026-01-01 10:00 with persona PERSONAS[1] (retention)
    assert first["date_utc"] == "2026-01-01 10:00" and first["score"] == score_text(expected_score(1))
    assert (first["scenario"], first["persona"]) == ("Retention", "Carlos Mendes")
    assert first["duration_seconds"] == "57" and first["status"] == "completed"


def test_trainee_page_and_access(app_server, page, seeded):
    tina = seeded["users"]["tina"]
    login(page, app_server, "fbr_mona")
    page.goto(f"{app_server}/review")
    page.locator("#sessions-table .trainee-link", has_text="Tina Trainee").first.click()
    page.wait_for_url(re.compile(rf"/review/trainees/{tina.id}$"))
    expect(page.locator("#trainee-name")).to_have_text("Tina Trainee")
    expect(page.locator("#trend-overall .recharts-surface")).to_have_count(1)
    expect(page.locator("#trainee-sessions-table .session-row")).to_have_count(20)
    page.goto(f"{app_server}/review/trainees/{seeded['users']['bob'].id}")
    assert "no trainee" in page.locator("#page-error").inner_text()


def test_trainees_cannot_use_review(app_server, page, seeded):
    login(page, app_server, "fbr_tina")
    page.goto(f"{app_server}/review")
    page.wait_for_url(re.compile(r"/forbidden"))
    assert page.locator("#sessions-table").count() == 0
