"""HTTP routes for scenarios (mounted from `coach_app.api.routes`). `{slug}` is the persona id.

GET    /api/scenarios            the scenarios you may practise; editors also get archived ones they may edit
POST   /api/scenarios            a new scenario: the persona format as JSON (or YAML with a YAML content
                                 type); `?team=` names the team for an admin (none: every team) -> 201
GET    /api/scenarios/{slug}     editors: {"scenario": ..., "persona": <current version>, "versions": [...]};
                                 `?format=yaml` the persona file; trainees: the brief only (no hidden facts)
PUT    /api/scenarios/{slug}     a new version (the persona format); the id cannot change
DELETE /api/scenarios/{slug}     archives it (out of the catalogue; sessions and versions are kept)

Invalid bodies answer 422 `{"error", "fields": [{"field", "message"}]}` with the file checker's
messages. Who may edit: admins every scenario, managers their team's; trainees never (403).
A scenario you may not see is a 404.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from coach_app.api.sessions import api_user
from coach_app.auth import access
from coach_app.clock import utc
from coach_app.db import get_engine
from coach_app.models import ScenarioRecord, User
from coach_app.personas.catalogue import PersonaFileError
from coach_app.programmes import scenarios
from coach_app.textlimits import log_safe

BODY_MAX = 200_000  # bytes; a persona file is a few kB


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def invalid(errors: list[PersonaFileError]) -> JSONResponse:
    fields = [{"field": e.field or "body", "message": e.message} for e in errors]
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    return _error(422, f"invalid scenario: {summary}", fields=fields)


def meta(rec: ScenarioRecord, found: scenarios.Current | None, user: User) -> dict[str, Any]:
    persona = found.persona if found else None
    return {
        "id": rec.slug,
        "team": rec.team,
        "archived": rec.archived,
        "version": found.version.version if found else None,
        "name": persona.name if persona else None,
        "scenario": persona.scenario.name if persona else None,
        "difficulty": persona.difficulty if persona else None,
        "language": persona.language if persona else None,
        "pass_mark": persona.pass_mark if persona else None,
        "from_file": rec.source_file,
        "updated_at": utc(rec.updated_at).isoformat(),
        "can_edit": access.can_edit_scenario(user, rec),
    }


def brief(found: scenarios.Current) -> dict[str, Any]:
    """What a trainee may read before the call (the scenario page's brief)."""
    p = found.persona
    return {
        "name": p.name,
        "role": p.role,
        "brief": p.brief,
        "scenario": p.scenario.model_dump(),
        "difficulty": p.difficulty,
        "language": p.language,
        "time_limit_minutes": p.time_limit_minutes,
        "pass_mark": p.pass_mark,
        "trainee_knows": list(p.context.trainee_knows),
        "objectives": [{"id": o.id, "description": o.description, "weight": o.weight} for o in p.objectives],
    }


async def _data(request: Request) -> Any | Response:
    raw = await request.body()
    if len(raw) > BODY_MAX:
        return _error(413, f"the scenario is larger than {BODY_MAX // 1000} kB")
    kind = request.headers.get("content-type", "")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return _error(422, "the body is not UTF-8 text")
    if "yaml" in kind:
        try:
            return scenarios.parse_yaml(text)
        except scenarios.ScenarioInvalid as exc:
            return invalid(exc.errors)
    try:
        return json.loads(text or "null")
    except json.JSONDecodeError as exc:
        return _error(422, f"the body is not JSON (line {exc.lineno}, column {exc.colno}): send the persona format")


def _db() -> Session:
    return Session(get_engine(), expire_on_commit=False)


async def list_scenarios(request: Request) -> Response:
    user = await api_user(request)

    def work() -> list[dict[str, Any]]:
        with _db() as db:
            found = scenarios.catalogue(db, user, include_archived=access.is_manager(user))
            return [
                meta(c.record, c, user)
                for c in found
                if (not c.record.archived and c.persona is not None) or access.can_edit_scenario(user, c.record)
            ]

    return JSONResponse({"scenarios": await run_in_threadpool(work)})


async def create_scenario(request: Request) -> Response:
    user = await api_user(request)
    try:
        team = access.new_scenario_team(user, request.query_params.get("team"))
    except PermissionError as exc:
        return _error(403, str(exc))
    data = await _data(request)
    if isinstance(data, Response):
        return data

    def work() -> dict[str, Any]:
        with _db() as db:
            made = scenarios.create(db, user, data, team)
            return {"scenario": meta(made.record, made, user), "persona": made.version.body}

    try:
        return JSONResponse(await run_in_threadpool(work), status_code=201)
    except scenarios.ScenarioInvalid as exc:
        return invalid(exc.errors)
    except scenarios.ScenarioConflict as exc:
        return _error(409, str(exc))


async def _visible(request: Request) -> tuple[User, ScenarioRecord] | Response:
    user = await api_user(request)
    slug = request.path_params["slug"]

    def load() -> ScenarioRecord | None:
        with _db() as db:
            return scenarios.by_slug(db, slug)

    rec = await run_in_threadpool(load)
    if rec is None or not access.can_see_scenario(user, rec) or (rec.archived and not access.is_manager(user)):
        return _error(404, f"no scenario '{log_safe(slug, 80)}' that you can see")
    return user, rec


async def read_scenario(request: Request) -> Response:
    found = await _visible(request)
    if isinstance(found, Response):
        return found
    user, rec = found

    def work() -> tuple[scenarios.Current | None, list[dict[str, Any]]]:
        with _db() as db:
            history = [
                {"version": v.version, "author": v.author, "created_at": utc(v.created_at).isoformat()}
                for v in scenarios.versions(db, rec.id)
            ]
            return scenarios.current(db, rec), history

    cur, history = await run_in_threadpool(work)
    if not access.can_edit_scenario(user, rec):
        if cur is None or cur.persona is None:
            return _error(404, f"scenario '{rec.slug}' has no valid version")
        return JSONResponse({"scenario": meta(rec, cur, user), "brief": brief(cur)})
    body = cur.version.body if cur else {}
    if request.query_params.get("format") == "yaml":
        headers = {"Content-Disposition": f'attachment; filename="{rec.slug}.yaml"'}
        return PlainTextResponse(scenarios.export_yaml(body), media_type="application/yaml", headers=headers)
    return JSONResponse({"scenario": meta(rec, cur, user), "persona": body, "versions": history})


async def _editable(request: Request) -> tuple[User, ScenarioRecord] | Response:
    found = await _visible(request)
    if isinstance(found, Response):
        return found
    user, rec = found
    if not access.can_edit_scenario(user, rec):
        who = "trainees cannot edit scenarios" if not access.is_manager(user) else "this scenario is not your team's"
        return _error(403, f"{who}: admins edit every scenario, managers their team's")
    return user, rec


async def update_scenario(request: Request) -> Response:
    found = await _editable(request)
    if isinstance(found, Response):
        return found
    user, rec = found
    data = await _data(request)
    if isinstance(data, Response):
        return data

    def work() -> dict[str, Any]:
        with _db() as db:
            saved = scenarios.save(db, user, db.get(ScenarioRecord, rec.id), data)
            return {"scenario": meta(saved.record, saved, user), "persona": saved.version.body}

    try:
        return JSONResponse(await run_in_threadpool(work))
    except scenarios.ScenarioInvalid as exc:
        return invalid(exc.errors)


async def archive_scenario(request: Request) -> Response:
    found = await _editable(request)
    if isinstance(found, Response):
        return found
    user, rec = found

    def work() -> dict[str, Any]:
        with _db() as db:
            done = scenarios.set_archived(db, db.get(ScenarioRecord, rec.id))
            return {"scenario": meta(done, scenarios.current(db, done), user)}

    return JSONResponse(await run_in_threadpool(work))


routes: list[Route] = [
    Route("/api/scenarios", list_scenarios, methods=["GET"]),
    Route("/api/scenarios", create_scenario, methods=["POST"]),
    Route("/api/scenarios/{slug}", read_scenario, methods=["GET"]),
    Route("/api/scenarios/{slug}", update_scenario, methods=["PUT"]),
    Route("/api/scenarios/{slug}", archive_scenario, methods=["DELETE"]),
]
