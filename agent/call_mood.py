"""One call's mood and help: the state after each trainee turn, the persona's mood instructions,
and the Hint button's suggestion.

`PersonaAgent.llm_node` calls `before_reply` with the conversation the persona is about to answer:
the last trainee turn is classified once (the LLM classifier when the call has a language model,
the keyword engine otherwise or when the classifier's answer is refused or late), and the reply's
instructions get the mood block (`mood.mood_instructions`). The state is keyed by the trainee
turn's number and text, so a preemptive reply for a partial transcript is re-decided from the
state before that turn when the final words differ.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from livekit.agents import APIConnectOptions, llm

from agent.mood import (
    ENDING_PHASES,
    PHASE_GUIDANCE,
    Assessment,
    KeywordClassifier,
    MoodState,
    advance,
    mood_instructions,
    start_state,
)
from agent.mood_llm import classifier_messages, clean_hint, hint_messages, parse_assessment
from agent.providers.local.script_match import MATCH_THRESHOLD, Cue, concepts_in, content_words
from coach_app.personas.schema import Persona
from coach_app.settings import Settings

logger = logging.getLogger("coach.agent.mood")

# A later mood answer is dropped and keywords decide that turn (MOOD_CLASSIFIER_TIMEOUT_SECONDS).
CLASSIFIER_TIMEOUT_S: float = Settings.model_fields["mood_classifier_timeout_seconds"].default
HINT_TIMEOUT_S = 8.0
INSTRUCTIONS_ID = "lk.agent_task.instructions"  # livekit-agents' id of the instructions message
_ONE_TRY = APIConnectOptions(max_retry=0, timeout=HINT_TIMEOUT_S)  # the caller's wait_for is the real limit


def _text(item: Any) -> str:
    return (getattr(item, "text_content", None) or "").strip()


def _messages(chat_ctx: llm.ChatContext) -> list[llm.ChatMessage]:
    return [i for i in chat_ctx.items if getattr(i, "type", None) == "message"]


async def ask_llm(model: llm.LLM, messages: list[dict[str, str]], timeout: float) -> str:
    """One answer from the call's LLM (a side request: not part of the persona's conversation)."""
    ctx = llm.ChatContext.empty()
    for m in messages:
        ctx.add_message(role=m["role"], content=m["content"])

    async def collect() -> str:
        parts: list[str] = []
        async with model.chat(chat_ctx=ctx, conn_options=_ONE_TRY) as stream:
            async for chunk in stream:
                if chunk.delta and chunk.delta.content:
                    parts.append(chunk.delta.content)
        return "".join(parts)

    return await asyncio.wait_for(collect(), timeout)


class CallMood:
    def __init__(
        self,
        persona: Persona,
        model: llm.LLM | None,
        *,
        start: MoodState | None = None,
        resumed_turns: int = 0,
        on_change: Callable[[str, MoodState], None] | None = None,
        classify: bool = True,
        classifier_timeout: float = CLASSIFIER_TIMEOUT_S,
    ) -> None:
        """`model`: the call's LLM for hints and, with `classify`, the mood classifier (which the
        reply waits for at most `classifier_timeout` s); None: keywords and keyword hints only.
        `on_change(trainee_text, state)` after each decision. An agent that takes over a call
        starts from the last stored state, which already counts the first `resumed_turns` trainee turns."""
        self.persona = persona
        self.model = model
        self.classifier = model if classify else None
        self.classifier_timeout = classifier_timeout
        self.keywords = KeywordClassifier(persona)
        self.on_change = on_change
        self._start = start or start_state(persona)
        self._after: dict[int, tuple[str, MoodState]] = {}  # trainee turn number -> (its text, state after)
        self.current = self._start
        self._resumed = resumed_turns

    # -- per trainee turn -----------------------------------------------------------------------
    def _state_before(self, n: int) -> MoodState:
        earlier = [k for k in self._after if k < n]
        return self._after[max(earlier)][1] if earlier else self._start

    async def assess(self, n: int, text: str, persona_said: str) -> MoodState:
        """The state after trainee turn `n` (decided once per turn number and text)."""
        if n <= self._resumed:
            return self._start  # decided by the agent before this one (`start` is its last state)
        known = self._after.get(n)
        if known is not None and known[0] == text:
            return known[1]
        before = self._state_before(n)
        state = await self._decide(before, text, persona_said)
        for later in [k for k in self._after if k > n]:
            del self._after[later]
        self._after[n] = (text, state)
        self.current = state
        if self.on_change is not None:
            self.on_change(text, state)
        return state

    async def _decide(self, before: MoodState, text: str, persona_said: str) -> MoodState:
        note = ""
        if self.classifier is not None:
            try:
                answer = await ask_llm(
                    self.classifier,
                    classifier_messages(self.persona, before, text, persona_said),
                    self.classifier_timeout,
                )
                return advance(self.persona, before, parse_assessment(answer, self.persona), source="llm")
            except (ValueError, TimeoutError) as exc:
                note = f"classifier answer refused: {exc}" if isinstance(exc, ValueError) else "classifier timed out"
            except Exception as exc:  # noqa: BLE001 - a provider failure must not stop the reply
                note = f"classifier failed: {type(exc).__name__}"
            logger.warning("mood: %s; the keyword engine decides this turn", note)
        assessment: Assessment = self.keywords.assess(text, before)
        return advance(self.persona, before, assessment, source="keywords", note=note)

    async def before_reply(self, chat_ctx: llm.ChatContext) -> llm.ChatContext:
        """The conversation for the persona's next reply, its instructions carrying the mood."""
        messages = _messages(chat_ctx)
        trainee = [(i, m) for i, m in enumerate(messages) if m.role == "user" and _text(m)]
        if trainee:
            idx, last = trainee[-1]
            persona_said = next((_text(m) for m in reversed(messages[:idx]) if m.role == "assistant"), "")
            await self.assess(len(trainee), _text(last), persona_said)
        ctx = with_instructions(chat_ctx, mood_instructions(self.persona, self.current))
        if self.ending:
            # Also as the last message: the persona's next line is its last (the scripted persona
            # says its goodbye when an instruction follows the trainee's turn).
            ctx.add_message(role="system", content=PHASE_GUIDANCE[self.current.phase])
        return ctx

    @property
    def ending(self) -> bool:
        return self.current.phase in ENDING_PHASES

    # -- the Hint button --------------------------------------------------------------------------
    def objectives_open(self, trainee_lines: list[str]) -> list[str]:
        """Objectives no trainee turn has matched yet (by the scripted engine's matching)."""
        out = []
        for o in self.persona.objectives:
            cue = Cue.build("objective", 0, f"{o.description} {o.evidence}")
            if not any(cue.score(content_words(t), concepts_in(t), t) >= MATCH_THRESHOLD for t in trainee_lines):
                out.append(o.description)
        return out

    def keyword_hint(self) -> str:
        """A de-escalation point the call has not hit yet (all hit: the first one)."""
        points = self.persona.phases.deescalation_points
        hit = {s.hit["index"] for _, s in self._after.values() if s.hit and s.hit["kind"] == "deescalation"}
        point = next((p for i, p in enumerate(points) if i not in hit), points[0])
        when = point.when.removeprefix("The trainee ").rstrip(".")
        return f"What calms {self.persona.name.split()[0]}: {when}."

    async def hint(self, chat_ctx: llm.ChatContext) -> tuple[str, str]:
        """(the suggestion, its source: llm | keywords)."""
        messages = _messages(chat_ctx)
        transcript = [
            {"speaker": "trainee" if m.role == "user" else "customer", "text": _text(m)}
            for m in messages
            if m.role in ("user", "assistant") and _text(m)
        ]
        if self.model is not None:
            trainee_lines = [t["text"] for t in transcript if t["speaker"] == "trainee"]
            prompt = hint_messages(self.persona, self.current, self.objectives_open(trainee_lines), transcript)
            try:
                line = clean_hint(await ask_llm(self.model, prompt, HINT_TIMEOUT_S))
                if line:
                    return line, "llm"
            except Exception as exc:  # noqa: BLE001 - then the persona file's hint
                logger.warning("hint from the LLM failed (%s); using the persona file", type(exc).__name__)
        return self.keyword_hint(), "keywords"


def with_instructions(chat_ctx: llm.ChatContext, extra: str) -> llm.ChatContext:
    """A copy of the conversation whose instructions message ends with `extra`."""
    ctx = chat_ctx.copy()
    items = list(ctx.items)
    for n, item in enumerate(items):
        if getattr(item, "type", None) == "message" and (
            item.id == INSTRUCTIONS_ID or item.role in ("system", "developer")
        ):
            items[n] = item.model_copy(update={"content": [f"{_text(item)}\n\n{extra}"]})
            break
    else:
        items.insert(0, llm.ChatMessage(role="system", content=[extra]))
    ctx.items = items
    return ctx
