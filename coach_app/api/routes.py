"""Plain HTTP routes, mounted into the Reflex backend via `api_transformer`.

Reflex mounts its own app (pages, event websocket) inside `api`, so the middleware here wraps
everything the backend serves.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from coach_app.api.assignments import routes as assignment_routes
from coach_app.api.health import health_report
from coach_app.api.scenarios import routes as scenario_routes
from coach_app.api.sessions import routes as session_routes
from coach_app.auth.access import is_admin
from coach_app.auth.http import optional_api_user, require_api_user
from coach_app.auth.middleware import SecurityHeaders, SocketLoginRef
from coach_app.auth.routes import routes as auth_routes


async def health(request: Request) -> JSONResponse:
    """ok / degraded for anyone (load balancers); the details (URLs, models, errors) for admins."""
    report = await health_report()
    user = await optional_api_user(request)
    if not is_admin(user):
        report = {"status": report["status"]}
    return JSONResponse(report, status_code=200)


async def me(request: Request) -> JSONResponse:
    """Who the caller is (API token or browser login)."""
    user = await require_api_user(request)
    return JSONResponse(
        {
            "id": user.id,
            "username": user.username,
            "display_name": user.display_name,
            "role": user.role.value,
            "team": user.team,
        }
    )


async def json_http_error(_request: Request, exc: HTTPException) -> JSONResponse:
    """Every HTTPException (401 from require_api_user, 403, 404...) as JSON `{"error": ...}`."""
    return JSONResponse({"error": exc.detail}, status_code=exc.status_code, headers=exc.headers)


routes: list[Route] = [
    Route("/api/health", health, methods=["GET"]),
    Route("/api/me", me, methods=["GET"]),
    *auth_routes,
    *session_routes,
    *scenario_routes,
    *assignment_routes,
]

api = Starlette(
    routes=routes,
    exception_handlers={HTTPException: json_http_error},
    middleware=[Middleware(SecurityHeaders), Middleware(SocketLoginRef)],
)
