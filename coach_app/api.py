"""Plain HTTP routes, mounted into the Reflex backend via `api_transformer`."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from coach_app.auth.http import require_api_user
from coach_app.health import health_report
from coach_app.session_api import routes as session_routes


async def health(_request: Request) -> JSONResponse:
    report = await health_report()
    return JSONResponse(report, status_code=200)


async def me(request: Request) -> JSONResponse:
    """Who the caller is (API token or browser login)."""
    user = await require_api_user(request)
    return JSONResponse({"id": user.id, "username": user.username, "display_name": user.display_name,
                         "role": user.role.value, "team": user.team})


async def json_http_error(_request: Request, exc: HTTPException) -> JSONResponse:
    """Every HTTPException (401 from require_api_user, 403, 404...) as JSON `{"error": ...}`."""
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)


routes: list[Route] = [
    Route("/api/health", health, methods=["GET"]),
    Route("/api/me", me, methods=["GET"]),
    *session_routes,
]

api = Starlette(routes=routes, exception_handlers={HTTPException: json_http_error})
