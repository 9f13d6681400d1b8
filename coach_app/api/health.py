"""Health checks shared by `GET /api/health` and `coach health` (no Reflex import)."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text

from coach_app.calls.providers import providers_summary
from coach_app.db import get_engine
from coach_app.settings import Settings, get_settings


def check_database() -> dict[str, Any]:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
        return {"ok": True}
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return {"ok": False, "error": type(exc).__name__}


async def check_livekit(settings: Settings) -> dict[str, Any]:
    """LiveKit is reachable when its RoomService answers our signed request.

    Also reports whether an agent worker is registered, when the server tells us
    (LiveKit exposes no worker list; we answer `null` = unknown).
    """
    from livekit import api

    try:
        async with api.LiveKitAPI(
            url=_http_url(settings.lk_url),
            api_key=settings.lk_api_key,
            api_secret=settings.lk_api_secret,
        ) as lk:
            await asyncio.wait_for(lk.room.list_rooms(api.ListRoomsRequest()), timeout=3)
        return {"ok": True, "url": settings.lk_url}
    except Exception as exc:  # noqa: BLE001
        return {"ok": False, "url": settings.lk_url, "error": type(exc).__name__}


def _http_url(url: str) -> str:
    return url.replace("wss://", "https://", 1).replace("ws://", "http://", 1)


async def health_report(settings: Settings | None = None) -> dict[str, Any]:
    settings = settings or get_settings()
    db = await asyncio.to_thread(check_database)
    lk = await check_livekit(settings)
    from coach_app.calls.workers import agent_worker_status

    return {
        "status": "ok" if db["ok"] and lk["ok"] else "degraded",
        "database": db,
        "livekit": lk,
        "agent_worker": agent_worker_status(),
        "providers": providers_summary(settings),
    }
