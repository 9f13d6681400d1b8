"""Evaluate a finished session: analytics (always) and the rubric judge (when an LLM is configured).

`await evaluate_session(session_id)` is what the agent calls when a call ends, and what the
manager's "re-run evaluation" button calls with `requested_by=<manager id>`. Each run writes a
new `Feedback` row (running -> done | failed); the newest row is the current result and older
rows stay as history. An automatic call (no `requested_by`) is idempotent: when the session
already has a finished or running evaluation it returns that instead of starting another.

No Reflex here.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from coach_app.clock import utc
from coach_app.db import session_scope
from coach_app.feedback.analytics import TRAINEE, compute_analytics, turn_data
from coach_app.feedback.judge import PROMPT_VERSION, JudgeError, judge_config, judge_transcript
from coach_app.feedback.lexicon import base_language
from coach_app.feedback.transcript_guard import flag_turns
from coach_app.models import PASS_MARK_DEFAULT, Feedback, FeedbackStatus, PracticeSession, Turn
from coach_app.settings import Settings, get_settings

logger = logging.getLogger("coach.feedback")

NO_LLM_REASON = (
    "Rubric scoring needs an LLM: set GROQ_API_KEY, or LOCAL_LLM_BASE_URL for a local OpenAI-compatible server"
)
NO_LLM_NOTE = f"{NO_LLM_REASON}, then re-run the evaluation. The speaking analytics are complete."
NO_SPEECH_NOTE = "No trainee speech was recorded, so every objective scores 0."
# A running evaluation older than this is treated as abandoned (its process died).
STALE_AFTER = timedelta(minutes=15)


class SessionNotFound(LookupError):
    pass


def shown_status(status: str | None, created_at: datetime | None, now: datetime | None = None) -> str:
    """The word every page shows for an evaluation: its stored status, `stale` for a pending or
    running run older than STALE_AFTER (abandoned), `none` when there is no evaluation."""
    if not status:
        return "none"
    now = now or datetime.now(UTC)
    if (
        status in (FeedbackStatus.pending, FeedbackStatus.running)
        and created_at is not None
        and utc(created_at) < now - STALE_AFTER
    ):
        return FeedbackStatus.stale.value
    return str(status)


def is_stale(fb: Feedback, now: datetime | None = None) -> bool:
    return shown_status(fb.status, fb.created_at, now) == FeedbackStatus.stale


def latest_feedback(db: Session, session_id: int) -> Feedback | None:
    return db.exec(
        select(Feedback).where(Feedback.session_id == session_id).order_by(Feedback.id.desc()).limit(1)
    ).first()


def pass_mark_of(persona_snapshot: dict[str, Any] | None) -> float:
    """The persona's pass mark as frozen on the session (PASS_MARK_DEFAULT when it has none)."""
    value = (persona_snapshot or {}).get("pass_mark")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else PASS_MARK_DEFAULT


def _finish(fb_id: int, **values: Any) -> Feedback:
    with session_scope() as db:
        fb = db.get(Feedback, fb_id)
        for k, v in values.items():
            setattr(fb, k, v)
        fb.finished_at = datetime.now(UTC)
        db.add(fb)
        db.commit()
        db.refresh(fb)
        return fb


async def evaluate_session(
    session_id: int, requested_by: int | None = None, settings: Settings | None = None
) -> Feedback:
    """Evaluate one session and return its new (or, for automatic calls, existing) Feedback row.

    Raises SessionNotFound for an unknown id. Judge problems never raise: they end in a row with
    status "failed", a clear `error`, and the analytics saved.
    """
    settings = settings or get_settings()
    with session_scope() as db:
        ps = db.get(PracticeSession, session_id)
        if ps is None:
            raise SessionNotFound(f"no practice session with id {session_id}")
        if requested_by is None:
            current = latest_feedback(db, session_id)
            if current is not None and (
                current.status == FeedbackStatus.done
                or (current.status in (FeedbackStatus.pending, FeedbackStatus.running) and not is_stale(current))
            ):
                return current
        turns = turn_data(db.exec(select(Turn).where(Turn.session_id == session_id).order_by(Turn.seq)).all())
        persona = dict(ps.persona_snapshot or {})
        rubric = list(ps.rubric or [])
        # Turns that look like forged transcript lines or instructions to the judge: for the manager.
        flags = flag_turns(turns, (ps.persona_snapshot or {}).get("name"))
        fb = Feedback(
            session_id=session_id,
            status=FeedbackStatus.running,
            pass_mark=pass_mark_of(ps.persona_snapshot),
            requested_by=requested_by,
            injection_flags=flags,
        )
        db.add(fb)
        db.commit()
        db.refresh(fb)
        fb_id = fb.id

    language = persona.get("language") or "en"
    fillers = settings.feedback_filler_words.get(base_language(language))
    try:
        analytics = compute_analytics(turns, language, fillers)
    except Exception as exc:
        logger.exception("analytics failed for session %s", session_id)
        return _finish(fb_id, status=FeedbackStatus.failed, error=f"speaking analytics failed: {exc}")
    with session_scope() as db:
        fb = db.get(Feedback, fb_id)
        fb.analytics = analytics
        db.add(fb)

    pass_mark = pass_mark_of(persona)
    if not any(t.speaker == TRAINEE and t.text.strip() for t in turns):
        objectives = [
            {
                "id": o["id"],
                "description": o.get("description", ""),
                "weight": float(o.get("weight", 1)),
                "score": 0.0,
                "rationale": "The trainee did not say anything in this call.",
                "quotes": [],
                "invented_quotes": [],
                "rejected_quotes": [],
            }
            for o in rubric
        ]
        return _finish(
            fb_id,
            status=FeedbackStatus.done,
            objectives=objectives,
            overall_score=0.0,
            passed=False,
            note=NO_SPEECH_NOTE,
        )

    config = judge_config(settings)
    if config is None:
        return _finish(
            fb_id, status=FeedbackStatus.done, objectives=[], overall_score=None, passed=None, note=NO_LLM_NOTE
        )

    try:
        result = await judge_transcript(config, persona, rubric, turns, pass_mark)
    except JudgeError as exc:
        usage = getattr(exc, "usage", {}) or {}
        logger.warning("judge failed for session %s: %s", session_id, exc)
        return _finish(
            fb_id,
            status=FeedbackStatus.failed,
            judge_model=config.model,
            prompt_version=PROMPT_VERSION,
            error=str(exc),
            judge_prompt_tokens=usage.get("prompt_tokens", 0),
            judge_completion_tokens=usage.get("completion_tokens", 0),
        )
    except Exception as exc:
        logger.exception("judge crashed for session %s", session_id)
        return _finish(
            fb_id,
            status=FeedbackStatus.failed,
            judge_model=config.model,
            prompt_version=PROMPT_VERSION,
            error=f"the evaluation stopped unexpectedly: {type(exc).__name__}: {exc}",
        )

    notes = []
    if result.invented_quote_count:
        n = result.invented_quote_count
        notes.append(
            f"The judge cited {n} quote{'s' if n != 1 else ''} that {'are' if n != 1 else 'is'} not in the "
            "transcript; they were removed and are listed under the objective they were given for."
        )
    if result.rejected_quote_count:
        n = result.rejected_quote_count
        notes.append(
            f"{n} quote{'s' if n != 1 else ''} cited by the judge {'were' if n != 1 else 'was'} not "
            "accepted as evidence (attributed to the wrong speaker, or from text imitating another speaker)."
        )
    note = " ".join(notes) or None
    return _finish(
        fb_id,
        status=FeedbackStatus.done,
        objectives=[o.as_dict() for o in result.objectives],
        overall_score=result.overall_score,
        pass_mark=result.pass_mark,
        passed=result.passed,
        judge_model=result.model,
        prompt_version=result.prompt_version,
        judge_prompt_tokens=result.prompt_tokens,
        judge_completion_tokens=result.completion_tokens,
        note=note,
    )


def evaluate_session_sync(session_id: int, requested_by: int | None = None) -> Feedback:
    """For synchronous callers (the command line)."""
    return asyncio.run(evaluate_session(session_id, requested_by))
