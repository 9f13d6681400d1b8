"""The stand-in as a rubric judge's endpoint (OpenAI-style chat completions, for the judge's tests).

The same server and protocol code as the persona's LLM; what changes is what it answers: a fixed
reply (or one computed from each request body), a status for every request while it is set, fixed
usage, and every request body kept. It runs in its own thread (usable from sync and async tests
and by child processes):

    with ChatStandin() as llm:
        llm.reply = json.dumps({...})      # or llm.reply_fn = lambda body: "..."
        llm.status = 503                   # make the next requests fail
        ... GROQ_BASE_URL=llm.base_url, GROQ_API_KEY=llm.api_key ...
        llm.requests[-1]["temperature"] == 0
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aiohttp import web

from coach_app.devtools.standin.server import ProviderStandin, start_in_thread


class ChatStandin(ProviderStandin):
    api_key = "test-judge-key"

    def __init__(self) -> None:
        super().__init__()
        self.reply: str = "{}"
        self.reply_fn: Callable[[dict[str, Any]], str] | None = None
        self.status: int = 200
        self.usage = {"prompt_tokens": 1200, "completion_tokens": 150}
        self.requests: list[dict[str, Any]] = []
        self._stop: Callable[[], None] | None = None

    @property
    def base_url(self) -> str:
        return self.groq_base_url

    def env(self) -> dict[str, str]:
        return {"GROQ_BASE_URL": self.base_url, "GROQ_API_KEY": self.api_key, "FEEDBACK_JUDGE_MODEL": "judge-standin"}

    # --- what changes in the chat route ----------------------------------------------------
    def _chat_authorized(self, request: web.Request) -> bool:
        return request.headers.get("Authorization") == f"Bearer {self.api_key}"

    def _chat_reply(self, body: dict[str, Any]) -> str:
        self.requests.append(body)
        if self.status != 200:
            return ""
        return self.reply_fn(body) if self.reply_fn else self.reply

    def _chat_failure(self, _body: dict[str, Any]) -> web.Response | None:
        if self.status == 200:
            return None
        return web.json_response(
            {"error": {"message": "Service Unavailable", "type": "server_error"}}, status=self.status
        )

    def _chat_usage(self, _messages: list[dict[str, Any]], _completion_tokens: int) -> dict[str, int]:
        return {**self.usage, "total_tokens": sum(self.usage.values())}

    # --- running it ------------------------------------------------------------------------
    def __enter__(self) -> ChatStandin:
        self._stop = start_in_thread(self)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None


def judge_reply(scores: dict[str, tuple[float, str, list[str]]]) -> str:
    """A judge answer: {objective id: (score, rationale, quotes)}."""
    return json.dumps(
        {"objectives": [{"id": oid, "score": s, "rationale": r, "evidence": q} for oid, (s, r, q) in scores.items()]}
    )
