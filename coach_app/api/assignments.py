"""HTTP routes for assignments (mounted from `coach_app.api.routes`).

GET  /api/assignments        managers: their team's (admins: all); trainees: the ones assigned to them,
                             each with the caller's rows when assigned
POST /api/assignments        {"scenarios": [ids], "trainees": [user ids] | "whole_team": true, "due": "YYYY-MM-DD",
                              "required_score"?: 0-100 (default: each scenario's pass mark),
                              "max_attempts"?: n, "title"?: "...", "team"?: (admins)} -> 201
GET  /api/assignments/{id}   the board: per trainee and scenario status (not_started / in_progress /
                             passed / past_due), best score, attempts; `?format=csv` as CSV.
                             A trainee sees only their own rows.

Only managers and admins assign (403 otherwise); an assignment you may not see is a 404.
"""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from coach_app.api.sessions import api_user
from coach_app.auth import access
from coach_app.db import get_engine
from coach_app.models import Assignment, User
from coach_app.programmes import assignments


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


def _db() -> Session:
    return Session(get_engine(), expire_on_commit=False)


def _rows(db: Session, a: Assignment, user: User) -> list[dict[str, Any]]:
    only = None if access.can_manage_assignment(user, a) else user
    return [r.as_dict() for r in assignments.board(db, a, only=only)]


async def list_assignments(request: Request) -> Response:
    user = await api_user(request)

    def work() -> list[dict[str, Any]]:
        with _db() as db:
            out = []
            for a in assignments.visible(db, user):
                item = assignments.summary(a)
                if assignments.is_assigned(a, user):
                    item["mine"] = [r.as_dict() for r in assignments.board(db, a, only=user)]
                out.append(item)
            return out

    return JSONResponse({"assignments": await run_in_threadpool(work)})


async def create_assignment(request: Request) -> Response:
    user = await api_user(request)
    if not access.is_manager(user):
        return _error(403, "only managers and admins can assign scenarios")
    try:
        data = json.loads((await request.body()) or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None
    if not isinstance(data, dict):
        return _error(422, 'the body must be a JSON object like {"scenarios": [...], "whole_team": true, "due": ...}')
    known = {"scenarios", "trainees", "whole_team", "due", "required_score", "max_attempts", "title", "team"}
    extra = sorted(set(data) - known)
    if extra:
        return _error(422, f"unknown field '{extra[0]}'", fields=[{"field": extra[0], "message": "unknown field"}])

    def work() -> dict[str, Any]:
        with _db() as db:
            a = assignments.create(
                db,
                user,
                scenario_slugs=[str(s) for s in data.get("scenarios") or []],
                trainee_ids=[int(i) for i in data.get("trainees") or []],
                whole_team=bool(data.get("whole_team")),
                due=data.get("due"),
                required_score=data.get("required_score"),
                max_attempts=data.get("max_attempts"),
                title=str(data.get("title") or ""),
                team=data.get("team"),
            )
            return {**assignments.summary(a), "board": _rows(db, a, user)}

    try:
        return JSONResponse(await run_in_threadpool(work), status_code=201)
    except assignments.AssignmentInvalid as exc:
        return _error(422, str(exc), fields=[{"field": exc.field, "message": exc.message}])
    except (TypeError, ValueError):
        return _error(422, "trainees: a list of user ids", fields=[{"field": "trainees", "message": "user ids"}])


async def read_assignment(request: Request) -> Response:
    user = await api_user(request)
    raw = request.path_params["assignment_id"]

    def work() -> tuple[Assignment, list[dict[str, Any]], str] | None:
        with _db() as db:
            a = db.get(Assignment, int(raw)) if raw.isdigit() else None
            if a is None or not (access.can_manage_assignment(user, a) or assignments.is_assigned(a, user)):
                return None
            only = None if access.can_manage_assignment(user, a) else user
            rows = assignments.board(db, a, only=only)
            return a, [r.as_dict() for r in rows], assignments.board_csv(a, rows)

    found = await run_in_threadpool(work)
    if found is None:
        return _error(404, f"no assignment '{raw[:20]}' that you can see")
    a, rows, csv_text = found
    if request.query_params.get("format") == "csv":
        headers = {"Content-Disposition": f'attachment; filename="assignment-{a.id}.csv"'}
        return Response(csv_text, media_type="text/csv; charset=utf-8", headers=headers)
    return JSONResponse({**assignments.summary(a), "board": rows})


routes: list[Route] = [
    Route("/api/assignments", list_assignments, methods=["GET"]),
    Route("/api/assignments", create_assignment, methods=["POST"]),
    Route("/api/assignments/{assignment_id}", read_assignment, methods=["GET"]),
]
