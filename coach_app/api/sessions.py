"""HTTP routes for practice sessions (mounted from `coach_app.api.routes`).

POST /api/sessions                      {"persona_id": ...} -> 201 {"session_id","room","livekit_url","token","resumed"}
                                        (200 when the user's open session for that scenario is resumed,
                                        429 beyond SESSION_STARTS_PER_HOUR; see `start.begin_session`)
GET  /api/sessions/{id}                 the session (status, timestamps, usage, rubric)
GET  /api/sessions/{id}/transcript      {"session_id", "status", "turns": [...]}
GET  /api/sessions/{id}/audio           the call's recording (audio/ogg, stereo: trainee left, persona
                                        right), with HTTP range requests (206) so a player can seek;
                                        404 when the call has no recording
POST /api/sessions/{id}/token           a fresh join token for a session that has not ended
DELETE /api/sessions/{id}               delete the session with its turns, feedback, review actions and
                                        recording (a manager of the owner's team or an admin: 403 for the
                                        owner; 409 while its call is live)

Every route needs a signed-in user (browser session cookie or `Authorization: Bearer <token>`);
reading a session needs the owner, a manager of the owner's team, or an admin; anyone else gets the
same 404 as for a session that does not exist. Objective evidence hints and provider errors are
for managers and admins only.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Route

from coach_app.auth.access import can_join_session, can_manage_session, can_view_session
from coach_app.auth.http import require_api_user
from coach_app.calls import start
from coach_app.calls.recordings import SessionStillLive, delete_session, recording_path
from coach_app.db import get_engine
from coach_app.models import PracticeSession, User
from coach_app.settings import get_settings
from coach_app.textlimits import log_safe

logger = logging.getLogger("coach.api")


class StartSessionBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    persona_id: str = Field(min_length=1, max_length=80)


def _error(status: int, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": message, **extra}, status_code=status)


async def api_user(request: Request) -> User:
    """The signed-in user; raises HTTPException(401), which `coach_app.api.routes` answers as JSON."""
    return await require_api_user(request)


async def _body(request: Request) -> StartSessionBody | JSONResponse:
    raw = await request.body()
    try:
        data = json.loads(raw or b"")
    except (json.JSONDecodeError, UnicodeDecodeError):
        return _error(422, 'request body must be a JSON object like {"persona_id": "..."}')
    if not isinstance(data, dict):
        return _error(422, 'request body must be a JSON object like {"persona_id": "..."}')
    try:
        return StartSessionBody.model_validate(data)
    except ValidationError as exc:
        fields = [{"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]} for e in exc.errors()]
        summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
        return _error(422, f"invalid request body: {summary}", fields=fields)


async def create_session(request: Request) -> Response:
    user = await api_user(request)
    body = await _body(request)
    if isinstance(body, Response):
        return body

    def work() -> tuple[dict[str, Any], bool]:
        with Session(get_engine(), expire_on_commit=False) as db:
            ps, resumed = start.begin_session(db, user, body.persona_id)
            return start.join_info(ps, user), resumed

    try:
        info, resumed = await run_in_threadpool(work)
    except start.UnknownPersona as exc:
        return _error(404, str(exc), persona_id=exc.persona_id)
    except start.TooManyStarts as exc:
        return _error(429, str(exc))
    logger.info(
        "session %s %s by user %s (persona %s)",
        info["session_id"],
        "resumed" if resumed else "started",
        user.id,
        log_safe(body.persona_id),
    )
    # 201: a new session; 200: the user's open session for this scenario, resumed.
    return JSONResponse({**info, "resumed": resumed}, status_code=200 if resumed else 201)


def _session_id(request: Request) -> int | None:
    try:
        return int(request.path_params["session_id"])
    except (KeyError, ValueError):
        return None


async def _load_visible(request: Request) -> tuple[User, PracticeSession] | Response:
    user = await api_user(request)
    sid = _session_id(request)
    if sid is None:
        return _error(404, f"no session with id '{log_safe(request.path_params.get('session_id'), 40)}'")

    def load() -> PracticeSession | None:
        with Session(get_engine(), expire_on_commit=False) as db:
            return start.get_session(db, sid)

    ps = await run_in_threadpool(load)
    if ps is None or not can_view_session(user, ps):
        # The same answer for "missing" and "not yours": other people's session ids stay private.
        return _error(404, f"no session with id {sid} that you can see")
    return user, ps


async def read_session(request: Request) -> Response:
    found = await _load_visible(request)
    if isinstance(found, Response):
        return found
    user, ps = found
    return JSONResponse(start.session_summary(ps, for_manager=can_manage_session(user, ps)))


async def read_transcript(request: Request) -> Response:
    found = await _load_visible(request)
    if isinstance(found, Response):
        return found
    _, ps = found

    def load() -> list[dict[str, Any]]:
        with Session(get_engine()) as db:
            return [start.turn_dict(t) for t in start.list_turns(db, ps.id)]

    turns = await run_in_threadpool(load)
    return JSONResponse({"session_id": ps.id, "status": ps.status.value, "turns": turns})


async def read_audio(request: Request) -> Response:
    found = await _load_visible(request)
    if isinstance(found, Response):
        return found
    _, ps = found
    path = recording_path(get_settings(), ps)
    if path is None:
        return _error(404, f"session {ps.id} has no recording")
    # Starlette's FileResponse answers Range requests (206 + Content-Range) itself.
    return FileResponse(path, media_type="audio/ogg", headers={"Cache-Control": "private, no-store"})


async def new_token(request: Request) -> Response:
    found = await _load_visible(request)
    if isinstance(found, Response):
        return found
    user, ps = found
    if not can_join_session(user, ps):
        return _error(403, f"only the trainee of session {ps.id} can join its call")
    try:
        info = start.join_info(ps, user)
    except start.SessionNotJoinable as exc:
        return _error(409, str(exc))
    return JSONResponse(info)


async def remove_session(request: Request) -> Response:
    found = await _load_visible(request)
    if isinstance(found, Response):
        return found
    user, ps = found
    if not can_manage_session(user, ps):
        return _error(403, f"only a manager of the trainee's team or an admin can delete session {ps.id}")

    def work() -> bool:
        with Session(get_engine()) as db:
            row = db.get(PracticeSession, ps.id)
            if row is not None:
                delete_session(db, get_settings(), row)
            return row is not None

    try:
        if not await run_in_threadpool(work):
            return _error(404, f"no session with id {ps.id} that you can see")
    except SessionStillLive as exc:
        return _error(409, str(exc))
    logger.info("session %s deleted by user %s", ps.id, user.id)
    return JSONResponse({"session_id": ps.id, "deleted": True})


routes: list[Route] = [
    Route("/api/sessions", create_session, methods=["POST"]),
    Route("/api/sessions/{session_id}", read_session, methods=["GET"]),
    Route("/api/sessions/{session_id}", remove_session, methods=["DELETE"]),
    Route("/api/sessions/{session_id}/transcript", read_transcript, methods=["GET"]),
    Route("/api/sessions/{session_id}/audio", read_audio, methods=["GET", "HEAD"]),
    Route("/api/sessions/{session_id}/token", new_token, methods=["POST"]),
]
