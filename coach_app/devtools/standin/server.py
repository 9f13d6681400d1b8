"""The stand-in server: one aiohttp app, its request log and scripted failures, routing each
request to the protocol module that speaks it; `running_standin` runs it beside a test."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from aiohttp import web

from coach_app.devtools.standin.control import ControlRoutes
from coach_app.devtools.standin.elevenlabs import ElevenLabsRoutes
from coach_app.devtools.standin.openai_chat import OpenAIChatRoutes, openai_error
from coach_app.devtools.standin.script import LogEntry, Script
from coach_app.devtools.standin.transcriptions import TranscriptionRoutes

logger = logging.getLogger("provider_standin")


class ProviderStandin(ControlRoutes, OpenAIChatRoutes, TranscriptionRoutes, ElevenLabsRoutes):
    def __init__(self, script: Script | None = None, host: str = "127.0.0.1", port: int = 0):
        self.script = script or Script()
        self.host = host
        self.port = port
        self.log: list[LogEntry] = []
        self._transcript_index = 0
        self._runner: web.AppRunner | None = None
        self._synth_cache: dict[tuple[str, int, str], bytes] = {}
        self.app = web.Application(client_max_size=50 * 1024 * 1024)
        self.app.router.add_route("*", "/{tail:.*}", self._dispatch)

    # --- lifecycle -----------------------------------------------------------------------
    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def groq_base_url(self) -> str:
        return f"{self.base}/openai/v1"

    @property
    def elevenlabs_base_url(self) -> str:
        return f"{self.base}/v1"

    def env(self) -> dict[str, str]:
        """Environment that points our Settings (and so the plugins) at this server."""
        return {
            "GROQ_BASE_URL": self.groq_base_url,
            "GROQ_API_KEY": "test",
            "ELEVENLABS_BASE_URL": self.elevenlabs_base_url,
            "ELEVEN_API_KEY": "test",
            "ELEVENLABS_ENCODING": "pcm_24000",
        }

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        logger.info("provider stand-in listening on %s", self.base)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def reset(self, script: Script | None = None) -> None:
        self.script = script or Script()
        self.log.clear()
        self._transcript_index = 0

    def entries(self, kind: str) -> list[LogEntry]:
        return [e for e in self.log if e.kind == kind]

    def _record(self, kind: str, **detail: Any) -> None:
        self.log.append(LogEntry(kind, time.time(), detail))

    def _should_fail(self, kind: str) -> bool:
        left = self.script.fail.get(kind, 0)
        if left > 0:
            self.script.fail[kind] = left - 1
            return True
        return False

    # --- routing ---------------------------------------------------------------------------
    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path.rstrip("/")
        m = request.method
        if path.startswith("/_standin/"):
            return await self._control(request, path.removeprefix("/_standin/"))
        if m == "GET" and path.endswith("/models"):
            return await self._models(request)
        if m == "POST" and path.endswith("/chat/completions"):
            return await self._chat(request)
        if m == "POST" and path.endswith("/audio/transcriptions"):
            return await self._transcribe(request)
        if m == "GET" and path.endswith("/voices"):
            return await self._voices(request)
        if mt := re.search(r"/text-to-speech/([^/]+)/multi-stream-input$", path):
            return await self._tts_ws(request, mt.group(1))
        if m == "POST" and (mt := re.search(r"/text-to-speech/([^/]+)(/stream)?$", path)):
            return await self._tts_http(request, mt.group(1))
        return openai_error(404, f"stand-in has no route {m} {request.path}", "not_found")


# --- running it ----------------------------------------------------------------------------------


def start_in_thread(standin: ProviderStandin) -> Callable[[], None]:
    """Start `standin` on its own event loop in a background thread; returns the function that stops it."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    error: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(standin.start())
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            error.append(exc)
            started.set()
            return
        started.set()
        loop.run_forever()
        loop.run_until_complete(standin.stop())
        loop.close()

    thread = threading.Thread(target=run, name="provider-standin", daemon=True)
    thread.start()
    started.wait(10)
    if error:
        raise error[0]

    def stop() -> None:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)

    return stop


@contextlib.contextmanager
def running_standin(script: Script | None = None, port: int = 0) -> Iterator[ProviderStandin]:
    """Run a stand-in on its own event loop in a background thread (for sync or async tests)."""
    standin = ProviderStandin(script, port=port)
    stop = start_in_thread(standin)
    try:
        yield standin
    finally:
        stop()
