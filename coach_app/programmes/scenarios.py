"""The scenario catalogue in the database: scenarios with versions (no Reflex here).

A scenario (`ScenarioRecord`, slug = persona id, owned by a team or by nobody = every team) has
versions (`ScenarioVersion`, the persona format as JSON); the newest version is current and an
archived scenario is out of the catalogue. Every save is a new version; sessions keep the frozen
copy they started with, so an edit never changes an old session or its score.

The shipped YAML files (`PERSONAS_DIR`) are the starting catalogue: `sync_files` imports each valid
file, adds a version when the file changes, and archives a file's scenario when the file is
removed. A scenario saved or archived in the browser stops following its file. A broken file keeps
its scenario's last good version.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

import yaml
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from coach_app.auth import access
from coach_app.models import ScenarioRecord, ScenarioVersion, User, utcnow
from coach_app.personas.catalogue import Catalogue, PersonaFileError, get_catalogue, validate_data
from coach_app.personas.schema import Persona


class ScenarioInvalid(ValueError):
    """The body does not validate; `errors` name each field and its problem."""

    def __init__(self, errors: list[PersonaFileError]):
        self.errors = errors
        super().__init__("; ".join(f"{e.field or 'body'}: {e.message}" for e in errors))


class ScenarioConflict(ValueError):
    """The slug is taken by another scenario."""


@dataclass
class Current:
    """A scenario with its current version."""

    record: ScenarioRecord
    version: ScenarioVersion
    persona: Persona | None  # None when the stored body no longer validates


def body_digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def validate(data: Any) -> Persona:
    """The persona in `data` (the file checker's rules and messages); raises ScenarioInvalid."""
    persona, errors = validate_data(data)
    if persona is None:
        raise ScenarioInvalid(errors)
    return persona


# --- the shipped files ------------------------------------------------------------------------------

_sync_lock = threading.Lock()
_synced: dict[str, Catalogue] = {}  # database url -> the file catalogue last imported into it


def sync_files(db: Session, catalogue: Catalogue | None = None) -> None:
    """Bring the file catalogue into the database (cheap when the files did not change).

    It commits (or, when another process imported the same file at that moment, rolls back) `db`:
    the readers below call it before their caller has made any change of its own."""
    cat = catalogue or get_catalogue()
    key = str(db.get_bind().url)
    with _sync_lock:
        if _synced.get(key) is cat:
            return
        try:
            _import(db, cat)
        except IntegrityError:  # another process imported the same file at the same moment
            db.rollback()
            return
        _synced[key] = cat


def _import(db: Session, cat: Catalogue) -> None:
    records = {r.slug: r for r in db.exec(select(ScenarioRecord)).all()}
    for slug, persona in cat.personas.items():
        file_name = cat.files[slug]
        body = persona.model_dump(mode="json")
        digest = body_digest(body)
        rec = records.get(slug)
        if rec is None:
            rec = ScenarioRecord(slug=slug, source_file=file_name, file_digest=digest)
            db.add(rec)
            db.flush()
            db.add(ScenarioVersion(scenario_id=rec.id, version=1, body=body, author=f"file {file_name}"))
        elif rec.source_file is not None and (rec.file_digest != digest or rec.archived):
            if rec.file_digest != digest:
                _add_version(db, rec, body, None, f"file {file_name}")
            rec.source_file, rec.file_digest, rec.archived, rec.updated_at = file_name, digest, False, utcnow()
            db.add(rec)
    broken = set(cat.broken_files)
    for rec in records.values():
        gone = rec.slug not in cat.personas and rec.source_file not in broken
        if rec.source_file is not None and gone and not rec.archived:
            rec.archived, rec.updated_at = True, utcnow()
            db.add(rec)
    db.commit()


# --- reading ---------------------------------------------------------------------------------------


def latest_version(db: Session, scenario_id: int) -> ScenarioVersion | None:
    return db.exec(
        select(ScenarioVersion)
        .where(ScenarioVersion.scenario_id == scenario_id)
        .order_by(ScenarioVersion.version.desc())
        .limit(1)
    ).first()


def _persona(body: dict[str, Any]) -> Persona | None:
    persona, _errors = validate_data(body)
    return persona


def current(db: Session, rec: ScenarioRecord) -> Current | None:
    version = latest_version(db, rec.id)
    return None if version is None else Current(rec, version, _persona(version.body))


def catalogue(db: Session, user: User | None, include_archived: bool = False) -> list[Current]:
    """The scenarios `user` may practise (or, with include_archived, every one they may see)."""
    sync_files(db)
    q = select(ScenarioRecord).order_by(ScenarioRecord.slug)
    if not include_archived:
        q = q.where(ScenarioRecord.archived == False)  # noqa: E712 - SQL comparison
    out = []
    for rec in db.exec(q).all():
        if not access.can_see_scenario(user, rec):
            continue
        found = current(db, rec)
        if found is not None and (found.persona is not None or include_archived):
            out.append(found)
    return out


def by_slug(db: Session, slug: str) -> ScenarioRecord | None:
    sync_files(db)
    return db.exec(select(ScenarioRecord).where(ScenarioRecord.slug == slug)).first()


def find_persona(db: Session, slug: str, user: User | None = None) -> Persona | None:
    """The current version of a scenario that is not archived (and that `user` may see, if given)."""
    rec = by_slug(db, slug)
    if rec is None or rec.archived or (user is not None and not access.can_see_scenario(user, rec)):
        return None
    found = current(db, rec)
    return found.persona if found else None


def versions(db: Session, scenario_id: int) -> list[ScenarioVersion]:
    return list(
        db.exec(
            select(ScenarioVersion)
            .where(ScenarioVersion.scenario_id == scenario_id)
            .order_by(ScenarioVersion.version.desc())
        ).all()
    )


# --- writing (access is checked by the caller: access.can_edit_scenario / can_create_scenario) -----


def _add_version(db: Session, rec: ScenarioRecord, body: dict, author: User | None, label: str) -> ScenarioVersion:
    last = latest_version(db, rec.id)
    v = ScenarioVersion(
        scenario_id=rec.id,
        version=(last.version + 1) if last else 1,
        body=body,
        author_id=author.id if author else None,
        author=label,
    )
    db.add(v)
    return v


def create(db: Session, actor: User, data: Any, team: str | None) -> Current:
    """A new scenario owned by `team` (None: every team) with `data` as version 1."""
    persona = validate(data)
    if by_slug(db, persona.id) is not None:
        raise ScenarioConflict(f"a scenario with id '{persona.id}' already exists; choose another id")
    rec = ScenarioRecord(slug=persona.id, team=team, created_by=actor.id)
    db.add(rec)
    try:
        db.flush()
    except IntegrityError:
        db.rollback()
        raise ScenarioConflict(f"a scenario with id '{persona.id}' already exists; choose another id") from None
    version = _add_version(db, rec, persona.model_dump(mode="json"), actor, actor.username)
    db.commit()
    db.refresh(rec)
    db.refresh(version)
    return Current(rec, version, persona)


def save(db: Session, actor: User, rec: ScenarioRecord, data: Any) -> Current:
    """A new version of `rec`. The id in the body must stay the scenario's id."""
    persona = validate(data)
    if persona.id != rec.slug:
        raise ScenarioInvalid([PersonaFileError("", "id", f"the id of scenario '{rec.slug}' cannot change")])
    version = _add_version(db, rec, persona.model_dump(mode="json"), actor, actor.username)
    rec.source_file, rec.file_digest, rec.updated_at = None, None, utcnow()  # no longer follows a file
    db.add(rec)
    db.commit()
    db.refresh(version)
    return Current(rec, version, persona)


def set_archived(db: Session, rec: ScenarioRecord, archived: bool = True) -> ScenarioRecord:
    rec.archived, rec.source_file, rec.file_digest, rec.updated_at = archived, None, None, utcnow()
    db.add(rec)
    db.commit()
    db.refresh(rec)
    return rec


def free_slug(db: Session, base: str) -> str:
    """`base-copy`, `base-copy-2`, ...: the first id no scenario uses (for Duplicate)."""
    stem = base[:70] + "-copy"
    slug, n = stem, 2
    while by_slug(db, slug) is not None:
        slug, n = f"{stem}-{n}", n + 1
    return slug


def duplicate(db: Session, actor: User, rec: ScenarioRecord, team: str | None) -> Current:
    found = current(db, rec)
    body = dict(found.version.body) if found else {}
    body["id"] = free_slug(db, rec.slug)
    body["name"] = str(body.get("name", ""))
    return create(db, actor, body, team)


# --- YAML import/export -----------------------------------------------------------------------------


def export_yaml(body: dict[str, Any]) -> str:
    """A persona file (`coach personas check` accepts it)."""
    return yaml.safe_dump(body, allow_unicode=True, sort_keys=False, width=100)


def parse_yaml(text: str) -> Any:
    """The data of an uploaded persona file; raises ScenarioInvalid on YAML errors."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ScenarioInvalid([PersonaFileError("", "", f"invalid YAML{where}")]) from None
