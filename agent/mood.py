"""The customer's mood: levels (anger, trust, progress, 1-10) and a phase that code owns.

After each trainee turn an `Assessment` says which of the persona file's cues the turn hit (an
escalation trigger, a de-escalation point, a walk-away condition, resolution criteria met) and how
the levels change. It comes from the LLM classifier when an LLM is configured (`agent.mood_llm`)
or from the scripted engine's matching (`script_match`) otherwise; either way `advance` applies it
with the change bounded to MAX_STEP per level and turn, and the phase is derived from the levels:

- walking_away: anger at the top and trust at the bottom, or a walk-away condition hit when she is
  already near the top (the persona hangs up in character, the call ends);
- resolved: anger down to RESOLVED_ANGER_MAX and progress high or every resolution criterion met
  (the persona accepts and says goodbye, the call ends);
- calming: this turn lowered anger or raised trust (without raising anger);
- escalated: otherwise, anger high or above where she started;
- calming again when she has moved from her start levels the good way; opening: unmoved.

No Reflex and no livekit here: pure and unit-tested.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from agent.providers.local.script_match import MATCH_THRESHOLD, Cue, concepts_in, content_words
from coach_app.personas.schema import MOOD_MAX, MOOD_MIN, Persona

LEVELS = ("anger", "trust", "progress")
MAX_STEP = 2  # no level moves by more than this in one trainee turn
ESCALATED_ANGER_MIN = 7
RESOLVED_ANGER_MAX = 4
RESOLVED_PROGRESS_MIN = 9
WALK_AWAY_ANGER_MIN = 9  # a walk-away condition hit at this anger or above ends the call

# The keyword engine's change per kind of hit (the LLM classifier chooses its own, bounded).
KEYWORD_STEPS: dict[str, dict[str, int]] = {
    "trigger": {"anger": 2, "trust": -1, "progress": 0},
    "deescalation": {"anger": -2, "trust": 1, "progress": 1},
    "walk_away": {"anger": 2, "trust": -2, "progress": 0},
    "criterion": {"anger": -1, "trust": 1, "progress": 2},  # per resolution criterion newly met
}


class Phase(enum.StrEnum):
    opening = "opening"
    escalated = "escalated"
    calming = "calming"
    resolved = "resolved"
    walking_away = "walking_away"


ENDING_PHASES = frozenset({Phase.resolved, Phase.walking_away})


class Assessment(BaseModel):
    """What one trainee turn did. The LLM classifier's JSON answer has exactly this shape."""

    model_config = ConfigDict(extra="ignore")

    escalation_trigger: int | None = None  # index into phases.escalation_triggers
    deescalation_point: int | None = None  # index into phases.deescalation_points
    walk_away: int | None = None  # index into phases.resolution.walks_away_when
    criteria_met: list[int] = []  # indexes into phases.resolution.accepts_when
    anger: int = 0  # changes, bounded by code to +-MAX_STEP
    trust: int = 0
    progress: int = 0

    @field_validator(
        "escalation_trigger", "deescalation_point", "walk_away", "anger", "trust", "progress", mode="before"
    )
    @classmethod
    def _whole_number(cls, value: Any) -> Any:
        if isinstance(value, bool) or (value is not None and not isinstance(value, int)):
            raise ValueError(f"expected a whole number or null, got {value!r}")
        return value

    def check_against(self, persona: Persona) -> Assessment:
        """The indexes must name cues the persona file has (ValueError otherwise)."""
        ph = persona.phases
        for name, index, size in (
            ("escalation_trigger", self.escalation_trigger, len(ph.escalation_triggers)),
            ("deescalation_point", self.deescalation_point, len(ph.deescalation_points)),
            ("walk_away", self.walk_away, len(ph.resolution.walks_away_when)),
        ):
            if index is not None and not 0 <= index < size:
                raise ValueError(f"{name} {index} is not one of the persona's {size}")
        bad = [i for i in self.criteria_met if not 0 <= i < len(ph.resolution.accepts_when)]
        if bad:
            raise ValueError(f"criteria_met {bad} are not resolution criteria of the persona")
        return self


@dataclass(frozen=True)
class MoodState:
    anger: int
    trust: int
    progress: int
    phase: Phase = Phase.opening
    hit: dict[str, Any] | None = None  # {"kind", "index", "when"}: what the last trainee turn hit
    met: tuple[int, ...] = ()  # resolution criteria met so far
    source: str = "start"  # start | llm | keywords
    note: str = ""  # e.g. why the classifier's answer was not used

    def levels(self) -> dict[str, int]:
        return {"anger": self.anger, "trust": self.trust, "progress": self.progress}

    def as_dict(self) -> dict[str, Any]:
        """Stored on the turn (`Turn.mood`), published to the room and shown on the pages."""
        out: dict[str, Any] = {**self.levels(), "phase": self.phase.value, "hit": self.hit, "source": self.source}
        if self.note:
            out["note"] = self.note
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], persona: Persona) -> MoodState:
        """A stored state (an agent that rejoins a call carries on from the last one)."""
        start = persona.mood_start()
        levels = {k: _clamp(int(data.get(k, start[k]))) for k in LEVELS}
        phase = data.get("phase") if data.get("phase") in set(Phase) else Phase.opening
        return cls(**levels, phase=Phase(phase), source=str(data.get("source", "start")))


def start_state(persona: Persona) -> MoodState:
    return MoodState(**persona.mood_start())


def _clamp(value: int) -> int:
    return max(MOOD_MIN, min(MOOD_MAX, value))


def _step(value: int) -> int:
    return max(-MAX_STEP, min(MAX_STEP, value))


def phase_of(
    levels: dict[str, int], before: dict[str, int], start: dict[str, int], *, all_met: bool, walk_away_hit: bool
) -> Phase:
    anger, trust, progress = levels["anger"], levels["trust"], levels["progress"]
    if (anger >= MOOD_MAX and trust <= MOOD_MIN) or (walk_away_hit and anger >= WALK_AWAY_ANGER_MIN):
        return Phase.walking_away
    if anger <= RESOLVED_ANGER_MAX and (progress >= RESOLVED_PROGRESS_MIN or all_met):
        return Phase.resolved
    if anger <= before["anger"] and (anger < before["anger"] or trust > before["trust"]):
        return Phase.calming  # this turn moved her the good way
    if anger >= ESCALATED_ANGER_MIN or anger > start["anger"]:
        return Phase.escalated
    if levels != start:
        return Phase.calming
    return Phase.opening


def _hit_of(persona: Persona, a: Assessment) -> dict[str, Any] | None:
    """The one cue a turn is remembered by (shown as the marker's label)."""
    ph = persona.phases
    if a.walk_away is not None:
        return {"kind": "walk_away", "index": a.walk_away, "when": ph.resolution.walks_away_when[a.walk_away]}
    if a.escalation_trigger is not None:
        i = a.escalation_trigger
        return {"kind": "trigger", "index": i, "when": ph.escalation_triggers[i].when}
    if a.deescalation_point is not None:
        i = a.deescalation_point
        return {"kind": "deescalation", "index": i, "when": ph.deescalation_points[i].when}
    if a.criteria_met:
        i = a.criteria_met[0]
        return {"kind": "criterion", "index": i, "when": ph.resolution.accepts_when[i]}
    return None


def advance(persona: Persona, state: MoodState, a: Assessment, *, source: str, note: str = "") -> MoodState:
    """The state after one trainee turn: the assessment's changes, bounded, and the phase from the levels."""
    if state.phase in ENDING_PHASES:
        return replace(state, hit=None, source=source, note=note)  # the call is ending; nothing moves
    levels = {k: _clamp(getattr(state, k) + _step(getattr(a, k))) for k in LEVELS}
    met = tuple(sorted(set(state.met) | set(a.criteria_met)))
    all_met = len(met) == len(persona.phases.resolution.accepts_when)
    phase = phase_of(
        levels, state.levels(), persona.mood_start(), all_met=all_met, walk_away_hit=a.walk_away is not None
    )
    return MoodState(**levels, phase=phase, hit=_hit_of(persona, a), met=met, source=source, note=note)


# --- the keyword engine (no LLM configured) ---------------------------------------------------------


@dataclass
class KeywordClassifier:
    """The scripted engine's matching: the best cue over the threshold, and criteria newly met."""

    persona: Persona
    cues: list[Cue] = field(init=False)
    accepts: list[Cue] = field(init=False)

    def __post_init__(self) -> None:
        ph = self.persona.phases
        self.cues = (
            [Cue.build("trigger", i, t.when) for i, t in enumerate(ph.escalation_triggers)]
            + [Cue.build("deescalation", i, t.when) for i, t in enumerate(ph.deescalation_points)]
            + [Cue.build("walk_away", i, w) for i, w in enumerate(ph.resolution.walks_away_when)]
        )
        self.accepts = [Cue.build("criterion", i, w) for i, w in enumerate(ph.resolution.accepts_when)]

    def assess(self, text: str, state: MoodState) -> Assessment:
        words, concepts = content_words(text), concepts_in(text)
        met = [
            c.index
            for c in self.accepts
            if c.index not in state.met and c.score(words, concepts, text) >= MATCH_THRESHOLD
        ]
        scored = sorted(
            ((c.score(words, concepts, text), c) for c in self.cues),
            key=lambda sc: (sc[0], sc[1].kind == "deescalation"),
            reverse=True,
        )
        best = scored[0][1] if scored and scored[0][0] >= MATCH_THRESHOLD else None
        change = {k: 0 for k in LEVELS}
        if best is not None:
            change = dict(KEYWORD_STEPS[best.kind])
        for _ in met:
            change = {k: change[k] + KEYWORD_STEPS["criterion"][k] for k in LEVELS}
        return Assessment(
            escalation_trigger=best.index if best is not None and best.kind == "trigger" else None,
            deescalation_point=best.index if best is not None and best.kind == "deescalation" else None,
            walk_away=best.index if best is not None and best.kind == "walk_away" else None,
            criteria_met=met,
            **change,
        )


# --- what the persona is told ------------------------------------------------------------------------

PHASE_GUIDANCE = {
    Phase.opening: "Stay as you opened the call until the trainee gives you a reason to change.",
    Phase.escalated: "You are getting angrier: be short, sharp and impatient; do not warm up yet.",
    Phase.calming: "You are starting to calm down: a little warmer and more cooperative, still wary.",
    Phase.resolved: (
        "Your issue is resolved: in one or two short sentences accept, thank the trainee in your own "
        "way and say goodbye. Do not ask anything new. This is your last line in the call."
    ),
    Phase.walking_away: (
        "You have had enough: in one or two short sentences say, in character, that you are hanging up "
        "(and what you will do instead). Do not ask anything. This is your last line in the call."
    ),
}


def mood_instructions(persona: Persona, state: MoodState) -> str:
    """The block added to the persona's instructions for its next reply."""
    lines = [
        "## Your mood right now (set by the call system from what the trainee said; the trainee cannot change it)",
        f"Phase: {state.phase.value}. Anger {state.anger}/10, trust {state.trust}/10, progress {state.progress}/10.",
        PHASE_GUIDANCE[state.phase],
    ]
    hit = state.hit
    if hit and hit["kind"] in ("trigger", "deescalation"):
        cues = persona.phases.escalation_triggers if hit["kind"] == "trigger" else persona.phases.deescalation_points
        what = "an escalation trigger" if hit["kind"] == "trigger" else "a de-escalation point"
        lines.append(
            f"The trainee's last turn hit {what}: {hit['when']} React as written: {cues[hit['index']].reaction}"
        )
    elif hit and hit["kind"] == "walk_away":
        lines.append(f"The trainee's last turn is a reason for you to walk away: {hit['when']}")
    return "\n".join(lines)
