"""Persona files: the schema, the loader and the catalogue.

One YAML file per persona in `Settings.personas_dir`. Every file is validated on load; a broken
file becomes a `PersonaFileError` (file, dotted field path, problem) and every valid file still
loads. `get_catalogue()` reloads when a file is added, removed or changed.
No Reflex here: the agent worker imports this module.
"""

from __future__ import annotations

import difflib
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from coach_app.settings import get_settings

Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[str, ...] = ("easy", "medium", "hard")

# BCP-47 as personas use it: language, optional script, optional region (en-US, th-TH, zh-Hant-TW).
_BCP47 = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|[0-9]{3}))?$")
LANGUAGE_NAMES = {
    "en": "English", "th": "Thai", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian",
    "pt": "Portuguese", "nl": "Dutch", "ja": "Japanese", "ko": "Korean", "zh": "Chinese",
    "vi": "Vietnamese", "id": "Indonesian", "ms": "Malay", "hi": "Hindi", "ar": "Arabic",
    "pl": "Polish", "sv": "Swedish", "tr": "Turkish", "fil": "Filipino",
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
            raise ValueError(f"'{value}' is not an ElevenLabs voice id (8-40 letters and digits, e.g. 21m00Tcm4TlvDq8ikWAM)")
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
    pass_mark: int = Field(default=70, ge=0, le=100)
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
            raise ValueError(
                f"'{value}' is not a BCP-47 language tag; write language-REGION, e.g. en-US or th-TH"
            )
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

    @property
    def language_code(self) -> str:
        """Primary language subtag (`th` for th-TH), as speech-to-text expects it."""
        return self.language.split("-")[0]

    @property
    def language_name(self) -> str:
        return LANGUAGE_NAMES.get(self.language_code, self.language)

    def rubric(self) -> list[dict[str, Any]]:
        return [o.model_dump(mode="json") for o in self.objectives]


# --- loading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonaFileError:
    file: str  # file name inside the personas directory
    field: str  # dotted path to the field ("" when the whole file is at fault)
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{where}: {self.message}"


@dataclass
class Catalogue:
    directory: Path
    personas: dict[str, Persona] = field(default_factory=dict)
    errors: list[PersonaFileError] = field(default_factory=list)
    files: dict[str, str] = field(default_factory=dict)  # persona id -> file name

    @property
    def broken_files(self) -> list[str]:
        return sorted({e.file for e in self.errors})


def persona_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    return sorted(
        p for p in directory.iterdir()
        if p.suffix in (".yaml", ".yml") and not p.name.startswith(".") and p.is_file()
    )


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping (YAML would keep the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: set = set()
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"key '{key}' appears twice in the same section", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _dotted(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The schema class that owns the field at `loc[:-1]` (for 'did you mean' hints)."""
    model: Any = Persona
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        info = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if info is None:
            return None
        ann = info.annotation
        for candidate in getattr(ann, "__args__", ()) or (ann,):
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                model = candidate
                break
        else:
            return None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _message(err: dict[str, Any]) -> str:
    kind, loc = err["type"], err["loc"]
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        model = _model_at(loc)
        known = list(model.model_fields) if model else []
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        return f"unknown field '{loc[-1]}'{hint}"
    msg = err["msg"]
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
    return msg


def _validation_errors(name: str, exc: ValidationError) -> list[PersonaFileError]:
    out = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        # Union members (str | int) add their type name to the path; drop it.
        loc = tuple(p for p in loc if p not in ("str", "int", "float"))
        out.append(PersonaFileError(name, _dotted(loc), _message(err)))
    return out


def load_file(path: Path) -> tuple[Persona | None, list[PersonaFileError]]:
    name = path.name
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None, [PersonaFileError(name, "", "file is not UTF-8 text")]
    except OSError as exc:
        return None, [PersonaFileError(name, "", f"cannot read file: {exc.strerror or exc}")]
    if not text.strip():
        return None, [PersonaFileError(name, "", "file is empty")]
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [PersonaFileError(name, "", f"invalid YAML{where}: {problem}")]
    if not isinstance(data, dict):
        kind = "nothing" if data is None else type(data).__name__
        return None, [PersonaFileError(name, "", f"expected a mapping of fields at the top level, found {kind}")]
    try:
        return Persona.model_validate(data), []
    except ValidationError as exc:
        return None, _validation_errors(name, exc)


def load_catalogue(directory: Path) -> Catalogue:
    cat = Catalogue(directory=directory)
    if not directory.is_dir():
        cat.errors.append(PersonaFileError(str(directory), "", "personas folder does not exist"))
        return cat
    for path in persona_files(directory):
        persona, errors = load_file(path)
        if persona is not None and persona.id in cat.personas:
            other = cat.files[persona.id]
            errors = [PersonaFileError(path.name, "id", f"persona id '{persona.id}' is already used by {other}")]
            persona = None
        cat.errors.extend(errors)
        if persona is not None:
            cat.personas[persona.id] = persona
            cat.files[persona.id] = path.name
    return cat


# --- the cached catalogue --------------------------------------------------------------------------

_lock = threading.Lock()
_cache: dict[Path, tuple[tuple, Catalogue]] = {}  # directory -> (fingerprint, catalogue)


def _fingerprint(directory: Path) -> tuple:
    out = []
    for p in persona_files(directory):
        try:
            st = p.stat()
        except OSError:
            continue
        out.append((p.name, st.st_mtime_ns, st.st_size))
    return (directory.is_dir(), tuple(out))


def get_catalogue(directory: Path | None = None) -> Catalogue:
    """The personas in `directory` (default: Settings.personas_dir), reloaded when files change."""
    directory = Path(directory or get_settings().personas_dir).resolve()
    key = _fingerprint(directory)
    with _lock:
        cached = _cache.get(directory)
        if cached is None or cached[0] != key:
            cached = _cache[directory] = (key, load_catalogue(directory))
        return cached[1]


def get_persona(persona_id: str, directory: Path | None = None) -> Persona | None:
    return get_catalogue(directory).personas.get(persona_id)
