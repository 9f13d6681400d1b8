"""Plain HTTP routes, mounted into the Reflex backend via `api_transformer`."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from coach_app.health import health_report
from coach_app.session_api import routes as session_routes


async def health(_request: Request) -> JSONResponse:
    report = await health_report()
    return JSONResponse(report, status_code=200)


routes: list[Route] = [
    Route("/api/health", health, methods=["GET"]),
    *session_routes,
]

api = Starlette(routes=routes)
