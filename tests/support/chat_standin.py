"""A tiny OpenAI-compatible chat-completions server on 127.0.0.1 for the rubric judge's tests.

It runs in its own thread (usable from sync and async tests and by child processes), records
every request body, and answers with scripted content:

    with ChatStandin() as llm:
        llm.reply = json.dumps({...})      # or llm.reply_fn = lambda body: "..."
        llm.status = 503                   # make the next requests fail
        ... GROQ_BASE_URL=llm.base_url, GROQ_API_KEY=llm.api_key ...
        llm.requests[-1]["temperature"] == 0
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import web


class ChatStandin:
    api_key = "test-judge-key"

    def __init__(self) -> None:
        self.reply: str = "{}"
        self.reply_fn: Callable[[dict[str, Any]], str] | None = None
        self.status: int = 200
        self.usage = {"prompt_tokens": 1200, "completion_tokens": 150}
        self.requests: list[dict[str, Any]] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/openai/v1"

    def env(self) -> dict[str, str]:
        return {"GROQ_BASE_URL": self.base_url, "GROQ_API_KEY": self.api_key, "FEEDBACK_JUDGE_MODEL": "judge-standin"}

    async def _chat(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bearer {self.api_key}":
            return web.json_response({"error": {"message": "Invalid API Key", "type": "invalid_api_key"}}, status=401)
        body = await request.json()
        self.requests.append(body)
        if self.status != 200:
            return web.json_response({"error": {"message": "Service Unavailable", "type": "server_error"}},
                                     status=self.status)
        content = self.reply_fn(body) if self.reply_fn else self.reply
        return web.json_response({
            "id": f"chatcmpl-{uuid.uuid4().hex[:12]}", "object": "chat.completion", "created": int(time.time()),
            "model": body.get("model"),
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {**self.usage, "total_tokens": sum(self.usage.values())},
        })

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        app = web.Application()
        app.router.add_post("/openai/v1/chat/completions", self._chat)
        self._runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self._runner.cleanup())
        loop.close()

    def start(self) -> ChatStandin:
        self._thread = threading.Thread(target=self._run, name="chat-standin", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("chat stand-in did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> ChatStandin:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def judge_reply(scores: dict[str, tuple[float, str, list[str]]]) -> str:
    """A judge answer: {objective id: (score, rationale, quotes)}."""
    return json.dumps({"objectives": [
        {"id": oid, "score": s, "rationale": r, "evidence": q} for oid, (s, r, q) in scores.items()
    ]})
