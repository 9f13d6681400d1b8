"""The feedback page's shape: one `FeedbackPage` of TypedDicts, which Reflex reads field by field.
No Reflex here. `page_data` fills it from the database; the page state holds it as it is. Words
that only the page shows for the evaluation: `waiting` (the call ended, no evaluation yet) and
`call_open` (not ended yet).
"""

from __future__ import annotations

from typing import Any, TypedDict

from coach_app.feedback.cost import CostView, empty_cost
from coach_app.feedback.evaluate import pass_mark_of
from coach_app.feedback.mood_view import MoodView, empty_mood
from coach_app.feedback.score import score_text

WAITING = "waiting"
CALL_OPEN = "call_open"


class SessionHeader(TypedDict):
    id: int
    user_id: int
    trainee: str
    persona_name: str
    persona_role: str
    scenario: str
    date: str
    duration: str
    status: str
    end_reason: str


class EvaluationView(TypedDict):
    status: str  # a shown FeedbackStatus (`evaluate.shown_status`), WAITING or CALL_OPEN
    score: str
    score_value: float | None
    overridden: bool
    machine_score: str
    pass_mark: str
    passed: bool | None
    verdict: str  # passed | not passed | ""
    note: str
    error: str
    judge_model: str
    prompt_version: str
    has_analytics: bool


class QuoteView(TypedDict):
    text: str
    seq: int
    href: str
    speaker: str


class ObjectiveView(TypedDict):
    id: str
    description: str
    weight: str
    score: str
    score_value: float
    rationale: str
    quotes: list[QuoteView]
    invented: list[str]


class MomentView(TypedDict):  # a turn a metric card links to (click: the recording jumps there)
    seq: int
    label: str


class MetricView(TypedDict):
    key: str
    label: str
    value: str
    hint: str
    moments: list[MomentView]


class ChartsView(TypedDict):  # rows for recharts
    talk: list[dict[str, Any]]  # {"name", "seconds"}
    pace: list[dict[str, Any]]  # {"minute", "wpm"}
    latency: list[dict[str, Any]]  # {"turn", "e2e", "eou", "llm", "tts"}


class TurnView(TypedDict):
    seq: int
    anchor: str
    speaker: str
    who: str
    text: str
    at: str
    quoted: bool
    typed: bool  # a typed message: nothing to hear in the recording
    audio_start: float  # where the turn starts and ends in the recording (seconds)
    audio_end: float


class AudioView(TypedDict):
    url: str  # the audio endpoint's path, "" when the call has no recording
    duration: str  # m:ss
    size: str  # e.g. "1.2 MB"


class ActionView(TypedDict):
    id: int
    kind: str  # a ReviewKind value
    who: str
    when: str
    comment: str
    old: str
    new: str


class RunView(TypedDict):
    id: int
    when: str
    status: str
    score: str
    model: str
    prompt: str
    by: str
    error: str


class FlagView(TypedDict):
    """A trainee turn that looks like an attempt to instruct the judge (shown to managers only)."""

    seq: int
    href: str
    reasons: str
    excerpt: str


class FeedbackPage(TypedDict):
    session: SessionHeader
    evaluation: EvaluationView
    objectives: list[ObjectiveView]
    metrics: list[MetricView]
    charts: ChartsView
    transcript: list[TurnView]
    audio: AudioView
    cost: CostView
    actions: list[ActionView]
    history: list[RunView]
    flags: list[FlagView]
    mood: MoodView  # the customer's mood over the call, help used, practice or assessment


def empty_page() -> FeedbackPage:
    """The page before (or instead of) a session: every field present, nothing to show."""
    return FeedbackPage(
        session=SessionHeader(
            id=0,
            user_id=0,
            trainee="",
            persona_name="",
            persona_role="",
            scenario="",
            date="",
            duration="",
            status="",
            end_reason="",
        ),
        evaluation=EvaluationView(
            status="none",
            score="-",
            score_value=None,
            overridden=False,
            machine_score="-",
            pass_mark=score_text(pass_mark_of(None)),
            passed=None,
            verdict="",
            note="",
            error="",
            judge_model="",
            prompt_version="",
            has_analytics=False,
        ),
        objectives=[],
        metrics=[],
        charts=ChartsView(talk=[], pace=[], latency=[]),
        transcript=[],
        audio=AudioView(url="", duration="", size=""),
        cost=empty_cost(),
        actions=[],
        history=[],
        flags=[],
        mood=empty_mood(),
    )
