"""Everything the feedback page shows for one session, built from the database. No Reflex here.

The page state calls `feedback_page_data` after its access checks and holds the result as it is
(one `FeedbackPage`, whose shape lives in `page_views`); the benchmark times it directly.
"""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, select

from coach_app.calls.recordings import recording_path
from coach_app.clock import duration_text, stamp, utc, when_text
from coach_app.feedback.cost import session_cost
from coach_app.feedback.evaluate import pass_mark_of, shown_status
from coach_app.feedback.mood_view import mood_view
from coach_app.feedback.page_views import CALL_OPEN, WAITING, AudioView, FeedbackPage, FlagView, MetricView, MomentView
from coach_app.feedback.score import effective_score, latest_override, result_text, score_text
from coach_app.models import ENDED_STATUSES, Feedback, FeedbackStatus, PracticeSession, ReviewAction, Turn, User
from coach_app.settings import Settings, get_settings


def user_label(u: User | None) -> str:
    if u is None:
        return "(deleted user)"
    return u.display_name or u.username


def _speaker(value: Any) -> str:
    return getattr(value, "value", value)


def feedback_page_data(
    db: Session,
    ps: PracticeSession,
    settings: Settings | None = None,
    viewer_id: int | None = None,
    show_flags: bool = False,
) -> FeedbackPage:
    """Everything the feedback page shows for one session (the caller has checked access).

    The trainee's turns are labelled "You" for the trainee and with their name for anyone else;
    turns flagged as attempts to steer the judge are listed only with `show_flags` (managers).
    """
    settings = settings or get_settings()
    snap = ps.persona_snapshot or {}
    trainee = db.get(User, ps.user_id) if ps.user_id else None
    runs = list(db.exec(select(Feedback).where(Feedback.session_id == ps.id).order_by(Feedback.id.desc())).all())
    fb = runs[0] if runs else None
    override = latest_override(db, ps.id)
    score, overridden = effective_score(fb, override)
    pass_mark = fb.pass_mark if fb is not None else pass_mark_of(snap)
    # plain rows, not ORM objects: long calls have hundreds of turns
    turns = db.exec(
        select(Turn.seq, Turn.speaker, Turn.text, Turn.start, Turn.end, Turn.typed, Turn.mood)
        .where(Turn.session_id == ps.id)
        .order_by(Turn.seq)
    ).all()

    status = (
        shown_status(fb.status, fb.created_at)
        if fb is not None
        else (WAITING if ps.status in ENDED_STATUSES else CALL_OPEN)
    )
    a = (fb.analytics if fb is not None else None) or {}

    objectives = []
    for o in (fb.objectives if fb is not None and fb.status == FeedbackStatus.done else []) or []:
        objectives.append(
            {
                "id": o["id"],
                "description": o.get("description", ""),
                "weight": score_text(o.get("weight")),
                "score": score_text(o.get("score")),
                "score_value": float(o.get("score") or 0),
                "rationale": o.get("rationale", ""),
                "quotes": [
                    {
                        "text": q["text"],
                        "seq": int(q["seq"]),
                        "href": f"#turn-{q['seq']}",
                        "speaker": q.get("speaker", "trainee"),
                    }
                    for q in o.get("quotes", [])
                ],
                "invented": list(o.get("invented_quotes", [])),
            }
        )
    quoted = {q["seq"] for o in objectives for q in o["quotes"]}

    persona_name = str(snap.get("name") or ps.persona_id)
    trainee_label = "You" if viewer_id is not None and viewer_id == ps.user_id else user_label(trainee)
    transcript = [
        {
            "seq": seq,
            "anchor": f"turn-{seq}",
            "speaker": sp,
            "who": trainee_label if sp == "trainee" else persona_name,
            "text": text,
            "at": stamp(start),
            "quoted": seq in quoted,
            "typed": typed,
            "audio_start": round(max(0.0, start - ps.audio_offset), 3),
            "audio_end": round(max(0.0, end - ps.audio_offset), 3),
        }
        for seq, sp, text, start, end, typed in (
            (t.seq, _speaker(t.speaker), t.text, t.start, t.end, t.typed) for t in turns
        )
    ]
    talk = a.get("talk_seconds") or {}
    charts = {
        "talk": [
            {"name": "Trainee", "seconds": round(talk.get("trainee", 0.0), 1)},
            {"name": persona_name, "seconds": round(talk.get("persona", 0.0), 1)},
        ]
        if talk
        else [],
        "pace": [{"minute": f"{p['minute']}", "wpm": p["wpm"]} for p in a.get("pace", [])],
        "latency": [
            {
                "turn": f"#{x['seq']}",
                "e2e": x.get("e2e_latency"),
                "eou": x.get("end_of_turn_delay"),
                "llm": x.get("llm_ttft"),
                "tts": x.get("tts_ttfb"),
            }
            for x in a.get("latency", [])
        ],
    }
    metrics = _metrics(a)
    judge_tokens = (sum(r.judge_prompt_tokens for r in runs), sum(r.judge_completion_tokens for r in runs))
    duration = None
    if ps.started_at and ps.ended_at:
        duration = (utc(ps.ended_at) - utc(ps.started_at)).total_seconds()
    elif a.get("call_seconds") is not None:
        duration = a["call_seconds"]

    actor_ids = {r.actor_id for r in db.exec(select(ReviewAction).where(ReviewAction.session_id == ps.id)).all()}
    actor_ids |= {r.requested_by for r in runs if r.requested_by}
    actors = (
        {u.id: user_label(u) for u in db.exec(select(User).where(User.id.in_(actor_ids))).all()} if actor_ids else {}
    )
    actions = [
        {
            "id": r.id,
            "kind": r.kind,
            "who": actors.get(r.actor_id, f"user {r.actor_id}"),
            "when": when_text(r.created_at),
            "comment": r.comment,
            "old": score_text(r.old_score),
            "new": score_text(r.new_score),
        }
        for r in db.exec(
            select(ReviewAction).where(ReviewAction.session_id == ps.id).order_by(ReviewAction.id.desc())
        ).all()
    ]
    history = [
        {
            "id": r.id,
            "when": when_text(r.created_at),
            "status": shown_status(r.status, r.created_at),
            "score": score_text(r.overall_score),
            "model": r.judge_model or "-",
            "prompt": r.prompt_version or "-",
            "by": actors.get(r.requested_by, "automatic") if r.requested_by else "automatic",
            "error": r.error or "",
        }
        for r in runs
    ]
    passed = None if score is None else score >= pass_mark
    flags = [
        FlagView(
            seq=int(f["seq"]),
            href=f"#turn-{f['seq']}",
            reasons=", ".join(f.get("reasons", [])),
            excerpt=str(f.get("excerpt", "")),
        )
        for f in ((fb.injection_flags or []) if fb is not None and show_flags else [])
    ]
    return {
        "session": {
            "id": ps.id,
            "user_id": ps.user_id or 0,
            "trainee": user_label(trainee) if ps.user_id else "-",
            "persona_name": persona_name,
            "persona_role": str(snap.get("role") or ""),
            "scenario": str((snap.get("scenario") or {}).get("name") or ps.persona_id),
            "date": when_text(ps.created_at),
            "duration": duration_text(duration),
            "status": ps.status.value if hasattr(ps.status, "value") else str(ps.status),
            "end_reason": ps.end_reason or "",
        },
        "evaluation": {
            "status": status,
            "score": score_text(score),
            "score_value": score,
            "overridden": overridden,
            "machine_score": score_text(fb.overall_score if fb else None),
            "pass_mark": score_text(pass_mark),
            "passed": passed,
            "verdict": result_text(passed),
            "note": (fb.note or "") if fb else "",
            "error": (fb.error or "") if fb else "",
            "judge_model": (fb.judge_model or "") if fb else "",
            "prompt_version": (fb.prompt_version or "") if fb else "",
            "has_analytics": bool(a),
        },
        "objectives": objectives,
        "metrics": metrics,
        "charts": charts,
        "transcript": transcript,
        "audio": audio_view(ps, settings),
        "cost": session_cost(ps, judge_tokens, settings),
        "actions": actions,
        "history": history,
        "flags": flags,
        "mood": mood_view(ps.mode, ps.help_events, [(t.seq, _speaker(t.speaker), t.mood) for t in turns]),
    }


def audio_view(ps: PracticeSession, settings: Settings) -> AudioView:
    """The player's source and label; an empty url when the call has no recording (off, or expired)."""
    if recording_path(settings, ps) is None:
        return AudioView(url="", duration="", size="")
    size = f"{(ps.audio_bytes or 0) / 1_000_000:.1f} MB"
    return AudioView(url=f"/api/sessions/{ps.id}/audio", duration=stamp(ps.audio_seconds or 0.0), size=size)


MOMENTS_MAX = 6  # links per metric card


def _moments(items: list[dict[str, Any]], seq_key: str, label: str) -> list[MomentView]:
    return [{"seq": int(it[seq_key]), "label": f"{label}{i}"} for i, it in enumerate(items[:MOMENTS_MAX], 1)]


def _metrics(a: dict[str, Any]) -> list[MetricView]:
    """The speaking-analytics cards, from a Feedback row's analytics ({} before they exist), each
    with links to the turns it counts (the longest monologue, each question, each interruption)."""
    fillers = a.get("fillers") or {}
    mono = a.get("longest_monologue") or None
    q = a.get("questions") or {}
    ratio = a.get("talk_ratio")
    cards: list[dict[str, Any]] = [
        {
            "key": "talk-ratio",
            "label": "Trainee's share of talk",
            "value": "-" if ratio is None else f"{ratio * 100:.0f}%",
            "hint": "Aim to listen at least as much as you talk.",
        },
        {
            "key": "wpm",
            "label": "Pace",
            "value": "-" if a.get("wpm") is None else f"{a['wpm']:.0f} wpm",
            "hint": "Words per minute while speaking.",
        },
        {
            "key": "fillers",
            "label": "Filler words",
            "value": str(fillers.get("total", 0)) if a else "-",
            "hint": ", ".join(f"{k} \u00d7{v}" for k, v in (fillers.get("counts") or {}).items()) or "None heard.",
        },
        {
            "key": "monologue",
            "label": "Longest monologue",
            "value": (f"{mono['seconds']:.0f} s" if mono["seconds"] < 60 else duration_text(mono["seconds"]))
            if mono
            else "-",
            "hint": f"{mono['words']} words without a break" if mono else "",
        },
        {
            "key": "questions",
            "label": "Questions",
            "value": str(q.get("total", 0)) if a else "-",
            "hint": f"{q.get('open', 0)} open, {q.get('closed', 0)} closed",
        },
        {
            "key": "interruptions",
            "label": "Interruptions",
            "value": str((a.get("interruptions") or {}).get("count", 0)) if a else "-",
            "hint": "Started talking while the customer was still speaking.",
        },
        {
            "key": "response",
            "label": "Response time",
            "value": "-" if a.get("response_time_avg") is None else f"{a['response_time_avg']:.1f} s",
            "hint": "Average pause before answering the customer.",
        },
        {
            "key": "latency",
            "label": "Persona latency",
            "value": "-" if a.get("persona_latency_avg") is None else f"{a['persona_latency_avg']:.2f} s",
            "hint": "Average voice-to-voice delay of the AI.",
        },
    ]
    moments = {
        "monologue": [{"seq": int(mono["first_seq"]), "label": "Hear it"}] if mono else [],
        "questions": _moments(q.get("items") or [], "seq", "Q"),
        "interruptions": _moments((a.get("interruptions") or {}).get("items") or [], "trainee_seq", "#"),
    }
    return [MetricView(**card, moments=moments.get(card["key"], [])) for card in cards]
