"""`coach migrate` and `coach health`."""

from __future__ import annotations

import argparse
import asyncio
import json


def _migrate(_args: argparse.Namespace) -> int:
    from coach_app.db import migrate

    migrate()
    return 0


def _health(_args: argparse.Namespace) -> int:
    from coach_app.api.health import health_report

    report = asyncio.run(health_report())
    print(json.dumps(report, indent=2))
    return 0 if report["status"] == "ok" else 1


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("migrate", help="upgrade the database to the latest schema")
    p.set_defaults(func=_migrate)
    p = sub.add_parser("health", help="print what /api/health would answer")
    p.set_defaults(func=_health)
