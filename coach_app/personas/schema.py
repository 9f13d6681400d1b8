"""The persona file schema: pydantic models, one per section of a persona YAML file.

Unknown keys are errors and every field says what a good value looks like, so `coach personas check`
can point at the field. No Reflex here: the agent worker imports this module.
"""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator

from coach_app.models import PASS_MARK_DEFAULT

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[str, ...] = get_args(Difficulty)
# How soon the persona answers after the trainee stops: quick jumps in, relaxed lets a pause run
# (the delays are in Settings, TURN_<PATIENCE>_*; agent/turn_taking.py applies them).
Patience = Literal["quick", "normal", "relaxed"]
PATIENCES: tuple[str, ...] = get_args(Patience)
# practice: the call page shows the customer's mood meter and the Hint button; assessment hides both.
Mode = Literal["practice", "assessment"]
MODES: tuple[str, ...] = get_args(Mode)
PRACTICE, ASSESSMENT = MODES
MOOD_MIN, MOOD_MAX = 1, 10  # the customer's levels (anger, trust, progress) run 1-10

# BCP-47 as personas use it: language, optional script, optional region (en-US, th-TH, zh-Hant-TW).
_BCP47 = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
LANGUAGE_NAMES = {
    "en": "English",
    "th": "Thai",
    "es": "Spanish",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "pt": "Portuguese",
    "nl": "Dutch",
    "ja": "Japanese",
    "ko": "Korean",
    "zh": "Chinese",
    "vi": "Vietnamese",
    "id": "Indonesian",
    "ms": "Malay",
    "hi": "Hindi",
    "ar": "Arabic",
    "pl": "Polish",
    "sv": "Swedish",
    "tr": "Turkish",
    "fil": "Filipino",
}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def _check_id(value: str, what: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{what} '{value}' may use only lowercase letters, digits and dashes (e.g. billing-dispute)")
    return value


class _Strict(BaseModel):
    """Unknown keys are errors: a typo must not silently drop a field."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Scenario(_Strict):
    name: str = Field(min_length=1, max_length=80)
    description: str = Field(min_length=1)
    # Who the trainee plays in this call ("Billing support agent at Lumen Broadband").
    trainee_role: str = Field(min_length=1, max_length=160)


class VoiceSettings(_Strict):
    stability: float | None = Field(default=None, ge=0, le=1)
    similarity_boost: float | None = Field(default=None, ge=0, le=1)
    style: float | None = Field(default=None, ge=0, le=1)
    speed: float | None = Field(default=None, ge=0.7, le=1.2)
    use_speaker_boost: bool | None = None


class Voice(_Strict):
    voice_id: str
    settings: VoiceSettings | None = None

    @field_validator("voice_id")
    @classmethod
    def _voice_id(cls, value: str) -> str:
        if not re.fullmatch(r"[A-Za-z0-9]{8,40}", value):
            raise ValueError(
                f"'{value}' is not an ElevenLabs voice id (8-40 letters and digits, e.g. 21m00Tcm4TlvDq8ikWAM)"
            )
        return value


class Profile(_Strict):
    identity: dict[str, str | int] = Field(min_length=1)
    account: dict[str, str | int | float] = Field(default_factory=dict)
    history: list[str] = Field(default_factory=list)


class Context(_Strict):
    what_happened: str = Field(min_length=1)
    what_they_want: str = Field(min_length=1)
    # What the trainee can see before the call (CRM notes, ticket): shown on the scenario page.
    trainee_knows: list[str] = Field(min_length=1)
    # Only the persona knows these; revealed when the trainee asks the right questions.
    hidden_facts: list[str] = Field(default_factory=list)


class Opening(_Strict):
    mood: str = Field(min_length=1)
    intensity: int = Field(ge=1, le=10)
    lines: list[str] = Field(min_length=1)


class Trigger(_Strict):
    when: str = Field(min_length=1)  # what the trainee does
    reaction: str = Field(min_length=1)  # how the persona responds


class Resolution(_Strict):
    accepts_when: list[str] = Field(min_length=1)
    walks_away_when: list[str] = Field(default_factory=list)


def _mood_level(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not MOOD_MIN <= value <= MOOD_MAX:
        raise ValueError(f"{name} must be a whole number from {MOOD_MIN} to {MOOD_MAX}, got {value!r}")
    return value


class MoodStart(_Strict):
    """The customer's levels when the call starts (agent/mood.py moves them per trainee turn).

    Missing `anger` starts at the opening's intensity; trust and progress start low.
    """

    anger: int | None = None
    trust: int = 3
    progress: int = 1

    @field_validator("anger", "trust", "progress", mode="before")
    @classmethod
    def _level(cls, value: Any, info) -> Any:
        return None if value is None else _mood_level(value, info.field_name)


class Phases(_Strict):
    opening: Opening
    escalation_triggers: list[Trigger] = Field(min_length=1)
    deescalation_points: list[Trigger] = Field(min_length=1)
    resolution: Resolution


class Objective(_Strict):
    id: str = Field(max_length=60)
    description: str = Field(min_length=1)
    weight: int = Field(gt=0, le=100)
    evidence: str = Field(min_length=1)  # what good evidence in the transcript looks like

    _id = field_validator("id")(lambda v: _check_id(v, "objective id"))


class Persona(_Strict):
    id: str = Field(max_length=80)
    name: str = Field(min_length=1, max_length=80)
    role: str = Field(min_length=1, max_length=120)
    brief: str = Field(min_length=1, max_length=200)
    scenario: Scenario
    difficulty: Difficulty
    language: str
    voice: Voice
    time_limit_minutes: int = Field(ge=1, le=60)
    pass_mark: int = Field(default=int(PASS_MARK_DEFAULT), ge=0, le=100)
    patience: Patience = "normal"
    record_audio: bool = True  # false: this scenario's calls are never recorded (RECORD_CALLS also applies)
    mode: Mode = "practice"  # assessment: no mood meter and no Hint button in the call
    mood: MoodStart = Field(default_factory=MoodStart)
    profile: Profile
    context: Context
    phases: Phases
    objectives: list[Objective] = Field(min_length=3, max_length=5)
    constraints: list[str] = Field(min_length=1)

    _id = field_validator("id")(lambda v: _check_id(v, "persona id"))

    @field_validator("language")
    @classmethod
    def _bcp47(cls, value: str) -> str:
        if not _BCP47.match(value):
            raise ValueError(f"'{value}' is not a BCP-47 language tag; write language-REGION, e.g. en-US or th-TH")
        return value

    @field_validator("objectives")
    @classmethod
    def _rubric(cls, objectives: list[Objective]) -> list[Objective]:
        ids = [o.id for o in objectives]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"objective id '{twice[0]}' is used more than once; objective ids must be unique")
        total = sum(o.weight for o in objectives)
        if total != 100:
            raise ValueError(f"objective weights must add up to 100, they add up to {total}")
        return objectives

    def mood_start(self) -> dict[str, int]:
        """Start levels: the file's `mood`, anger defaulting to the opening's intensity."""
        anger = self.mood.anger if self.mood.anger is not None else self.phases.opening.intensity
        return {"anger": anger, "trust": self.mood.trust, "progress": self.mood.progress}

    @property
    def language_code(self) -> str:
        """Primary language subtag (`th` for th-TH), as speech-to-text expects it."""
        return self.language.split("-")[0]

    @property
    def language_name(self) -> str:
        return LANGUAGE_NAMES.get(self.language_code, self.language)

    def rubric(self) -> list[dict[str, Any]]:
        return [o.model_dump(mode="json") for o in self.objectives]
