"""The feedback page's mood section: the customer's levels over the call, the trainee turns that
moved them, the help used (hints, repeats) and whether the call was practice or an assessment.
No Reflex here; `page_data` calls `mood_view` with the session and its turns' stored moods.
"""

from __future__ import annotations

from typing import Any, TypedDict

from coach_app.clock import stamp
from coach_app.personas.schema import ASSESSMENT

LEVELS = ("anger", "trust", "progress")
HIT_LABELS = {
    "trigger": "escalation trigger",
    "deescalation": "de-escalation point",
    "walk_away": "walk-away condition",
    "criterion": "resolution criterion",
}


class MoodPoint(TypedDict):  # one row for recharts: the state after a turn
    turn: str  # "#4"
    seq: int
    anger: int
    trust: int
    progress: int
    moved: int | None  # the anger level at a trainee turn that moved the mood (a marker), else None


class MoodMarker(TypedDict):
    seq: int
    href: str
    kind: str  # a hit kind (trigger, deescalation, walk_away, criterion) or "moved"
    label: str  # "#4 escalation trigger: anger 8 -> 10"
    when: str  # the persona file's text of the cue it hit


class HelpView(TypedDict):
    kind: str  # hint | repeat
    at: str  # mm:ss into the call (clock.stamp, as the transcript shows it)
    text: str


class MoodView(TypedDict):
    mode: str  # practice | assessment
    mode_label: str
    curve: list[MoodPoint]
    markers: list[MoodMarker]
    help: list[HelpView]
    hints_used: int


def empty_mood() -> MoodView:
    return MoodView(mode="", mode_label="", curve=[], markers=[], help=[], hints_used=0)


def _change(before: dict[str, Any] | None, after: dict[str, Any]) -> str:
    if before is None:
        return ""
    parts = [f"{k} {before[k]} \u2192 {after[k]}" for k in LEVELS if before.get(k) != after.get(k)]
    return ", ".join(parts)


def mood_view(mode: str, help_events: list[dict[str, Any]], turns: list[tuple[int, str, Any]]) -> MoodView:
    """`turns`: (seq, speaker value, stored mood or None) in order."""
    curve: list[MoodPoint] = []
    markers: list[MoodMarker] = []
    before: dict[str, Any] | None = None
    for seq, speaker, mood in turns:
        if not isinstance(mood, dict) or not all(isinstance(mood.get(k), int) for k in LEVELS):
            continue
        change = _change(before, mood)
        hit = mood.get("hit") if isinstance(mood.get("hit"), dict) else None
        is_marker = speaker == "trainee" and (bool(change) or hit is not None)
        curve.append(
            MoodPoint(
                turn=f"#{seq}",
                seq=seq,
                anger=mood["anger"],
                trust=mood["trust"],
                progress=mood["progress"],
                moved=mood["anger"] if is_marker else None,
            )
        )
        if is_marker:
            kind = str(hit.get("kind", "moved")) if hit else "moved"
            what = HIT_LABELS.get(kind, "moved the mood")
            markers.append(
                MoodMarker(
                    seq=seq,
                    href=f"#turn-{seq}",
                    kind=kind,
                    label=f"#{seq} {what}: {change}" if change else f"#{seq} {what}",
                    when=str(hit.get("when", "")) if hit else "",
                )
            )
        before = mood
    shown = [
        HelpView(kind=str(e.get("kind", "")), at=stamp(float(e.get("at") or 0.0)), text=str(e.get("text", "")))
        for e in help_events or []
    ]
    assessed = mode == ASSESSMENT
    return MoodView(
        mode=mode,
        mode_label="Assessment (no mood meter or hints in the call)" if assessed else "Practice",
        curve=curve,
        markers=markers,
        help=shown,
        hints_used=sum(1 for h in shown if h["kind"] == "hint"),
    )
