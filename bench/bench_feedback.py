"""Server-side cost of the feedback page (800-turn session) and the review table (10,000 sessions).

Everything runs in-process against a throwaway SQLite database: the same query and state-filling
functions the Reflex handlers call (`page_data.feedback_page_data`,
`table.list_sessions`, `table.all_sessions` + `export.sessions_csv`, `trends.trends`), without the
websocket and browser rendering.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPEATS = 25
N_TURNS = 800
N_SESSIONS = 10_000
N_TEAMS = 5
TRAINEES_PER_TEAM = 10
ID0 = 1000  # first id of the review benchmark's sessions (the page benchmark's session comes first)

WORDS = [
    "account",
    "charge",
    "refund",
    "invoice",
    "understand",
    "sorry",
    "today",
    "card",
    "bank",
    "fee",
    "week",
    "payment",
    "really",
    "help",
    "check",
    "confirm",
    "email",
    "number",
    "order",
    "problem",
    "time",
    "call",
    "back",
    "issue",
    "exactly",
    "waiting",
    "manager",
    "policy",
]


def _timeit(fn: Callable[[], Any], repeats: int = REPEATS) -> dict[str, float]:
    fn()  # warm-up (caches, SQLite pages)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"median": statistics.median(times), "p90": times[int(len(times) * 0.9) - 1], "min": times[0]}


def _row(label: str, t: dict[str, float], extra: str = "") -> str:
    return f"| {label} | {t['median']:.1f} | {t['p90']:.1f} | {t['min']:.1f} | {extra} |"


def _setup_db(tmp: Path) -> str:
    url = f"sqlite:///{tmp / 'bench.db'}"
    os.environ["DATABASE_URL"] = url
    from coach_app.settings import get_settings

    get_settings.cache_clear()
    from coach_app.db import migrate

    migrate(url)
    return url


def _sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + rng.choice([".", "?", "."])


def _users(db, n_teams: int, per_team: int, prefix: str = ""):
    from coach_app.models import Role, User

    managers, trainees = [], []
    for t in range(n_teams):
        m = User(
            username=f"{prefix}manager{t}",
            display_name=f"Manager {t}",
            password_hash="x",
            role=Role.manager,
            team=f"team{t}",
        )
        db.add(m)
        managers.append(m)
        for k in range(per_team):
            u = User(
                username=f"{prefix}trainee{t}_{k}",
                display_name=f"Trainee {t}-{k}",
                password_hash="x",
                role=Role.trainee,
                team=f"team{t}",
            )
            db.add(u)
            trainees.append(u)
    admin = User(username=f"{prefix}admin", password_hash="x", role=Role.admin)
    db.add(admin)
    db.commit()
    for u in [*managers, *trainees, admin]:
        db.refresh(u)
    return managers, trainees, admin


def bench_feedback_page(rng: random.Random) -> tuple[str, dict[str, Any]]:
    from sqlmodel import Session

    from coach_app.db import get_engine
    from coach_app.feedback.analytics import compute_analytics, turn_data
    from coach_app.feedback.judge_answer import check_answer
    from coach_app.feedback.page_data import feedback_page_data
    from coach_app.models import Feedback, PracticeSession, SessionStatus, Speaker, Turn
    from coach_app.personas.catalogue import get_persona

    persona = get_persona("billing-dispute-gold")
    with Session(get_engine(), expire_on_commit=False) as db:
        _, trainees, _ = _users(db, 1, 1, prefix="page-")
        start = datetime(2026, 3, 1, 10, tzinfo=UTC)
        ps = PracticeSession(
            user_id=trainees[0].id,
            persona_id=persona.id,
            persona_snapshot=persona.model_dump(mode="json"),
            rubric=persona.rubric(),
            status=SessionStatus.completed,
            created_at=start,
            started_at=start,
            ended_at=start + timedelta(minutes=80),
            stt_audio_seconds=2400,
            llm_prompt_tokens=900_000,
            llm_completion_tokens=30_000,
            tts_characters=60_000,
        )
        db.add(ps)
        db.commit()
        db.refresh(ps)
        t = 0.0
        turns = []
        for i in range(N_TURNS):
            speaker = Speaker.persona if i % 2 == 0 else Speaker.trainee
            words = rng.randint(5, 30)
            dur = words / 2.6
            gap = rng.uniform(-0.3, 1.5)
            start_t = max(0.0, t + gap)
            turn = Turn(
                session_id=ps.id,
                seq=i,
                speaker=speaker,
                text=_sentence(rng, words),
                start=start_t,
                end=start_t + dur,
                e2e_latency=rng.uniform(0.8, 2.0) if speaker == Speaker.persona else None,
                end_of_turn_delay=0.5 if speaker == Speaker.persona else None,
                llm_ttft=0.4 if speaker == Speaker.persona else None,
                tts_ttfb=0.3 if speaker == Speaker.persona else None,
            )
            turns.append(turn)
            db.add(turn)
            t = start_t + dur
        db.commit()
        td = turn_data(turns)
        t_analytics = _timeit(lambda: compute_analytics(td, "en-US"))
        analytics = compute_analytics(td, "en-US")
        trainee_turns = [x for x in td if x.speaker == "trainee"]
        answer = {
            o["id"]: {
                "score": 70.0,
                "rationale": "ok",
                "evidence": [" ".join(rng.choice(trainee_turns).text.split()[:6]) for _ in range(3)]
                + ["an invented quote here"],
            }
            for o in ps.rubric
        }
        t_quotes = _timeit(lambda: check_answer(answer, ps.rubric, td, "en-US"))
        objectives = [o.as_dict() for o in check_answer(answer, ps.rubric, td, "en-US")]
        db.add(
            Feedback(
                session_id=ps.id,
                status="done",
                analytics=analytics,
                objectives=objectives,
                overall_score=70.0,
                pass_mark=70.0,
                passed=True,
                judge_model="bench",
                prompt_version="bench",
                judge_prompt_tokens=40_000,
                judge_completion_tokens=800,
            )
        )
        db.commit()

    def page_data():
        with Session(get_engine(), expire_on_commit=False) as db:
            return feedback_page_data(db, db.get(PracticeSession, ps.id), viewer_id=trainees[0].id)

    data = page_data()
    t_data = _timeit(page_data)
    payload = len(json.dumps(data, default=str).encode())
    rows = [
        "| Step | median ms | p90 ms | min ms | notes |",
        "|---|---:|---:|---:|---|",
        _row("`feedback_page_data` (DB reads + page data)", t_data, f"{N_TURNS} turns, 5 objectives, history, cost"),
        _row(
            "**page load total** (the state holds this data as it is)",
            t_data,
            f"page data as JSON: {payload / 1024:.0f} KiB",
        ),
        _row("`compute_analytics` (at evaluation time)", t_analytics, "not on page load"),
        _row("quote verification (at evaluation time)", t_quotes, "5 objectives x 4 quotes over 800 turns"),
    ]
    return "\n".join(rows), {"payload": payload}


def _bulk_sessions(rng: random.Random, trainees, n: int) -> None:
    """10,000 sessions with one evaluation each (1 in 12 unscored, 1 in 10 overridden)."""
    from sqlalchemy import insert

    from coach_app.db import get_engine
    from coach_app.models import Feedback, PracticeSession, ReviewAction
    from coach_app.personas.catalogue import get_catalogue

    personas = list(get_catalogue().personas.values())
    snaps = [p.model_dump(mode="json") for p in personas]
    rubrics = [p.rubric() for p in personas]
    start = datetime(2025, 1, 1, tzinfo=UTC)
    statuses = ["completed"] * 8 + ["abandoned", "failed"]
    sessions, feedback, actions = [], [], []
    for i in range(n):
        k = rng.randrange(len(personas))
        created = start + timedelta(minutes=53 * i + rng.randint(0, 40))
        length = rng.randint(60, 900)
        sessions.append(
            {
                "id": ID0 + i,
                "user_id": rng.choice(trainees).id,
                "persona_id": personas[k].id,
                "persona_snapshot": snaps[k],
                "rubric": rubrics[k],
                "room_name": f"coach-{ID0 + i}",
                "status": rng.choice(statuses),
                "providers": {},
                "created_at": created,
                "started_at": created + timedelta(seconds=3),
                "ended_at": created + timedelta(seconds=3 + length),
                "stt_audio_seconds": length * 0.5,
                "llm_prompt_tokens": 20_000,
                "llm_completion_tokens": 900,
                "tts_characters": 3000,
            }
        )
        score = None if i % 12 == 11 else float(rng.randint(20, 100))
        objs = (
            []
            if score is None
            else [
                {
                    "id": o["id"],
                    "description": o["description"],
                    "weight": o["weight"],
                    "score": float(max(0, min(100, score + rng.randint(-20, 20)))),
                    "rationale": "Bench.",
                    "quotes": [],
                    "invented_quotes": [],
                }
                for o in rubrics[k]
            ]
        )
        feedback.append(
            {
                "session_id": ID0 + i,
                "status": "done",
                "analytics": {"talk_ratio": 0.5},
                "objectives": objs,
                "overall_score": score,
                "pass_mark": 70.0,
                "passed": None if score is None else score >= 70,
                "judge_model": "bench",
                "prompt_version": "bench",
                "judge_prompt_tokens": 0,
                "judge_completion_tokens": 0,
                "created_at": created + timedelta(seconds=length + 20),
            }
        )
        if i % 10 == 3:
            actions.append(
                {
                    "session_id": ID0 + i,
                    "actor_id": 1,
                    "kind": "override",
                    "comment": "",
                    "old_score": score,
                    "new_score": 75.0,
                    "created_at": created + timedelta(days=1),
                }
            )
    with get_engine().begin() as conn:
        conn.execute(insert(PracticeSession), sessions)
        conn.execute(insert(Feedback), feedback)
        conn.execute(insert(ReviewAction), actions)


def bench_review(rng: random.Random) -> str:
    from sqlmodel import Session

    from coach_app.db import get_engine
    from coach_app.review import export, table
    from coach_app.review import trends as trend_data
    from coach_app.review.table import SessionFilters

    with Session(get_engine(), expire_on_commit=False) as db:
        managers, trainees, admin = _users(db, N_TEAMS, TRAINEES_PER_TEAM)
    t0 = time.perf_counter()
    _bulk_sessions(rng, trainees, N_SESSIONS)
    seed_s = time.perf_counter() - t0
    manager = managers[0]

    def page(user, **kw):
        filters = kw.pop("filters", None)

        def go():
            with Session(get_engine(), expire_on_commit=False) as db:
                return table.list_sessions(db, user, filters, **kw)  # rows as ReviewState holds them

        return go

    cases = [
        ("admin, all sessions, newest first, page 1", page(admin)),
        ("admin, sort by score, page 1", page(admin, sort="score")),
        ("admin, sort by trainee, page 1", page(admin, sort="trainee", desc=False)),
        ("admin, sort by duration, page 1", page(admin, sort="duration")),
        ("admin, newest first, page 400 (last)", page(admin, page=400)),
        ("admin, search 'retention'", page(admin, filters=SessionFilters(search="retention"))),
        ("admin, result = passed, sort by score", page(admin, filters=SessionFilters(result="passed"), sort="score")),
        (
            "admin, one month (date range)",
            page(
                admin,
                filters=SessionFilters(date_from=datetime(2025, 3, 1).date(), date_to=datetime(2025, 3, 31).date()),
            ),
        ),
        ("manager (1 team of 5), newest first", page(manager)),
        ("manager, sort by score", page(manager, sort="score")),
    ]
    rows = ["| Query (25 rows per page) | median ms | p90 ms | min ms | matching rows |", "|---|---:|---:|---:|---:|"]
    for label, fn in cases:
        t = _timeit(fn)
        rows.append(_row(label, t, f"{fn().total:,}"))

    def csv_all():
        with Session(get_engine(), expire_on_commit=False) as db:
            return export.sessions_csv(table.all_sessions(db, admin))

    def options():
        with Session(get_engine(), expire_on_commit=False) as db:
            return table.filter_options(db, manager)

    busiest = trainees[0]

    def trends():
        with Session(get_engine(), expire_on_commit=False) as db:
            return trend_data.trends(db, manager, busiest.id)

    size = len(csv_all().encode())
    rows.append(_row("CSV export of all 10,000 (admin)", _timeit(csv_all, 5), f"{size / 1024:.0f} KiB"))
    rows.append(_row("filter choices (personas, trainees)", _timeit(options), ""))
    rows.append(_row(f"trends for one trainee (newest {trend_data.TREND_SESSIONS} sessions)", _timeit(trends), ""))
    return (
        "\n".join(rows)
        + f"\n\nSeeding {N_SESSIONS:,} sessions + evaluations took {seed_s:.1f} s (not part of any timing)."
    )


def run() -> dict[str, str]:
    rng = random.Random(20261121)
    tmp = Path(tempfile.mkdtemp(prefix="coach-bench-"))
    try:
        _setup_db(tmp)
        page_table, _ = bench_feedback_page(rng)
        review_table = bench_review(rng)
    finally:
        from coach_app.db import get_engine

        get_engine().dispose()
        shutil.rmtree(tmp, ignore_errors=True)
    method = f"""
A throwaway SQLite database (WAL, the app's own engine settings) is migrated and seeded, then the
server-side functions the pages call are timed in-process with `time.perf_counter`: one warm-up call,
then {REPEATS} timed calls (5 for the CSV export); the tables give median, 90th percentile and minimum.
Browser rendering and the websocket are not included.

- **Feedback page**: one session with {N_TURNS} turns (alternating persona/trainee, 5-30 words each,
  latency metrics on persona turns), its analytics, 5 objectives with verified quotes, history and cost.
  Timed: `page_data.feedback_page_data` (every DB read the page's loader does), which is what
  `FeedbackState.load` runs after its access check (the state holds the typed data as it is).
  Evaluation-time work (analytics, quote verification) is shown separately.
- **Review table**: {N_SESSIONS:,} sessions over {N_TEAMS} teams x {TRAINEES_PER_TEAM} trainees and all
  shipped personas, each with one evaluation (1 in 12 unscored) and 1 in 10 with a manager override.
  Timed: `table.list_sessions` (count + one page of 25 rows, with the effective score computed from
  the newest evaluation and override per session; `ReviewState` holds its display-ready rows as
  they are), for several sorts and filters, as an admin (all 10,000) and as a manager
  (their team, about 2,000). Also the CSV export of everything, the filter choices and a trend query.
"""
    return {
        "title": "Feedback page and review table (server side)",
        "method": method,
        "results": f"**Feedback page, {N_TURNS}-turn session**\n\n{page_table}\n\n"
        f"**Review table, {N_SESSIONS:,} sessions**\n\n{review_table}",
    }
