"""Page data for feedback, my sessions and review, straight from the database functions."""

import csv
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from coach_app.db import get_engine, migrate
from coach_app.feedback import page_data, score
from coach_app.models import PracticeSession, ReviewAction
from coach_app.review import actions, export, table
from coach_app.review import trends as trend_data
from coach_app.review.actions import ReviewInputError
from coach_app.review.table import SessionFilters
from coach_app.settings import Settings, get_settings
from tests.support.auth import make_user
from tests.support.feedback_seed import PERSONAS, seed_feedback, seed_many, seed_session

START = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Read-only data shared by this module's table tests (tests that write use `small`)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('report') / 'coach.db'}"
    mp = pytest.MonkeyPatch()
    mp.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    migrate(url)
    users = {
        "mona": make_user(url, "mona", role="manager", team="red", display_name="Mona"),
        "tina": make_user(url, "tina", team="red", display_name="Tina"),
        "ted": make_user(url, "ted", team="red"),
        "bob": make_user(url, "bob", team="blue"),
        "ada": make_user(url, "ada", role="admin"),
    }
    with Session(get_engine(), expire_on_commit=False) as db:
        # 30 sessions: i % 3 -> tina, ted, bob; hours apart from START; scores (i*37) % 101, every 10th unscored
        ids = seed_many(db, [users["tina"].id, users["ted"].id, users["bob"].id], 30, start=START)
    yield users, ids
    mp.undo()
    get_settings.cache_clear()


@pytest.fixture
def small(fresh_db):
    """A manager, a trainee of the team and one session scored 37 (for tests that write)."""
    mona = make_user(fresh_db, "mona", role="manager", team="red", display_name="Mona")
    tina = make_user(fresh_db, "tina", team="red", display_name="Tina")
    with Session(get_engine(), expire_on_commit=False) as db:
        ps = seed_session(db, tina.id, created_at=START)
        seed_feedback(db, ps, 37.0)
    return mona, tina, ps.id


def db():
    return Session(get_engine(), expire_on_commit=False)


def expected_score(i):
    return None if i % 10 == 9 else float((i * 37) % 101)


def test_managers_see_their_team_admins_everything_trainees_their_own(world):
    users, ids = world
    with db() as s:
        assert table.list_sessions(s, users["mona"]).total == 20  # tina + ted
        assert table.list_sessions(s, users["ada"]).total == 30
        mine = table.list_sessions(s, users["tina"])
        assert mine.total == 10 and {r.trainee for r in mine.rows} == {"Tina"}
        assert table.list_sessions(s, None).total == 0


def test_paging_is_stable_and_complete(world):
    users, ids = world
    with db() as s:
        pages = [table.list_sessions(s, users["ada"], page=p, page_size=7) for p in (1, 2, 3, 4, 5)]
    assert [len(p.rows) for p in pages] == [7, 7, 7, 7, 2]
    assert pages[0].pages == 5
    seen = [r.session_id for p in pages for r in p.rows]
    assert seen == sorted(ids, reverse=True)  # newest first, every session exactly once
    with db() as s:
        assert table.list_sessions(s, users["ada"], page=99, page_size=7).page == 5


def test_sort_by_score_puts_unscored_last_both_ways(world):
    users, ids = world
    with db() as s:
        desc = table.all_sessions(s, users["ada"], sort="score", desc=True)
        asc = table.all_sessions(s, users["ada"], sort="score", desc=False)
    scores = [expected_score(i) for i in range(30)]
    known = sorted(x for x in scores if x is not None)
    assert [r.score for r in desc] == known[::-1] + [None, None, None]
    assert [r.score for r in asc] == known + [None, None, None]


def test_sort_by_trainee_and_duration(world):
    users, _ = world
    with db() as s:
        rows = table.all_sessions(s, users["ada"], sort="trainee", desc=False)
        assert [r.trainee for r in rows][::10] == ["bob", "ted", "Tina"]
        rows = table.all_sessions(s, users["ada"], sort="duration", desc=True)
        assert rows[0].duration_seconds == pytest.approx(57.0, abs=0.01)  # every seeded call lasts 57 s


def test_filters(world):
    users, ids = world
    mona = users["mona"]
    with db() as s:

        def total(**kw):
            return table.list_sessions(s, mona, SessionFilters(**kw)).total

        assert total(search="tin") == 10
        assert total(search="BILLING") == len([i for i in range(30) if i % 4 == 0 and i % 3 != 2])
        assert total(persona_id=PERSONAS[1]) == len([i for i in range(30) if i % 4 == 1 and i % 3 != 2])
        assert total(status="abandoned") == len([i for i in range(30) if i % 7 == 6 and i % 3 != 2])
        assert total(result="unscored") == len([i for i in (9, 19, 29) if i % 3 != 2])
        passed = [i for i in range(30) if i % 3 != 2 and expected_score(i) is not None and expected_score(i) >= 70]
        assert total(result="passed") == len(passed)
        assert total(result="not_passed") == 20 - len(passed) - total(result="unscored")
        assert total(trainee_id=users["ted"].id) == 10
        # session i was created START + i hours: 2026-01-01 09:00 .. 2026-01-02 14:00
        assert total(date_from=date(2026, 1, 2)) == len([i for i in range(30) if i >= 15 and i % 3 != 2])
        assert total(date_to=date(2026, 1, 1)) == len([i for i in range(15) if i % 3 != 2])
        assert total(trainee_id=users["bob"].id) == 0  # not mona's team


def test_override_is_recorded_with_old_and_new_and_becomes_the_score(small):
    mona, tina, sid = small
    with db() as s:
        ps = s.get(PracticeSession, sid)
        ra = actions.override_score(s, mona, ps, "82.5", "Judge missed the refund.")
        assert (ra.kind, ra.old_score, ra.new_score, ra.actor_id, ra.comment) == (
            "override",
            37.0,
            82.5,
            mona.id,
            "Judge missed the refund.",
        )
        assert ra.created_at is not None
        [row] = table.all_sessions(s, mona)
        assert (row.score, row.overridden, row.machine_score, row.passed) == (82.5, True, 37.0, True)
        assert table.list_sessions(s, mona, SessionFilters(result="passed")).total == 1
        actions.override_score(s, mona, ps, 50)
        history = s.exec(select(ReviewAction).where(ReviewAction.session_id == sid).order_by(ReviewAction.id)).all()
        assert [(a.old_score, a.new_score) for a in history] == [(37.0, 82.5), (82.5, 50.0)]
        assert table.list_sessions(s, mona, SessionFilters(result="passed")).total == 0


def test_a_newer_evaluation_replaces_an_older_override(small):
    mona, tina, sid = small
    with db() as s:
        ps = s.get(PracticeSession, sid)
        actions.override_score(s, mona, ps, 90)
        assert score.current_score(s, ps) == 90.0
        seed_feedback(s, ps, None, created_at=datetime.now(UTC) + timedelta(seconds=5))
        assert score.current_score(s, ps) == 90.0  # an unscored (or failed) re-run keeps the manager's score
        seed_feedback(s, ps, 55.0, created_at=datetime.now(UTC) + timedelta(seconds=10))
        assert score.current_score(s, ps) == 55.0
        [row] = table.all_sessions(s, mona)
        assert (row.score, row.overridden) == (55.0, False)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter a score"),
        ("abc", "'abc' is not a number"),
        ("101", "outside 0-100"),
        ("-3", "outside 0-100"),
        ("nan", "outside"),
    ],
)
def test_bad_override_values_are_refused(small, raw, message):
    mona, tina, sid = small
    with db() as s, pytest.raises(ReviewInputError, match=message):
        actions.override_score(s, mona, s.get(PracticeSession, sid), raw)


def test_comments_are_required_and_limited(small):
    mona, tina, sid = small
    with db() as s:
        ps = s.get(PracticeSession, sid)
        with pytest.raises(ReviewInputError, match="cannot be empty"):
            actions.add_comment(s, mona, ps, "   ")
        with pytest.raises(ReviewInputError, match="too long"):
            actions.add_comment(s, mona, ps, "x" * 4001)
        ra = actions.add_comment(s, mona, ps, "  Great empathy.  ")
        assert (ra.kind, ra.comment, ra.old_score, ra.new_score) == ("comment", "Great empathy.", None, None)


def test_csv_has_the_filtered_rows_and_neutralises_formulas(world):
    users, ids = world
    with db() as s:
        rows = table.all_sessions(
            s, users["mona"], SessionFilters(trainee_id=users["tina"].id), sort="date", desc=False
        )
    text = export.sessions_csv(rows)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["session_id"]) for r in parsed] == [ids[i] for i in range(0, 30, 3)]
    assert parsed[1]["trainee"] == "Tina" and parsed[1]["score"] == "10"  # i=3: 111 % 101
    assert parsed[1]["result"] == "not passed" and parsed[1]["date_utc"] == "2026-01-01 12:00"
    assert export._csv_cell("=HYPERLINK(1)") == "'=HYPERLINK(1)"


def test_trends_per_objective_oldest_first(world):
    users, ids = world
    with db() as s:
        overall, trends = trend_data.trends(s, users["mona"], users["tina"].id)
        none_for_bob = trend_data.trends(s, users["mona"], users["bob"].id)
    tina = [i for i in range(30) if i % 3 == 0 and expected_score(i) is not None]
    assert [p["score"] for p in overall] == [expected_score(i) for i in tina]
    assert [p["session_id"] for p in overall] == [ids[i] for i in tina]
    by_id = {t.id: t for t in trends}
    # billing-dispute (i % 4 == 0) has "resolve-on-call"; tina's billing sessions: i in 0, 12, 24
    assert [p["score"] for p in by_id["resolve-on-call"].points] == [expected_score(i) for i in (0, 12, 24)]
    assert none_for_bob == ([], [])  # mona may not see bob's sessions


def test_feedback_page_data_with_cost_quotes_and_history(small):
    mona, tina, _ = small
    with db() as s:
        ps = seed_session(
            s,
            tina.id,
            usage=dict(
                stt_audio_seconds=1800.0,
                llm_prompt_tokens=2_000_000,
                llm_completion_tokens=1_000_000,
                tts_characters=10_000,
            ),
        )
        fb = seed_feedback(s, ps, 80.0)
        fb.objectives[0]["quotes"] = [{"text": "That's our mistake", "seq": 1, "speaker": "trainee"}]
        fb.judge_prompt_tokens, fb.judge_completion_tokens = 1_000_000, 0
        s.add(fb)
        from sqlalchemy.orm.attributes import flag_modified

        flag_modified(fb, "objectives")
        s.commit()
        actions.add_comment(s, mona, ps, "Well done.")
        settings = Settings(
            price_stt_per_audio_hour=0.04,
            price_llm_per_million_input_tokens=0.5,
            price_llm_per_million_output_tokens=1.0,
            price_tts_per_thousand_characters=0.1,
        )
        data = page_data.feedback_page_data(s, s.get(PracticeSession, ps.id), settings, viewer_id=mona.id)
        mine = page_data.feedback_page_data(s, s.get(PracticeSession, ps.id), settings, viewer_id=tina.id)
    assert data["session"]["trainee"] == "Tina" and data["session"]["duration"] == "0:57"
    assert data["evaluation"]["score"] == "80" and data["evaluation"]["passed"] is True
    assert data["objectives"][0]["quotes"] == [
        {"text": "That's our mistake", "seq": 1, "href": "#turn-1", "speaker": "trainee"}
    ]
    assert data["transcript"][1]["anchor"] == "turn-1" and data["transcript"][1]["quoted"] is True
    assert [t["speaker"] for t in data["transcript"]][:2] == ["persona", "trainee"]
    assert [t["who"] for t in data["transcript"]][:2] == ["Margaret Doyle", "Tina"]  # a manager reads the name
    assert mine["transcript"][1]["who"] == "You"
    # 0.5 h * 0.04 + 2 * 0.5 + 1 * 1.0 + 10 * 0.1 + judge 1 * 0.5 = 0.02 + 1 + 1 + 1 + 0.5
    assert data["cost"]["total"] == "$3.5200"
    assert [c["cost"] for c in data["cost"]["lines"]] == ["$0.0200", "$2.0000", "$1.0000", "$0.5000"]
    assert data["actions"][0]["comment"] == "Well done." and data["actions"][0]["who"] == "Mona"
    assert [m["key"] for m in data["metrics"]][:3] == ["talk-ratio", "wpm", "fillers"]
    assert data["charts"]["latency"][0] == {"turn": "#2", "e2e": 1.2, "eou": 0.5, "llm": 0.4, "tts": 0.3}
    assert data["charts"]["talk"][0] == {"name": "Trainee", "seconds": 31.0}
