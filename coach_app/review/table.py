"""What the feedback, "my sessions" and review pages show, built from the database (no Reflex).

Page states call these after their access checks; the benchmark times them directly.

Score shown everywhere ("effective score"): the newest manager override, unless a newer
evaluation has produced a score (then that score). So a re-run that scores the call replaces an
older override (which stays in the review history); a failed or unscored re-run does not.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import and_, case, func, literal, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from coach_app.auth import access
from coach_app.feedback.evaluate import is_stale
from coach_app.models import Feedback, PracticeSession, ReviewAction, SessionStatus, Turn, User
from coach_app.calls.providers import LOCAL
from coach_app.settings import Settings, get_settings

SORT_KEYS = ("date", "trainee", "scenario", "duration", "score", "status")
RESULTS = ("passed", "not_passed", "unscored")
PAGE_SIZE = 25
TREND_SESSIONS = 60  # newest sessions shown in a trend chart


# --- small formatting helpers -------------------------------------------------------------------


def clock(seconds: float | None) -> str:
    """4:05 for 245 s, 1:02:03 for an hour and more, "-" for unknown."""
    if seconds is None or (isinstance(seconds, float) and math.isnan(seconds)):
        return "-"
    s = max(0, int(round(seconds)))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def score_text(score: float | None) -> str:
    if score is None:
        return "-"
    return f"{score:.0f}" if float(score).is_integer() else f"{score:.1f}"


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else dt.astimezone(timezone.utc)


def when_text(dt: datetime | None) -> str:
    dt = _utc(dt)
    return dt.strftime("%Y-%m-%d %H:%M") if dt else "-"


def user_label(u: User | None) -> str:
    if u is None:
        return "(deleted user)"
    return u.display_name or u.username


# --- effective score ------------------------------------------------------------------------------


def effective_score(fb: Feedback | None, override: ReviewAction | None) -> tuple[float | None, bool]:
    """(score shown, whether it is a manager override)."""
    if override is not None and (fb is None or fb.overall_score is None
                                 or _utc(override.created_at) >= _utc(fb.created_at)):
        return override.new_score, True
    return (fb.overall_score if fb is not None else None), False


def latest_override(db: Session, session_id: int) -> ReviewAction | None:
    return db.exec(
        select(ReviewAction)
        .where(ReviewAction.session_id == session_id, ReviewAction.kind == "override")
        .order_by(ReviewAction.id.desc())
        .limit(1)
    ).first()


# --- the sessions table (review, my sessions, trainee page) ---------------------------------------


@dataclass
class SessionFilters:
    search: str = ""  # part of the trainee's name, the scenario or the persona
    persona_id: str = ""
    status: str = ""  # a SessionStatus value
    result: str = ""  # passed | not_passed | unscored
    trainee_id: int | None = None
    date_from: date | None = None  # UTC days, inclusive
    date_to: date | None = None


@dataclass
class SessionRow:
    session_id: int
    user_id: int | None
    trainee: str
    persona_id: str
    persona_name: str
    scenario: str
    created_at: datetime | None
    duration_seconds: float | None
    score: float | None
    machine_score: float | None
    overridden: bool
    pass_mark: float | None
    passed: bool | None
    status: str
    evaluation: str  # none | running | done | failed

    def as_display(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "user_id": self.user_id or 0,
            "trainee": self.trainee,
            "persona_id": self.persona_id,
            "persona_name": self.persona_name,
            "scenario": self.scenario,
            "date": when_text(self.created_at),
            "duration": clock(self.duration_seconds),
            "score": score_text(self.score),
            "score_value": -1.0 if self.score is None else float(self.score),
            "overridden": self.overridden,
            "result": "" if self.passed is None else ("passed" if self.passed else "not passed"),
            "status": self.status,
            "evaluation": self.evaluation,
        }


@dataclass
class SessionPage:
    rows: list[SessionRow]
    total: int
    page: int
    pages: int
    page_size: int


def _duration_expr(dialect: str):
    start, end = PracticeSession.started_at, PracticeSession.ended_at
    if dialect == "sqlite":
        return (func.julianday(end) - func.julianday(start)) * 86400.0
    if dialect == "postgresql":
        return func.extract("epoch", end - start)
    return literal(None)


def _latest_ids():
    """Correlated subqueries: the newest evaluation and the newest override of each session."""
    latest_fb = (
        select(func.max(Feedback.id)).where(Feedback.session_id == PracticeSession.id).correlate(PracticeSession)
        .scalar_subquery()
    )
    latest_ov = (
        select(func.max(ReviewAction.id))
        .where(ReviewAction.session_id == PracticeSession.id, ReviewAction.kind == "override")
        .correlate(PracticeSession)
        .scalar_subquery()
    )
    return latest_fb, latest_ov


class _Parts:
    """The expressions the table is built from (one set of aliases per query)."""

    def __init__(self, dialect: str):
        self.fb = fb = aliased(Feedback, name="fb")
        self.ov = ov = aliased(ReviewAction, name="ov")
        self.latest_fb, self.latest_ov = _latest_ids()
        self.override_on = and_(ov.id.is_not(None),
                                or_(fb.id.is_(None), fb.overall_score.is_(None), ov.created_at >= fb.created_at))
        self.score = case((self.override_on, ov.new_score), else_=fb.overall_score)
        self.passed = case((self.score.is_(None), None), else_=self.score >= func.coalesce(fb.pass_mark, 70.0))
        self.trainee = func.coalesce(func.nullif(User.display_name, ""), User.username, "")
        self.duration = _duration_expr(dialect)

    def join_user(self, q):
        return q.outerjoin(User, User.id == PracticeSession.user_id)

    def join_scores(self, q):
        return q.outerjoin(self.fb, self.fb.id == self.latest_fb).outerjoin(self.ov, self.ov.id == self.latest_ov)


def persona_names(db: Session) -> dict[str, tuple[str, str]]:
    """persona id -> (persona name, scenario name), read from one stored session per persona id.

    Used to search and sort by scenario without parsing every session's frozen persona; each
    row still displays the names frozen on its own session.
    """
    newest = db.exec(select(func.max(PracticeSession.id)).group_by(PracticeSession.persona_id)).all()
    if not newest:
        return {}
    rows = db.exec(
        select(PracticeSession.persona_id, PracticeSession.persona_snapshot["name"].as_string(),
               PracticeSession.persona_snapshot["scenario"]["name"].as_string())
        .where(PracticeSession.id.in_(list(newest)))
    ).all()
    return {pid: (name or pid, scenario or pid) for pid, name, scenario in rows}


def _ids_query(db: Session, user: User | None, filters: SessionFilters, sort: str | None, desc: bool):
    """(select of matching session ids in order, or a count select when sort is None)."""
    p = _Parts(db.get_bind().dialect.name)
    f = filters
    term = f.search.strip().lower()
    sort = sort if sort in SORT_KEYS else ("date" if sort is not None else None)
    need_user = bool(term) or sort == "trainee"
    need_scores = f.result in RESULTS or sort == "score"
    names = persona_names(db) if term or sort == "scenario" else {}

    q = select(func.count() if sort is None else PracticeSession.id).select_from(PracticeSession)
    if need_user:
        q = p.join_user(q)
    if need_scores:
        q = p.join_scores(q)
    q = q.where(access.visible_sessions_clause(user))
    if term:
        like = f"%{term}%"
        matching = [pid for pid, (name, scenario) in names.items() if term in name.lower() or term in scenario.lower()]
        q = q.where(or_(func.lower(p.trainee).like(like), func.lower(User.username).like(like),
                        func.lower(PracticeSession.persona_id).like(like), PracticeSession.persona_id.in_(matching)))
    if f.persona_id:
        q = q.where(PracticeSession.persona_id == f.persona_id)
    if f.status:
        q = q.where(PracticeSession.status == SessionStatus(f.status))
    if f.trainee_id:
        q = q.where(PracticeSession.user_id == f.trainee_id)
    if f.date_from:
        q = q.where(PracticeSession.created_at >= datetime.combine(f.date_from, time.min, timezone.utc))
    if f.date_to:
        q = q.where(PracticeSession.created_at < datetime.combine(f.date_to + timedelta(days=1), time.min, timezone.utc))
    if f.result == "unscored":
        q = q.where(p.score.is_(None))
    elif f.result in ("passed", "not_passed"):
        passed = p.score >= func.coalesce(p.fb.pass_mark, 70.0)
        q = q.where(p.score.is_not(None), passed if f.result == "passed" else ~passed)
    if sort is None:
        return q
    if sort == "scenario":
        by_name = {pid: scenario.lower() for pid, (_, scenario) in names.items()}
        expr = case(by_name, value=PracticeSession.persona_id, else_=PracticeSession.persona_id) if by_name \
            else PracticeSession.persona_id
    else:
        expr = {"date": PracticeSession.created_at, "trainee": func.lower(p.trainee), "duration": p.duration,
                "score": p.score, "status": PracticeSession.status}[sort]
    tie = PracticeSession.id.desc() if desc else PracticeSession.id.asc()
    return q.order_by(expr.is_(None).asc(), expr.desc() if desc else expr.asc(), tie)  # unknowns last either way


def _rows_for(db: Session, ids: list[int]) -> list[SessionRow]:
    """Full table rows for these session ids, in the same order."""
    if not ids:
        return []
    p = _Parts(db.get_bind().dialect.name)
    cols = [
        PracticeSession.id.label("session_id"),
        PracticeSession.user_id.label("user_id"),
        p.trainee.label("trainee"),
        PracticeSession.persona_id.label("persona_id"),
        PracticeSession.persona_snapshot["name"].as_string().label("persona_name"),
        PracticeSession.persona_snapshot["scenario"]["name"].as_string().label("scenario"),
        PracticeSession.created_at.label("created_at"),
        p.duration.label("duration_seconds"),
        p.score.label("score"),
        p.fb.overall_score.label("machine_score"),
        p.override_on.label("overridden"),
        p.fb.pass_mark.label("pass_mark"),
        p.passed.label("passed"),
        PracticeSession.status.label("status"),
        p.fb.status.label("evaluation"),
        p.fb.created_at.label("evaluated_at"),
    ]
    by_id: dict[int, SessionRow] = {}
    for chunk in range(0, len(ids), 2000):
        q = p.join_scores(p.join_user(select(*cols).select_from(PracticeSession)))
        for r in db.exec(q.where(PracticeSession.id.in_(ids[chunk:chunk + 2000]))).all():
            by_id[r.session_id] = _row(r)
    return [by_id[i] for i in ids if i in by_id]


def _row(r: Any) -> SessionRow:
    status = r.status.value if hasattr(r.status, "value") else str(r.status)
    evaluation = r.evaluation or "none"
    if evaluation in ("pending", "running") and r.evaluated_at is not None and \
            _utc(r.evaluated_at) < datetime.now(timezone.utc) - timedelta(minutes=15):
        evaluation = "failed"  # abandoned run
    return SessionRow(
        session_id=r.session_id,
        user_id=r.user_id,
        trainee=r.trainee or "(deleted user)",
        persona_id=r.persona_id,
        persona_name=r.persona_name or r.persona_id,
        scenario=r.scenario or r.persona_id,
        created_at=_utc(r.created_at),
        duration_seconds=None if r.duration_seconds is None else float(r.duration_seconds),
        score=r.score,
        machine_score=r.machine_score,
        overridden=bool(r.overridden),
        pass_mark=r.pass_mark,
        passed=None if r.passed is None else bool(r.passed),
        status=status,
        evaluation=evaluation,
    )


def list_sessions(
    db: Session,
    user: User | None,
    filters: SessionFilters | None = None,
    sort: str = "date",
    desc: bool = True,
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> SessionPage:
    """One page of the sessions `user` may see, filtered and sorted (unknown values sort last)."""
    filters = filters or SessionFilters()
    total = db.exec(_ids_query(db, user, filters, None, desc)).one()
    pages = max(1, math.ceil(total / page_size))
    page = min(max(1, page), pages)
    ids = list(db.exec(_ids_query(db, user, filters, sort, desc).limit(page_size).offset((page - 1) * page_size)).all())
    return SessionPage(_rows_for(db, ids), total, page, pages, page_size)


def all_sessions(
    db: Session, user: User | None, filters: SessionFilters | None = None, sort: str = "date", desc: bool = True
) -> list[SessionRow]:
    """Every row of the filtered table in table order (for the CSV export)."""
    ids = list(db.exec(_ids_query(db, user, filters or SessionFilters(), sort, desc)).all())
    return _rows_for(db, ids)


CSV_COLUMNS = ["session_id", "trainee", "scenario", "persona", "date_utc", "duration_seconds", "score",
               "score_overridden", "machine_score", "pass_mark", "result", "status", "evaluation"]


def _csv_cell(value: Any) -> Any:
    # Cells starting with = + - @ are formulas to spreadsheet programs: neutralise them.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def sessions_csv(rows: list[SessionRow]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for r in rows:
        w.writerow([_csv_cell(v) for v in (
            r.session_id, r.trainee, r.scenario, r.persona_name, when_text(r.created_at),
            "" if r.duration_seconds is None else round(r.duration_seconds),
            "" if r.score is None else score_text(r.score), "yes" if r.overridden else "no",
            "" if r.machine_score is None else score_text(r.machine_score),
            "" if r.pass_mark is None else score_text(r.pass_mark),
            "" if r.passed is None else ("passed" if r.passed else "not passed"), r.status, r.evaluation,
        )])
    return buf.getvalue()


def filter_options(db: Session, user: User | None) -> dict[str, list[dict[str, str]]]:
    """Choices for the review filters: personas and trainees among the sessions `user` may see."""
    seen = db.exec(
        select(PracticeSession.persona_id).where(access.visible_sessions_clause(user)).distinct()
        .order_by(PracticeSession.persona_id)
    ).all()
    names = persona_names(db)
    users = db.exec(select(User).where(access.visible_users_clause(user)).order_by(User.username)).all()
    return {
        "personas": [{"value": pid, "label": f"{names.get(pid, (pid, pid))[1]} ({names.get(pid, (pid, pid))[0]})"}
                     for pid in seen],
        "trainees": [{"value": str(u.id), "label": user_label(u)} for u in users],
    }


# --- trends -------------------------------------------------------------------------------------


@dataclass
class Trend:
    id: str
    description: str
    points: list[dict[str, Any]] = field(default_factory=list)  # {"label", "score", "session_id"}


def trends(db: Session, viewer: User | None, trainee_id: int) -> tuple[list[dict[str, Any]], list[Trend]]:
    """(overall points, one Trend per objective) over the trainee's newest evaluated sessions, oldest first."""
    fb = aliased(Feedback)
    latest_fb = select(func.max(Feedback.id)).where(Feedback.session_id == PracticeSession.id).correlate(
        PracticeSession).scalar_subquery()
    rows = db.exec(
        select(PracticeSession.id, PracticeSession.created_at, fb)
        .join(fb, fb.id == latest_fb)
        .where(access.visible_sessions_clause(viewer), PracticeSession.user_id == trainee_id, fb.status == "done")
        .order_by(PracticeSession.created_at.desc(), PracticeSession.id.desc())
        .limit(TREND_SESSIONS)
    ).all()
    rows = list(reversed(rows))
    overrides: dict[int, ReviewAction] = {}
    if rows:
        for ra in db.exec(select(ReviewAction).where(
                ReviewAction.session_id.in_([r[0] for r in rows]), ReviewAction.kind == "override")
                .order_by(ReviewAction.id)).all():
            overrides[ra.session_id] = ra
    overall: list[dict[str, Any]] = []
    by_obj: dict[str, Trend] = {}
    for sid, created, f in rows:
        label = f"#{sid} {_utc(created).strftime('%b %d')}"
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


# --- one session's feedback page ----------------------------------------------------------------


def _ran_locally(providers: dict[str, Any] | None, component: str) -> str | None:
    """The local provider that ran `component` ("stt" | "llm" | "tts") on this machine, else None.

    Sessions recorded before providers were stored have no record: they ran in the cloud.
    """
    item = (providers or {}).get(component)
    if isinstance(item, dict) and item.get("mode") == LOCAL:
        return str(item.get("provider") or "local")
    return None


def session_cost(ps: PracticeSession, judge_tokens: tuple[int, int], settings: Settings) -> dict[str, Any]:
    """Cost lines from the usage columns and the judge's tokens, with per-unit prices from settings.

    A component that ran on this machine (the session's providers record says `mode: local`)
    costs nothing, whatever it used. The judge runs on the call's LLM choice (`judge.judge_config`),
    so it is local when the persona's replies were.
    """
    p_in, p_out = settings.price_llm_per_million_input_tokens, settings.price_llm_per_million_output_tokens
    llm_price = f"${p_in:g} / ${p_out:g} per million"
    local_llm = _ran_locally(ps.providers, "llm")
    lines = [
        ("Speech-to-text", f"{ps.stt_audio_seconds / 60:.1f} min of audio",
         ps.stt_audio_seconds / 3600 * settings.price_stt_per_audio_hour,
         f"${settings.price_stt_per_audio_hour:g} per hour", _ran_locally(ps.providers, "stt")),
        ("Persona LLM", f"{ps.llm_prompt_tokens:,} in / {ps.llm_completion_tokens:,} out tokens",
         ps.llm_prompt_tokens / 1e6 * p_in + ps.llm_completion_tokens / 1e6 * p_out, llm_price, local_llm),
        ("Text-to-speech", f"{ps.tts_characters:,} characters",
         ps.tts_characters / 1000 * settings.price_tts_per_thousand_characters,
         f"${settings.price_tts_per_thousand_characters:g} per 1,000", _ran_locally(ps.providers, "tts")),
        ("Evaluation (judge)", f"{judge_tokens[0]:,} in / {judge_tokens[1]:,} out tokens",
         judge_tokens[0] / 1e6 * p_in + judge_tokens[1] / 1e6 * p_out, llm_price, local_llm),
    ]
    out = []
    for item, usage, cloud_cost, price, local in lines:
        if local:
            out.append({"item": item, "usage": usage, "price": f"local ({local}), $0", "cost": "$0", "local": True})
        else:
            out.append({"item": item, "usage": usage, "price": price, "cost": f"${cloud_cost:.4f}", "local": False})
    total = sum(c for _, _, c, _, local in lines if not local)
    every_local = all(local for *_, local in lines)
    return {
        "lines": out,
        "total": "$0 (ran on this machine)" if every_local else f"${total:.4f}",
        "total_value": total,
    }


def _seq_clock(seconds: float) -> str:
    s = max(0, int(seconds))
    return f"{s // 60:02d}:{s % 60:02d}"


def feedback_page_data(
    db: Session, ps: PracticeSession, settings: Settings | None = None, viewer_id: int | None = None
) -> dict[str, Any]:
    """Everything the feedback page shows for one session (the caller has checked access).

    The trainee's turns are labelled "You" for the trainee and with their name for anyone else.
    """
    settings = settings or get_settings()
    snap = ps.persona_snapshot or {}
    trainee = db.get(User, ps.user_id) if ps.user_id else None
    runs = list(db.exec(select(Feedback).where(Feedback.session_id == ps.id).order_by(Feedback.id.desc())).all())
    fb = runs[0] if runs else None
    override = latest_override(db, ps.id)
    score, overridden = effective_score(fb, override)
    pass_mark = fb.pass_mark if fb is not None else float(snap.get("pass_mark") or 70)
    # plain rows, not ORM objects: long calls have hundreds of turns
    turns = db.exec(
        select(Turn.seq, Turn.speaker, Turn.text, Turn.start).where(Turn.session_id == ps.id).order_by(Turn.seq)
    ).all()

    status = "none" if fb is None else fb.status
    if fb is not None and is_stale(fb):
        status = "stale"
    a = (fb.analytics if fb is not None else None) or {}

    objectives = []
    for o in (fb.objectives if fb is not None and fb.status == "done" else []) or []:
        objectives.append({
            "id": o["id"],
            "description": o.get("description", ""),
            "weight": score_text(o.get("weight")),
            "score": score_text(o.get("score")),
            "score_value": float(o.get("score") or 0),
            "rationale": o.get("rationale", ""),
            "quotes": [{"text": q["text"], "seq": int(q["seq"]), "href": f"#turn-{q['seq']}",
                        "speaker": q.get("speaker", "trainee")} for q in o.get("quotes", [])],
            "invented": list(o.get("invented_quotes", [])),
        })
    quoted = {q["seq"] for o in objectives for q in o["quotes"]}

    persona_name = str(snap.get("name") or ps.persona_id)
    trainee_label = "You" if viewer_id is not None and viewer_id == ps.user_id else user_label(trainee)
    transcript = [
        {"seq": seq, "anchor": f"turn-{seq}", "speaker": sp, "who": trainee_label if sp == "trainee" else persona_name,
         "text": text, "at": _seq_clock(start), "quoted": seq in quoted}
        for seq, sp, text, start in ((t.seq, getattr(t.speaker, "value", t.speaker), t.text, t.start) for t in turns)
    ]
    talk = a.get("talk_seconds") or {}
    charts = {
        "talk": [{"name": "Trainee", "seconds": round(talk.get("trainee", 0.0), 1)},
                 {"name": persona_name, "seconds": round(talk.get("persona", 0.0), 1)}] if talk else [],
        "pace": [{"minute": f"{p['minute']}", "wpm": p["wpm"]} for p in a.get("pace", [])],
        "latency": [{"turn": f"#{x['seq']}", "e2e": x.get("e2e_latency"), "eou": x.get("end_of_turn_delay"),
                     "llm": x.get("llm_ttft"), "tts": x.get("tts_ttfb")} for x in a.get("latency", [])],
    }
    fillers = a.get("fillers") or {}
    mono = a.get("longest_monologue") or None
    q = a.get("questions") or {}
    ratio = a.get("talk_ratio")
    metrics = [
        {"key": "talk-ratio", "label": "Trainee's share of talk", "value": "-" if ratio is None else f"{ratio * 100:.0f}%",
         "hint": "Aim to listen at least as much as you talk."},
        {"key": "wpm", "label": "Pace", "value": "-" if a.get("wpm") is None else f"{a['wpm']:.0f} wpm",
         "hint": "Words per minute while speaking."},
        {"key": "fillers", "label": "Filler words", "value": str(fillers.get("total", 0)) if a else "-",
         "hint": ", ".join(f"{k} \u00d7{v}" for k, v in (fillers.get("counts") or {}).items()) or "None heard."},
        {"key": "monologue", "label": "Longest monologue",
         "value": (f"{mono['seconds']:.0f} s" if mono["seconds"] < 60 else clock(mono["seconds"])) if mono else "-",
         "hint": f"{mono['words']} words without a break" if mono else ""},
        {"key": "questions", "label": "Questions", "value": str(q.get("total", 0)) if a else "-",
         "hint": f"{q.get('open', 0)} open, {q.get('closed', 0)} closed"},
        {"key": "interruptions", "label": "Interruptions", "value": str((a.get("interruptions") or {}).get("count", 0)) if a else "-",
         "hint": "Started talking while the customer was still speaking."},
        {"key": "response", "label": "Response time",
         "value": "-" if a.get("response_time_avg") is None else f"{a['response_time_avg']:.1f} s",
         "hint": "Average pause before answering the customer."},
        {"key": "latency", "label": "Persona latency",
         "value": "-" if a.get("persona_latency_avg") is None else f"{a['persona_latency_avg']:.2f} s",
         "hint": "Average voice-to-voice delay of the AI."},
    ]
    judge_tokens = (sum(r.judge_prompt_tokens for r in runs), sum(r.judge_completion_tokens for r in runs))
    duration = None
    if ps.started_at and ps.ended_at:
        duration = (_utc(ps.ended_at) - _utc(ps.started_at)).total_seconds()
    elif a.get("call_seconds") is not None:
        duration = a["call_seconds"]

    actor_ids = {r.actor_id for r in db.exec(select(ReviewAction).where(ReviewAction.session_id == ps.id)).all()}
    actor_ids |= {r.requested_by for r in runs if r.requested_by}
    actors = {u.id: user_label(u) for u in db.exec(select(User).where(User.id.in_(actor_ids))).all()} if actor_ids else {}
    actions = [
        {"id": r.id, "kind": r.kind, "who": actors.get(r.actor_id, f"user {r.actor_id}"), "when": when_text(r.created_at),
         "comment": r.comment, "old": score_text(r.old_score), "new": score_text(r.new_score)}
        for r in db.exec(select(ReviewAction).where(ReviewAction.session_id == ps.id).order_by(ReviewAction.id.desc())).all()
    ]
    history = [
        {"id": r.id, "when": when_text(r.created_at), "status": "stale" if is_stale(r) else r.status,
         "score": score_text(r.overall_score), "model": r.judge_model or "-", "prompt": r.prompt_version or "-",
         "by": actors.get(r.requested_by, "automatic") if r.requested_by else "automatic", "error": r.error or ""}
        for r in runs
    ]
    passed = None if score is None else score >= pass_mark
    return {
        "session": {
            "id": ps.id, "user_id": ps.user_id or 0, "trainee": user_label(trainee) if ps.user_id else "-",
            "persona_name": persona_name, "persona_role": str(snap.get("role") or ""),
            "scenario": str((snap.get("scenario") or {}).get("name") or ps.persona_id),
            "date": when_text(ps.created_at), "duration": clock(duration),
            "status": ps.status.value if hasattr(ps.status, "value") else str(ps.status),
            "end_reason": ps.end_reason or "",
        },
        "evaluation": {
            "status": status, "score": score_text(score), "score_value": score, "overridden": overridden,
            "machine_score": score_text(fb.overall_score if fb else None),
            "pass_mark": score_text(pass_mark), "passed": passed, "note": (fb.note or "") if fb else "",
            "error": (fb.error or "") if fb else "", "judge_model": (fb.judge_model or "") if fb else "",
            "prompt_version": (fb.prompt_version or "") if fb else "", "has_analytics": bool(a),
        },
        "objectives": objectives,
        "metrics": metrics,
        "charts": charts,
        "transcript": transcript,
        "cost": session_cost(ps, judge_tokens, settings),
        "actions": actions,
        "history": history,
    }


# --- manager actions ----------------------------------------------------------------------------


class ReviewInputError(ValueError):
    """A manager's comment or score that cannot be recorded (the message says why)."""


def current_score(db: Session, ps: PracticeSession) -> float | None:
    fb = db.exec(select(Feedback).where(Feedback.session_id == ps.id).order_by(Feedback.id.desc()).limit(1)).first()
    return effective_score(fb, latest_override(db, ps.id))[0]


def add_comment(db: Session, actor: User, ps: PracticeSession, comment: str) -> ReviewAction:
    from coach_app.textlimits import COMMENT_MAX, TextTooLong, check_text

    try:
        text = check_text(comment, COMMENT_MAX, "The comment", required=True)
    except TextTooLong as exc:
        raise ReviewInputError(str(exc)) from None
    ra = ReviewAction(session_id=ps.id, actor_id=actor.id, kind="comment", comment=text)
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
    from coach_app.textlimits import COMMENT_MAX, TextTooLong, check_text

    value = parse_score(new_score)
    try:
        text = check_text(comment, COMMENT_MAX, "The reason")
    except TextTooLong as exc:
        raise ReviewInputError(str(exc)) from None
    ra = ReviewAction(session_id=ps.id, actor_id=actor.id, kind="override", comment=text,
                      old_score=current_score(db, ps), new_score=value)
    db.add(ra)
    db.commit()
    db.refresh(ra)
    return ra
