"""The stand-in's OpenAI-style chat completions (what Groq and local LLM servers speak):
`GET .../models` and `POST .../chat/completions`, JSON or an SSE stream, with usage."""

from __future__ import annotations

import asyncio
import json
import math
import re
import time
import uuid
from typing import Any

from aiohttp import web

from coach_app.devtools.standin.script import Script


def openai_error(status: int, message: str, code: str) -> web.Response:
    return web.json_response({"error": {"message": message, "type": code, "code": code}}, status=status)


def text_of(msg: dict[str, Any]) -> str:
    content = msg.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def task_of(messages: list[dict[str, Any]]) -> str | None:
    """The task a side request names on its first line ("Task: customer-mood-classifier"), if any."""
    first = text_of(messages[0]) if messages else ""
    return first.split("\n", 1)[0].removeprefix("Task: ").strip() if first.startswith("Task: ") else None


def count_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4))


class OpenAIChatRoutes:
    """Mixed into `ProviderStandin`. The `_chat_*` hooks are what `judge.ChatStandin` changes."""

    script: Script  # with `_record` and `_should_fail`, provided by ProviderStandin

    @staticmethod
    def _authorized_bearer(request: web.Request) -> bool:
        auth = request.headers.get("Authorization", "")
        return auth.startswith("Bearer ") and len(auth) > len("Bearer ")

    async def _models(self, request: web.Request) -> web.Response:
        self._record("models")
        if not self._authorized_bearer(request):
            return openai_error(401, "Invalid API Key", "invalid_api_key")
        return web.json_response(
            {
                "object": "list",
                "data": [
                    {"id": "llama-3.3-70b-versatile", "object": "model", "created": 0, "owned_by": "standin"},
                    {"id": "whisper-large-v3-turbo", "object": "model", "created": 0, "owned_by": "standin"},
                ],
            }
        )

    def _reply_for(self, messages: list[dict[str, Any]]) -> str:
        last = text_of(messages[-1]).lower() if messages else ""
        task = task_of(messages)
        if task is not None:
            for name, keyword, reply in self.script.task_rules:
                if name == task and keyword.lower() in last:
                    return reply
            return self.script.task_default
        for keyword, reply in self.script.rules:
            if keyword.lower() in last:
                return reply
        user_turns = sum(1 for msg in messages if msg.get("role") == "user")
        if 1 <= user_turns <= len(self.script.replies):
            return self.script.replies[user_turns - 1]
        return self.script.default_reply

    # --- hooks -----------------------------------------------------------------------------
    def _chat_authorized(self, request: web.Request) -> bool:
        return self._authorized_bearer(request)

    def _chat_reply(self, body: dict[str, Any]) -> str:
        return self._reply_for(body["messages"])

    def _chat_failure(self, body: dict[str, Any]) -> web.Response | None:
        kind = "llm_task" if task_of(body["messages"]) else "llm" if body.get("stream") else "llm_json"
        if self._should_fail(kind):
            return openai_error(503, "Service Unavailable (stand-in scripted failure)", "service_unavailable")
        return None

    def _chat_usage(self, messages: list[dict[str, Any]], completion_tokens: int) -> dict[str, int]:
        prompt_tokens = sum(count_tokens(json.dumps(m.get("content", ""))) for m in messages)
        return {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }

    # --- the route -------------------------------------------------------------------------
    async def _chat(self, request: web.Request) -> web.StreamResponse:
        if not self._chat_authorized(request):
            return openai_error(401, "Invalid API Key", "invalid_api_key")
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return openai_error(400, "request body is not JSON", "invalid_request_error")
        messages = body.get("messages")
        if not body.get("model") or not isinstance(messages, list) or not messages:
            return openai_error(400, "'model' and a non-empty 'messages' list are required", "invalid_request_error")
        reply = self._chat_reply(body)
        self._record("chat", model=body["model"], stream=bool(body.get("stream")), messages=messages, reply=reply)
        if (failure := self._chat_failure(body)) is not None:
            return failure

        pieces = re.findall(r"\S+\s*", reply) or [reply]
        usage = self._chat_usage(messages, len(pieces))
        cid = f"chatcmpl-{uuid.uuid4().hex[:24]}"
        created = int(time.time())
        headers = {"x-request-id": f"req_{uuid.uuid4().hex[:16]}"}

        if not body.get("stream"):
            await asyncio.sleep(self.script.llm_ttft_ms / 1000)
            return web.json_response(
                {
                    "id": cid,
                    "object": "chat.completion",
                    "created": created,
                    "model": body["model"],
                    "choices": [
                        {
                            "index": 0,
                            "message": {"role": "assistant", "content": reply},
                            "finish_reason": "stop",
                            "logprobs": None,
                        }
                    ],
                    "usage": usage,
                },
                headers=headers,
            )

        resp = web.StreamResponse(headers={**headers, "Content-Type": "text/event-stream", "Cache-Control": "no-cache"})

        async def send(choices: list[dict[str, Any]], **extra: Any) -> None:
            chunk = {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": body["model"],
                "system_fingerprint": "fp_standin",
                "choices": choices,
                **extra,
            }
            await resp.write(f"data: {json.dumps(chunk)}\n\n".encode())

        try:
            await resp.prepare(request)
            await asyncio.sleep(self.script.llm_ttft_ms / 1000)
            await send(
                [{"index": 0, "delta": {"role": "assistant", "content": ""}, "logprobs": None, "finish_reason": None}]
            )
            for i, piece in enumerate(pieces):
                if i and self.script.llm_token_ms:
                    await asyncio.sleep(self.script.llm_token_ms / 1000)
                await send([{"index": 0, "delta": {"content": piece}, "logprobs": None, "finish_reason": None}])
            await send([{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}])
            if (body.get("stream_options") or {}).get("include_usage"):
                await send([], usage=usage)
            await resp.write(b"data: [DONE]\n\n")
            await resp.write_eof()
        except ConnectionResetError:  # the client dropped the stream (e.g. a cancelled preemptive reply)
            self._record("chat_cancelled", reply=reply)
        return resp
