"""Speaking analytics: pure functions over a call's turns. Counts and timings come from code only.

A turn has a speaker ("trainee" or "persona"), its text, and `start`/`end` in seconds since the
call started; persona turns may carry the agent's latency metrics. Every function here takes a
list of `TurnData` (build one with `turn_data(...)` from `Turn` rows or dicts) and returns plain
numbers or JSON-ready dicts; `compute_analytics` gathers them all for a `Feedback` row.

Definitions (the feedback page and tests rely on them):
- talk time: the sum of a speaker's turn durations; talk ratio = trainee / (trainee + persona).
- words per minute: a speaker's words / that speaker's speaking time (turns with zero duration
  are left out). Pace over the call spreads each turn's words evenly over its duration and
  reports, per minute of the call, words in that minute / speaking time in that minute.
- longest monologue: consecutive trainee turns with no persona turn in between count as one
  stretch, from the first turn's start to the last turn's end.
- questions: trainee sentences that are questions, open (what/why/how..., "tell me...") or
  closed (yes/no), by per-language rules in `lexicon.py`.
- interruption: a trainee turn that starts while a persona turn is still playing
  (persona.start < trainee.start < persona.end).
- trainee response time: trainee.start - persona.end for a trainee turn that directly follows a
  finished persona turn (interruptions are not response times).
- persona latency: the agent's voice-to-voice `e2e_latency` metric per persona turn; the observed
  gap (persona.start - previous trainee.end) is reported alongside.

Code by what it reads: `turns` (turn data, words), `speech` (talk time, pace, fillers,
questions), `turn_taking` (monologues, interruptions, response times, latency). Callers import
from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from coach_app.feedback.lexicon import base_language
from coach_app.feedback.speech import (
    call_length,
    classify_question,
    filler_words,
    pace_by_minute,
    questions,
    sentences,
    talk_ratio,
    talk_time,
    words_per_minute,
)
from coach_app.feedback.turn_taking import (
    interruptions,
    longest_monologue,
    persona_gaps,
    persona_latency,
    response_times,
)
from coach_app.feedback.turns import PERSONA, TRAINEE, TurnData, tokens, turn_data, word_count

__all__ = [
    "PERSONA",
    "TRAINEE",
    "TurnData",
    "call_length",
    "classify_question",
    "compute_analytics",
    "filler_words",
    "interruptions",
    "longest_monologue",
    "pace_by_minute",
    "persona_gaps",
    "persona_latency",
    "questions",
    "response_times",
    "sentences",
    "talk_ratio",
    "talk_time",
    "tokens",
    "turn_data",
    "word_count",
    "words_per_minute",
]


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def _r(x: float | None, nd: int) -> float | None:
    return None if x is None else round(x, nd)


# --- everything -------------------------------------------------------------------------------


def compute_analytics(
    turns: Iterable[Any], language: str | None = "en", fillers: Iterable[str] | None = None
) -> dict[str, Any]:
    """All analytics for one call, JSON-ready (stored on `Feedback.analytics`)."""
    ts = turn_data(turns)
    tt = talk_time(ts)
    ratio = talk_ratio(ts)
    latency = persona_latency(ts)
    resp = response_times(ts)
    gaps = persona_gaps(ts)
    inter = interruptions(ts)
    trainee_words = sum(word_count(t.text, language) for t in ts if t.speaker == TRAINEE)
    persona_words = sum(word_count(t.text, language) for t in ts if t.speaker == PERSONA)
    return {
        "language": base_language(language),
        "turns": {
            TRAINEE: sum(1 for t in ts if t.speaker == TRAINEE),
            PERSONA: sum(1 for t in ts if t.speaker == PERSONA),
        },
        "call_seconds": round(call_length(ts), 2),
        "talk_seconds": {k: round(v, 2) for k, v in tt.items()},
        "talk_ratio": _r(ratio, 4),
        "words": {TRAINEE: trainee_words, PERSONA: persona_words},
        "wpm": _r(words_per_minute(ts, language, TRAINEE), 1),
        "persona_wpm": _r(words_per_minute(ts, language, PERSONA), 1),
        "pace": pace_by_minute(ts, language, TRAINEE),
        "fillers": filler_words(ts, language, fillers),
        "longest_monologue": longest_monologue(ts, language),
        "questions": questions(ts, language),
        "interruptions": {"count": len(inter), "items": inter},
        "response_time_avg": _r(_mean(resp), 3),
        "persona_latency_avg": _r(_mean([x["e2e_latency"] for x in latency]), 3),
        "persona_gap_avg": _r(_mean(gaps), 3),
        "latency": latency,
    }
