"""Local persona replies: an OpenAI-compatible server the user runs, or the persona's script.

- LOCAL_LLM_BASE_URL set and answering `GET /models` (`coach_app.calls.llm_server`): the regular
  `livekit.plugins.openai.LLM` pointed at it (Ollama, llama.cpp server, vLLM...). LOCAL_LLM_MODEL
  unset: the first model the server lists.
- Otherwise: `ScriptedPersonaLLM`, a livekit-agents LLM whose stream yields the reply of the
  scripted persona engine (`script_engine.py`) as ChatChunks. The session's providers record
  says `{"llm": {"provider": "scripted", ...}}` and the call page tells the trainee.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from livekit.agents import DEFAULT_API_CONNECT_OPTIONS, APIConnectOptions, llm, utils
from livekit.agents.llm import ChatChunk, ChatContext, ChoiceDelta, CompletionUsage, Tool, ToolChoice
from livekit.agents.types import NOT_GIVEN, NotGivenOr

from agent.providers.local.script_engine import ScriptedPersona
from coach_app.calls.llm_server import LOCAL_KEY
from coach_app.personas.schema import Persona

logger = logging.getLogger("coach.local.llm")

SCRIPT_MODEL = "persona-script"


# --- OpenAI-compatible server ---------------------------------------------------------------------


def openai_compatible_llm(base_url: str, model: str, api_key: str | None = None) -> llm.LLM:
    """The stock OpenAI plugin pointed at a local server (CPU models are slow: generous timeouts)."""
    import httpx2
    from livekit.plugins import openai as lk_openai

    return lk_openai.LLM(
        model=model,
        base_url=base_url,
        api_key=api_key or LOCAL_KEY,  # most local servers ignore it; the client needs one
        timeout=httpx2.Timeout(connect=5.0, read=120.0, write=10.0, pool=5.0),
    )


# --- the scripted persona as an LLM ----------------------------------------------------------------


def _trainee_turns(chat_ctx: ChatContext) -> list[str]:
    out = []
    for item in chat_ctx.items:
        if getattr(item, "type", None) == "message" and item.role == "user":
            text = (item.text_content or "").strip()
            if text:
                out.append(text)
    return out


def _after_last_trainee_turn(chat_ctx: ChatContext) -> tuple[bool, bool]:
    """(the persona already answered the last trainee turn, an instruction came after it).

    `generate_reply(instructions=...)` (e.g. the time limit's goodbye) adds a system message
    after the last turn; with no new trainee words the script must not repeat its last reply.
    """
    messages = [i for i in chat_ctx.items if getattr(i, "type", None) == "message"]
    last_user = max((n for n, m in enumerate(messages) if m.role == "user"), default=-1)
    # The persona's instructions come first; only a system message inside the conversation counts.
    first_turn = next((n for n, m in enumerate(messages) if m.role not in ("system", "developer")), len(messages))
    answered = any(m.role == "assistant" for m in messages[last_user + 1 :])
    instructed = any(m.role in ("system", "developer") for m in messages[max(last_user, first_turn) + 1 :])
    return answered, instructed


def _pieces(text: str) -> list[str]:
    """Sentence-sized chunks (with their trailing space), so TTS can start on the first one."""
    parts = re.findall(r"[^.!?。]+[.!?。]*\s*", text)
    return parts or [text]


class ScriptedPersonaLLM(llm.LLM):
    """Replies from the persona file, no language model. Deterministic for a given seed."""

    def __init__(self, persona: Persona, *, seed: int = 0) -> None:
        super().__init__()
        self._persona = persona
        self._seed = seed

    @property
    def model(self) -> str:
        return SCRIPT_MODEL

    @property
    def provider(self) -> str:
        return "scripted"

    @property
    def persona(self) -> Persona:
        return self._persona

    def engine_for(self, chat_ctx: ChatContext) -> tuple[ScriptedPersona, str]:
        """Replay the conversation so far; the engine (its state) and the reply to the last turn."""
        engine = ScriptedPersona(self._persona, seed=self._seed)
        reply = engine.opening().text
        for turn in _trainee_turns(chat_ctx):
            reply = engine.respond(turn).text
        answered, instructed = _after_last_trainee_turn(chat_ctx)
        if instructed:  # told to close (time limit): a goodbye, not the last reply again
            reply = engine.goodbye().text
        elif answered:  # asked to speak again with nothing new from the trainee
            reply = engine.prompt_again().text
        return engine, reply

    def chat(
        self,
        *,
        chat_ctx: ChatContext,
        tools: list[Tool] | None = None,
        conn_options: APIConnectOptions = DEFAULT_API_CONNECT_OPTIONS,
        parallel_tool_calls: NotGivenOr[bool] = NOT_GIVEN,  # noqa: ARG002 - the plugin API's signature
        tool_choice: NotGivenOr[ToolChoice] = NOT_GIVEN,  # noqa: ARG002
        extra_kwargs: NotGivenOr[dict[str, Any]] = NOT_GIVEN,  # noqa: ARG002
    ) -> llm.LLMStream:
        return _ScriptedStream(self, chat_ctx=chat_ctx, tools=tools or [], conn_options=conn_options)


class _ScriptedStream(llm.LLMStream):
    def __init__(
        self, llm_: ScriptedPersonaLLM, *, chat_ctx: ChatContext, tools: list[Tool], conn_options: APIConnectOptions
    ) -> None:
        super().__init__(llm_, chat_ctx=chat_ctx, tools=tools, conn_options=conn_options)
        self._scripted = llm_

    async def _run(self) -> None:
        _, reply = self._scripted.engine_for(self._chat_ctx)
        request_id = utils.shortuuid("script_")
        words = 0
        for piece in _pieces(reply):
            words += len(piece.split())
            self._event_ch.send_nowait(ChatChunk(id=request_id, delta=ChoiceDelta(role="assistant", content=piece)))
            await asyncio.sleep(0)  # let the pipeline start speaking the first sentence
        # No tokens are bought: usage is zero, which keeps the session's cost at zero too.
        self._event_ch.send_nowait(
            ChatChunk(id=request_id, usage=CompletionUsage(completion_tokens=0, prompt_tokens=0, total_tokens=0))
        )
        logger.debug("scripted reply (%d words): %s", words, reply)
