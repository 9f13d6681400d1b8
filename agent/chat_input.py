"""Typed messages from the trainee (`lk.chat`): checked here before anything stores or answers them.

The call page limits a message to `MESSAGE_MAX` characters, but any client holding the trainee's
join token can send on `lk.chat` directly. So the agent enforces the same limit and a rate limit:
a refused message is never handed to the persona's LLM (so never recorded as a turn) and never
logged; the sender gets a short notice on `lk.chat` saying why.
"""

from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass

from livekit.agents import AgentSession
from livekit.agents.voice.room_io import TextInputEvent, TextInputOptions

from coach_app.textlimits import (
    MESSAGE_MAX,
    MESSAGES_PER_MINUTE,
    TextTooLong,
    check_text,
    log_safe,
)

logger = logging.getLogger("coach.agent.chat")

CHAT_TOPIC = "lk.chat"
NOTICE_MIN_INTERVAL_S = 3.0  # a flood of refused messages gets one notice per this many seconds
_WINDOW_S = 60.0
_deliver = TextInputOptions().text_input_cb  # livekit-agents' own handling: interrupt, then reply


@dataclass(frozen=True)
class Verdict:
    text: str | None  # the message to answer, or None when refused
    notice: str = ""  # why it was refused (sent back to the trainee)


class ChatGate:
    """The size and rate checks for one call's typed messages (pure; unit-tested)."""

    def __init__(self, per_minute: int = MESSAGES_PER_MINUTE, clock=time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._accepted: deque[float] = deque()

    def check(self, raw: str) -> Verdict:
        try:
            text = check_text(raw, MESSAGE_MAX, "Your message", required=True)
        except TextTooLong as exc:
            return Verdict(None, f"Message not delivered. {exc}")
        now = self.clock()
        while self._accepted and self._accepted[0] <= now - _WINDOW_S:
            self._accepted.popleft()
        if len(self._accepted) >= self.per_minute:
            return Verdict(
                None,
                f"Message not delivered: at most {self.per_minute} messages a minute. "
                "Wait a moment, then send it again.",
            )
        self._accepted.append(now)
        return Verdict(text)


class ChatInput:
    """The `text_input_cb` for RoomOptions: checks each message, answers it or tells the sender why not."""

    def __init__(self, session_id: int, gate: ChatGate | None = None) -> None:
        self.session_id = session_id
        self.gate = gate or ChatGate()
        self.refused = 0
        self._last_notice = float("-inf")

    async def __call__(self, session: AgentSession, ev: TextInputEvent) -> None:
        verdict = self.gate.check(ev.text)
        if verdict.text is not None:
            await _deliver(session, TextInputEvent(text=verdict.text, info=ev.info, participant=ev.participant))
            return
        self.refused += 1
        sender = ev.participant.identity if ev.participant else ""
        logger.warning(
            "session %s: refused a typed message from %s (%d characters): %s",
            self.session_id,
            log_safe(sender),
            len(ev.text or ""),
            verdict.notice,
        )
        now = time.monotonic()
        if not sender or now - self._last_notice < NOTICE_MIN_INTERVAL_S:
            return
        self._last_notice = now
        try:
            from livekit.agents import get_job_context

            room = get_job_context().room
            await room.local_participant.send_text(verdict.notice, topic=CHAT_TOPIC, destination_identities=[sender])
        except Exception as exc:  # noqa: BLE001 - the notice is a courtesy; the refusal stands
            logger.info("session %s: could not send the refusal notice: %s", self.session_id, type(exc).__name__)
