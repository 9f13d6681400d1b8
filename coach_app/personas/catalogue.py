"""Persona files: the loader and the catalogue.

One YAML file per persona in `Settings.personas_dir`. Every file is validated on load; a broken
file becomes a `PersonaFileError` (file, dotted field path, problem) and every valid file still
loads. `get_catalogue()` reloads when a file is added, removed or changed.
No Reflex here: the agent worker imports this module.
"""

from __future__ import annotations

import difflib
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from coach_app.personas.schema import Persona
from coach_app.settings import get_settings


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
        p for p in directory.iterdir() if p.suffix in (".yaml", ".yml") and not p.name.startswith(".") and p.is_file()
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
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass: plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        return None, [PersonaFileError(name, "", f"invalid YAML{where}: {problem}")]
    if not isinstance(data, dict):
        kind = "nothing" if data is None else type(data).__name__
        return None, [PersonaFileError(name, "", f"expected a mapping of fields at the top level, found {kind}")]
    return validate_data(data, name)


def validate_data(data: Any, name: str = "") -> tuple[Persona | None, list[PersonaFileError]]:
    """Validate persona data (a parsed file, a browser form, an API body) with the file checker's
    messages: each error names the dotted field and the problem."""
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
