"""Turn-taking: monologues, interruptions, response times and the persona's latency. Pure functions.

These read only the turns' timing (and the agent's latency metrics), not what was said; the
definitions are in `analytics`.
"""

from __future__ import annotations

from typing import Any

from coach_app.feedback.turns import LATENCY_FIELDS, PERSONA, TRAINEE, TurnData, word_count

# --- monologue --------------------------------------------------------------------------------


def longest_monologue(turns: list[TurnData], language: str | None = "en") -> dict[str, Any] | None:
    """The trainee's longest uninterrupted stretch: {seconds, words, start, end, first_seq, last_seq}."""
    best: dict[str, Any] | None = None
    run: list[TurnData] = []

    def close() -> None:
        nonlocal best
        if not run:
            return
        seconds = max(t.end for t in run) - run[0].start
        if best is None or seconds > best["seconds"]:
            best = {
                "seconds": round(seconds, 2),
                "words": sum(word_count(t.text, language) for t in run),
                "start": run[0].start,
                "end": max(t.end for t in run),
                "first_seq": run[0].seq,
                "last_seq": run[-1].seq,
            }

    for t in turns:
        if t.speaker == TRAINEE:
            run.append(t)
        else:
            close()
            run = []
    close()
    return best


# --- turn-taking ------------------------------------------------------------------------------


def interruptions(turns: list[TurnData]) -> list[dict[str, Any]]:
    """Trainee turns that started while the persona was still speaking."""
    out: list[dict[str, Any]] = []
    personas = [t for t in turns if t.speaker == PERSONA]
    for t in turns:
        if t.speaker != TRAINEE:
            continue
        for p in personas:
            if p.start < t.start < p.end:
                out.append(
                    {"trainee_seq": t.seq, "persona_seq": p.seq, "at": t.start, "overlap": round(p.end - t.start, 3)}
                )
                break
    return out


def response_times(turns: list[TurnData]) -> list[float]:
    """Seconds between a persona turn ending and the trainee's next turn starting."""
    out: list[float] = []
    for prev, t in zip(turns, turns[1:], strict=False):
        if t.speaker == TRAINEE and prev.speaker == PERSONA and t.start >= prev.end:
            out.append(t.start - prev.end)
    return out


def persona_gaps(turns: list[TurnData]) -> list[float]:
    """Observed seconds between the trainee finishing and the persona starting to answer."""
    out: list[float] = []
    for prev, t in zip(turns, turns[1:], strict=False):
        if t.speaker == PERSONA and prev.speaker == TRAINEE and t.start >= prev.end:
            out.append(t.start - prev.end)
    return out


def persona_latency(turns: list[TurnData]) -> list[dict[str, Any]]:
    """Per persona turn that has metrics: {seq, start, e2e_latency, end_of_turn_delay, llm_ttft, tts_ttfb}."""
    out = []
    for t in turns:
        if t.speaker == PERSONA and t.e2e_latency is not None:
            out.append({"seq": t.seq, "start": t.start, **{f: getattr(t, f) for f in LATENCY_FIELDS}})
    return out
