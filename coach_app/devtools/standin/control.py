"""The stand-in's own routes (`/_standin/...`): read the request log, read or change the script,
reset. What the command-line tool (and a developer with curl) uses instead of the Python API."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import TYPE_CHECKING

from aiohttp import web

from coach_app.devtools.standin.script import Script

if TYPE_CHECKING:
    from coach_app.devtools.standin.script import LogEntry


class ControlRoutes:
    """Mixed into `ProviderStandin` (which provides `reset`)."""

    script: Script
    log: list[LogEntry]
    _transcript_index: int

    async def _control(self, request: web.Request, what: str) -> web.Response:
        if what == "log":
            return web.json_response([asdict(e) for e in self.log])
        if what == "reset" and request.method == "POST":
            self.reset()
            return web.json_response({"ok": True})
        if what == "script" and request.method == "GET":
            return web.json_response(asdict(self.script))
        if what == "script" and request.method == "POST":
            data = await request.json()
            known = {f.name for f in fields(Script)}
            unknown = set(data) - known
            if unknown:
                return web.json_response({"error": f"unknown script fields: {sorted(unknown)}"}, status=422)
            for k, v in data.items():
                if k in ("rules", "task_rules"):
                    v = [tuple(r) for r in v]
                setattr(self.script, k, v)
            if "transcripts" in data:
                self._transcript_index = 0
            return web.json_response({"ok": True})
        return web.json_response({"error": f"unknown control {what}"}, status=404)
