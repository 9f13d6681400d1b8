"""Seed practice sessions with transcripts (turns written straight to the DB, as the agent does)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from coach_app.models import Feedback, PracticeSession, SessionStatus, Speaker, Turn
from coach_app.personas.catalogue import get_persona


def T(seq: int, speaker: str, start: float, end: float, text: str, e2e: float | None = None, **metrics: Any) -> dict:
    return {"seq": seq, "speaker": speaker, "start": start, "end": end, "text": text, "e2e_latency": e2e, **metrics}


# A short English billing-dispute call (persona billing-dispute-gold).
BILLING_CALL = [
    T(0, "persona", 0.0, 6.0, "I've been charged twice for March and I want it fixed today."),
    T(1, "trainee", 7.0, 14.0, "I'm so sorry about the double charge. That's our mistake and I'll fix it."),
    T(
        2,
        "persona",
        15.2,
        20.0,
        "Good, because it bounced my rent payment.",
        e2e=1.2,
        end_of_turn_delay=0.5,
        llm_ttft=0.4,
        tts_ttfb=0.3,
    ),
    T(3, "trainee", 21.0, 30.0, "Um, what did the bounced payment cost you? I can cover the bank fee as well."),
    T(
        4,
        "persona",
        31.5,
        36.0,
        "Thirty five dollars. And when do I get my money?",
        e2e=1.5,
        end_of_turn_delay=0.6,
        llm_ttft=0.5,
        tts_ttfb=0.4,
    ),
    T(
        5,
        "trainee",
        35.0,
        45.0,
        "The refund of 89 dollars goes back to your card within three business days, plus the 35 dollar fee.",
    ),
    T(6, "persona", 46.8, 50.0, "Fine. Thank you.", e2e=1.8, end_of_turn_delay=0.7, llm_ttft=0.6, tts_ttfb=0.5),
    T(7, "trainee", 51.0, 56.0, "You'll get an email confirmation today. Is there anything else?"),
]

# What a fair judge answers for BILLING_CALL (objective id -> score, rationale, quotes), as the
# stand-in's `judge_reply` takes it: one quote per objective is real, "I have lost my job because
# of you" is invented (never said), so it is dropped and flagged.
BILLING_JUDGE = {
    "acknowledge-and-own": (
        90,
        "She apologised and owned the error at once.",
        ["i'm so sorry about the DOUBLE charge", "That's our mistake"],
    ),
    "resolve-on-call": (
        80,
        "She refunded the charge and the fee during the call.",
        ["The refund of 89 dollars goes back to your card within three business days"],
    ),
    "discover-impact": (
        70,
        "She asked what the bounce cost.",
        ["what did the bounced payment cost you?", "I have lost my job because of you"],
    ),
    "clear-next-steps": (60, "She gave a date but not every detail.", ["You'll get an email confirmation today"]),
    "respect-time": (100, "The call was short.", []),
}


def seed_session(
    db: Session,
    user_id: int | None,
    turns: list[dict] | None = None,
    persona_id: str = "billing-dispute-gold",
    status: SessionStatus | str = SessionStatus.completed,
    created_at: datetime | None = None,
    usage: dict[str, Any] | None = None,
) -> PracticeSession:
    """A finished session with a frozen persona snapshot and rubric, and its turns."""
    persona = get_persona(persona_id)
    assert persona is not None, f"persona {persona_id} is not in the catalogue"
    turns = BILLING_CALL if turns is None else turns
    created = created_at or datetime.now(UTC)
    length = max((t["end"] for t in turns), default=0.0)
    ps = PracticeSession(
        user_id=user_id,
        persona_id=persona.id,
        persona_snapshot=persona.model_dump(mode="json"),
        rubric=persona.rubric(),
        status=SessionStatus(status),
        end_reason="trainee_ended",
        created_at=created,
        started_at=created + timedelta(seconds=2),
        ended_at=created + timedelta(seconds=2 + length + 1),
        **(usage or {}),
    )
    db.add(ps)
    db.flush()
    ps.room_name = f"coach-{ps.id}"
    for t in turns:
        db.add(
            Turn(
                session_id=ps.id,
                seq=t["seq"],
                speaker=Speaker(t["speaker"]),
                text=t["text"],
                start=t["start"],
                end=t["end"],
                **{k: t.get(k) for k in ("e2e_latency", "end_of_turn_delay", "llm_ttft", "tts_ttfb")},
            )
        )
    db.commit()
    db.refresh(ps)
    return ps


PERSONAS = ["billing-dispute-gold", "retention-gym-cancel", "tech-support-senior", "sales-upsell-home-office"]


def seed_feedback(
    db: Session, ps: PracticeSession, score: float | None, status: str = "done", created_at: datetime | None = None
) -> Feedback:
    """A finished evaluation written directly (no judge): every objective gets `score`."""
    from coach_app.feedback.analytics import compute_analytics
    from coach_app.feedback.evaluate import pass_mark_of

    turns = list(db.exec(select(Turn).where(Turn.session_id == ps.id).order_by(Turn.seq)).all())
    objectives = (
        []
        if score is None
        else [
            {
                "id": o["id"],
                "description": o["description"],
                "weight": o["weight"],
                "score": score,
                "rationale": f"Seeded score {score}.",
                "quotes": [],
                "invented_quotes": [],
            }
            for o in ps.rubric
        ]
    )
    pass_mark = pass_mark_of(ps.persona_snapshot)
    fb = Feedback(
        session_id=ps.id,
        status=status,
        analytics=compute_analytics(turns, ps.persona_snapshot.get("language")),
        objectives=objectives,
        overall_score=score,
        pass_mark=pass_mark,
        passed=None if score is None else score >= pass_mark,
        judge_model="seed",
        prompt_version="seed",
        created_at=created_at or ps.created_at + timedelta(minutes=2),
        finished_at=ps.created_at + timedelta(minutes=2),
    )
    db.add(fb)
    db.commit()
    db.refresh(fb)
    return fb


def seed_many(
    db: Session, user_ids: list[int], n: int, start: datetime | None = None, turns: list[dict] | None = None
) -> list[int]:
    """`n` finished sessions spread over users, personas and days, with deterministic scores.

    Session i: user user_ids[i % len], persona PERSONAS[i % 4], created `start + i hours`,
    score (i * 37) % 101 (every 10th unscored), status completed (every 7th abandoned).
    """
    start = start or datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
    ids = []
    for i in range(n):
        status = SessionStatus.abandoned if i % 7 == 6 else SessionStatus.completed
        ps = seed_session(
            db,
            user_ids[i % len(user_ids)],
            turns=turns,
            persona_id=PERSONAS[i % len(PERSONAS)],
            status=status,
            created_at=start + timedelta(hours=i),
        )
        seed_feedback(db, ps, None if i % 10 == 9 else float((i * 37) % 101))
        ids.append(ps.id)
    return ids
