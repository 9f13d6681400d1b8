"""The scenario editor's form <-> the persona format (no Reflex; the page state is state/scenario_editor.py).

The form has one input per top-level setting (id, name, difficulty, ...) and one YAML box per
section (scenario, voice, profile, context, phases, objectives, constraints, and "more" for every
other optional setting), so every field of the persona format can be edited. Validation errors
(the file checker's dotted field and message) are shown next to the input or box they belong to.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from coach_app.personas.catalogue import PersonaFileError

SCALARS: list[tuple[str, str]] = [
    ("id", "Id (lowercase letters, digits and dashes)"),
    ("name", "Persona's name"),
    ("role", "Persona's role"),
    ("brief", "Brief (one sentence on the card)"),
    ("difficulty", "Difficulty"),
    ("language", "Language (BCP-47, e.g. en-US)"),
    ("time_limit_minutes", "Time limit (minutes)"),
    ("pass_mark", "Pass mark (0-100)"),
]
NUMBERS = {"time_limit_minutes", "pass_mark"}
SECTIONS: list[tuple[str, str]] = [
    ("scenario", "Scenario: name, description, trainee_role"),
    ("objectives", "Objectives (the rubric): id, description, weight (adding up to 100), evidence"),
    ("context", "Context: what_happened, what_they_want, trainee_knows, hidden_facts"),
    ("phases", "Phases: opening, escalation_triggers, deescalation_points, resolution"),
    ("profile", "Profile: identity, account, history"),
    ("constraints", "Constraints (what the persona never does)"),
    ("voice", "Voice: voice_id, settings"),
    ("more", "More settings (patience, record_audio, mode, mood...)"),
]
FORM = "form"  # errors about the whole body
BOXES = [key for key, _ in SCALARS] + [key for key, _ in SECTIONS] + [FORM]
_SECTION_KEYS = {key for key, _ in SECTIONS} - {"more"}
_SCALAR_KEYS = {key for key, _ in SCALARS}


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False, width=100).strip()


def form_from_body(body: dict[str, Any]) -> dict[str, str]:
    form = {key: "" for key in BOXES if key != FORM}
    more = {}
    for key, value in body.items():
        if key in _SCALAR_KEYS:
            form[key] = "" if value is None else str(value)
        elif key in _SECTION_KEYS:
            form[key] = _dump(value)
        else:
            more[key] = value
    form["more"] = _dump(more) if more else ""
    return form


def body_from_form(form: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """(the persona data, errors per box for boxes that are not readable YAML)."""
    data: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key in _SCALAR_KEYS:
        text = (form.get(key) or "").strip()
        if not text:
            continue
        data[key] = int(text) if key in NUMBERS and re.fullmatch(r"-?\d+", text) else text
    for key, _label in SECTIONS:
        text = form.get(key) or ""
        if not text.strip():
            continue
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            errors[key] = f"not readable YAML{where}: {getattr(exc, 'problem', None) or 'syntax error'}"
            continue
        if key == "more":
            if not isinstance(value, dict):
                errors[key] = "write settings as 'name: value' lines"
                continue
            data.update({k: v for k, v in value.items() if k not in _SCALAR_KEYS | _SECTION_KEYS})
        else:
            data[key] = value
    return data, errors


def errors_by_box(errors: list[PersonaFileError]) -> dict[str, str]:
    """The checker's errors grouped by the input or box they belong to ("field: message" lines)."""
    out: dict[str, list[str]] = {}
    for e in errors:
        top = e.field.split(".", 1)[0] if e.field else ""
        box = top if top in _SCALAR_KEYS | _SECTION_KEYS else ("more" if top else FORM)
        out.setdefault(box, []).append(f"{e.field}: {e.message}" if e.field else e.message)
    return {box: "\n".join(lines) for box, lines in out.items()}
