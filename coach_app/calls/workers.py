"""Agent worker liveness, from the heartbeats workers write (no Reflex import)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from coach_app.db import get_engine
from coach_app.models import WorkerHeartbeat, utcnow

HEARTBEAT_SECONDS = 10
STALE_AFTER = timedelta(seconds=3 * HEARTBEAT_SECONDS)

# livekit-server (`agents.target_load`, default 0.7, as livekit-agents' own threshold) sends a job only to a
# worker whose reported load is below this: a worker reporting its share of AGENT_MAX_CALLS in use
# was refused every call from 70 % of its calls on (with 4, the 4th call never got an agent).
LIVEKIT_TARGET_LOAD = 0.7


def reported_load(active_calls: int, max_calls: int) -> float:
    """The load a worker reports to LiveKit: below LIVEKIT_TARGET_LOAD until all of its
    AGENT_MAX_CALLS are in use, at it (full) then."""
    return LIVEKIT_TARGET_LOAD * min(active_calls, max_calls) / max_calls


def beat(worker_id: str, agent_name: str) -> None:
    with Session(get_engine()) as s:
        hb = s.get(WorkerHeartbeat, worker_id)
        if hb is None:
            hb = WorkerHeartbeat(worker_id=worker_id, agent_name=agent_name)
        hb.last_seen = utcnow()
        s.add(hb)
        s.commit()


def forget(worker_id: str) -> None:
    with Session(get_engine()) as s:
        hb = s.get(WorkerHeartbeat, worker_id)
        if hb is not None:
            s.delete(hb)
            s.commit()


def agent_worker_status() -> dict[str, Any]:
    try:
        with Session(get_engine()) as s:
            fresh = s.exec(select(WorkerHeartbeat).where(WorkerHeartbeat.last_seen >= utcnow() - STALE_AFTER)).all()
    except Exception as exc:  # noqa: BLE001
        return {"registered": None, "error": type(exc).__name__}
    return {"registered": bool(fresh), "workers": len(fresh)}
