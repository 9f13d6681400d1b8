"""The call's mood and help, wired to the room: the live mood attribute, the Hint and Repeat RPCs,
and the end of the call in character when the customer is resolved or walks away.

Only the session's trainee may ask for help (like the End button's RPC). In an assessment
(`PracticeSession.mode`) the mood is still tracked and stored but not published, and Hint is refused.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time

from livekit import rtc
from livekit.agents import AgentSession, JobContext

from agent.call_mood import CallMood
from agent.mood import MoodState, Phase
from agent.recorder import CallRecorder
from coach_app.calls.rooms import HINT_RPC, MOOD_ATTRIBUTE, REPEAT_RPC
from coach_app.models import EndReason
from coach_app.personas.schema import ASSESSMENT
from coach_app.textlimits import log_safe

logger = logging.getLogger("coach.agent.help")

LAST_LINE_TIMEOUT_S = 30.0
ENDS = {Phase.resolved: EndReason.persona_resolved, Phase.walking_away: EndReason.persona_walked_away}


class CallHelp:
    def __init__(
        self, ctx: JobContext, session: AgentSession, recorder: CallRecorder, mood: CallMood, *, trainee: str, mode: str
    ) -> None:
        self.ctx, self.session, self.recorder, self.mood = ctx, session, recorder, mood
        self.trainee = trainee
        self.practice = mode != ASSESSMENT
        self._ending = False

    # -- the live meter ---------------------------------------------------------------------------
    def on_mood(self, trainee_text: str, state: MoodState) -> None:
        """A trainee turn moved (or did not move) the customer: store it on the turn and publish it."""
        self.recorder.note_mood(trainee_text, state.as_dict())
        self.publish(state)

    def publish(self, state: MoodState) -> None:
        if not self.practice:
            return
        payload = json.dumps(state.levels() | {"phase": state.phase.value})
        self.recorder.background(self._set_attribute(payload))

    async def _set_attribute(self, payload: str) -> None:
        try:
            await self.ctx.room.local_participant.set_attributes({MOOD_ATTRIBUTE: payload})
        except Exception as exc:  # noqa: BLE001 - the meter is a nicety; the call goes on
            logger.warning("session %s: could not publish the mood: %s", self.recorder.session_id, exc)

    # -- RPCs ----------------------------------------------------------------------------------------
    def register(self) -> None:
        local = self.ctx.room.local_participant
        local.register_rpc_method(HINT_RPC, self._hint)
        local.register_rpc_method(REPEAT_RPC, self._repeat)
        self.publish(self.mood.current)

    def _check_caller(self, data: rtc.RpcInvocationData, what: str) -> None:
        if data.caller_identity != self.trainee:
            logger.warning(
                "session %s: %s request from %s refused", self.recorder.session_id, what, log_safe(data.caller_identity)
            )
            raise rtc.RpcError(
                rtc.RpcError.ErrorCode.APPLICATION_ERROR, f"only the session's trainee can ask for {what}"
            )

    def _now(self) -> float:
        return round(time.time() - self.recorder.t0, 3) if self.recorder.t0 else 0.0

    async def _hint(self, data: rtc.RpcInvocationData) -> str:
        self._check_caller(data, "a hint")
        if not self.practice:
            raise rtc.RpcError(rtc.RpcError.ErrorCode.APPLICATION_ERROR, "hints are off in an assessment")
        text, source = await self.mood.hint(self.session.history)
        self.recorder.record_help("hint", self._now(), text=text, source=source)
        return text

    async def _repeat(self, data: rtc.RpcInvocationData) -> str:
        self._check_caller(data, "a repeat")
        last = next(
            (
                m.text_content
                for m in reversed(self.session.history.items)
                if getattr(m, "type", None) == "message" and m.role == "assistant" and m.text_content
            ),
            None,
        )
        if not last:
            return ""
        self.recorder.record_help("repeat", self._now(), text=last)
        self.session.say(last)
        return last

    # -- the end in character -----------------------------------------------------------------------
    def after_persona_turn(self) -> None:
        """The persona's last line (resolved / walking away) has been said: close the call."""
        end = ENDS.get(self.mood.current.phase)
        if end is None or self._ending:
            return
        self._ending = True
        logger.info(
            "session %s: the customer is %s; ending the call", self.recorder.session_id, self.mood.current.phase
        )
        self.recorder.request_end(end)
        self.recorder.background(self._close())

    async def _close(self) -> None:
        await asyncio.sleep(0.5)  # let the last audio leave the room
        await asyncio.shield(self.ctx.delete_room())
