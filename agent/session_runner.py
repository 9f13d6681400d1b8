"""Runs one practice call in a job process, top to bottom.

1. The dispatch metadata names the session; the session row holds the frozen persona.
2. STT/LLM/TTS come from settings (`agent.providers.registry`), VAD was loaded once in prewarm.
3. Turn handling is explicit and local (`agent.turn_taking`): Silero VAD (with TURN_DETECTOR=model also
   the local end-of-turn model) decides when the trainee has finished, as patient as the persona.
4. Every final utterance, the usage and the status are recorded as they happen (`agent.recorder`).
5. The call ends when the trainee presses End (RPC), leaves for longer than the rejoin grace
   (`agent.trainee_presence`: a reload or reconnect does not end it), at the time limit, or on
   errors; then the evaluation runs.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

from livekit import rtc
from livekit.agents import AgentSession, JobContext, llm, room_io
from livekit.agents.voice.events import (
    CloseEvent,
    CloseReason,
    ConversationItemAddedEvent,
    ErrorEvent,
    SessionUsageUpdatedEvent,
)
from pydantic import ValidationError
from sqlmodel import Session, select

from agent.call_audio import CallAudio
from agent.call_help import CallHelp
from agent.call_mood import CallMood
from agent.chat_input import ChatInput
from agent.mood import MoodState
from agent.persona_agent import TIME_UP_INSTRUCTIONS, PersonaAgent, breaking_up_line
from agent.providers.local.llm import ScriptedPersonaLLM
from agent.providers.registry import build_components, connect_options
from agent.recorder import CallRecorder
from agent.resume import RejoinedPersonaAgent, conversation_so_far
from agent.trainee_presence import TraineePresence
from agent.turn_taking import turn_handling
from coach_app.calls.control import time_limit_seconds
from coach_app.calls.providers import ProviderConfigError
from coach_app.calls.recordings import recording_wanted
from coach_app.calls.rooms import END_CALL_RPC, parse_dispatch_metadata, trainee_identity
from coach_app.clock import utc
from coach_app.db import get_engine
from coach_app.models import OPEN_STATUSES, EndReason, PracticeSession, SessionStatus, Speaker, Turn, User
from coach_app.personas.schema import Persona
from coach_app.programmes.scenarios import find_persona
from coach_app.settings import get_settings
from coach_app.textlimits import log_safe

logger = logging.getLogger("coach.agent")

# At most one "you're breaking up" line per this many seconds.
BREAKING_UP_MIN_INTERVAL_S = 5.0
GOODBYE_TIMEOUT_S = 30.0
# How a call closes when its job is shut down by the worker (a stop, a deploy); every end this
# code asks for itself records its reason first (recorder.request_end).
_STOPPED_FROM_OUTSIDE = (CloseReason.JOB_SHUTDOWN, CloseReason.USER_INITIATED)


async def run_session(ctx: JobContext) -> None:
    settings = get_settings()
    session_id = parse_dispatch_metadata(ctx.job.metadata)["session_id"]
    call = await asyncio.to_thread(load_call, session_id)
    if call is None:
        logger.warning("session %s does not exist or has already ended; leaving room %s", session_id, ctx.room.name)
        ctx.shutdown(reason="session not open")
        return
    persona, history, t0, trainee, (mode, last_mood) = call

    recorder = CallRecorder(session_id, last_seq=len(history), t0=t0)
    ctx.add_shutdown_callback(lambda _reason: _after_call(recorder))

    # Join the room while the provider clients are built (loading CA certificates takes a while).
    connecting = asyncio.create_task(ctx.connect())
    try:
        components = await asyncio.to_thread(build_components, settings, persona)
    except ProviderConfigError as exc:
        logger.error("session %s cannot start: %s", session_id, exc)
        recorder.record_error("config", str(exc))
        recorder.finish(None, status=SessionStatus.failed, end_reason=EndReason.provider_config)
        ctx.shutdown(reason="provider configuration")
        return

    session = AgentSession(
        vad=ctx.proc.userdata["vad"],
        stt=components.stt,
        llm=components.llm,
        tts=components.tts,
        turn_handling=turn_handling(settings, persona.patience),
        conn_options=connect_options(settings),
    )

    # The customer's mood (LLM classifier when the call has a language model, keywords otherwise)
    # and the help buttons (agent/call_mood.py, agent/call_help.py).
    model = None if isinstance(components.llm, ScriptedPersonaLLM) else components.llm
    start = MoodState.from_dict(last_mood, persona) if last_mood else None
    resumed = sum(1 for speaker, _ in history if speaker == Speaker.trainee)
    mood = CallMood(
        persona,
        model,
        start=start,
        resumed_turns=resumed if last_mood else 0,
        classify=settings.mood_classifier == "llm",
        classifier_timeout=settings.mood_classifier_timeout_seconds,
    )
    helper = CallHelp(ctx, session, recorder, mood, trainee=trainee, mode=mode)
    mood.on_change = helper.on_mood

    # A reload or reconnect does not end the call; a trainee gone for longer than the grace does.
    def _trainee_gone() -> None:
        recorder.request_end(EndReason.trainee_left)
        session.shutdown(drain=False)

    presence = TraineePresence(
        ctx.room, trainee, settings.trainee_rejoin_grace_seconds, _trainee_gone, session_id=session_id
    )

    # --- recording: every final utterance, the usage, errors, the end ---------------------------
    @session.on("conversation_item_added")
    def _on_item(ev: ConversationItemAddedEvent) -> None:
        if isinstance(ev.item, llm.ChatMessage):
            recorder.add_message(ev.item, mood.current.as_dict())
            if ev.item.role == "assistant":
                helper.after_persona_turn()

    @session.on("session_usage_updated")
    def _on_usage(ev: SessionUsageUpdatedEvent) -> None:
        recorder.update_usage(ev.usage)

    breaking_up = BreakingUpLine(session, breaking_up_line(persona))

    @session.on("error")
    def _on_error(ev: ErrorEvent) -> None:
        if getattr(ev.error, "recoverable", True):
            return  # the plugin retries by itself
        where = getattr(ev.error, "type", "error")
        logger.error("session %s: %s: %s", session_id, where, ev.error.error)
        recorder.record_error(where, str(ev.error.error) or type(ev.error.error).__name__)
        breaking_up.say(tts_failed=where == "tts_error")

    @session.on("close")
    def _on_close(ev: CloseEvent) -> None:
        presence.close()
        if ev.error is not None:
            recorder.record_error("close", str(ev.error.error))
        if ev.reason in _STOPPED_FROM_OUTSIDE and recorder.requested_end is None:
            # The worker is stopping (the drain timeout of a deploy ran out): the call stays live and
            # another worker's agent carries it on (calls.dispatch).
            logger.info("session %s: the worker is stopping; handing the call over", session_id)
            recorder.stand_down()
        recorder.finish(ev.reason)
        ctx.shutdown(reason=f"session closed: {ev.reason.value}")

    async def _end_call(data: rtc.RpcInvocationData) -> str:
        """The trainee pressed End: the call is over on purpose (completed). Only the session's
        trainee may end it (anyone else in the room gets an RPC error and the call goes on)."""
        if data.caller_identity != trainee:
            logger.warning(
                "session %s: end-call request from %s refused (not the session's trainee)",
                session_id,
                log_safe(data.caller_identity),
            )
            raise rtc.RpcError(rtc.RpcError.ErrorCode.APPLICATION_ERROR, "only the session's trainee can end this call")
        logger.info("session %s: the trainee pressed End", session_id)
        recorder.request_end(EndReason.trainee_ended)
        # Answer first, then close (the trainee disconnects right after the answer).
        asyncio.get_running_loop().call_later(0.1, lambda: session.shutdown(drain=False))
        return "ok"

    record_audio = recording_wanted(settings, persona)
    if record_audio:
        audio = CallAudio(ctx, session, recorder, settings)  # into RECORDINGS_DIR as the call runs
        ctx.add_shutdown_callback(lambda _reason: audio.keep())

    # --- the call -------------------------------------------------------------------------------
    recorder.mark_live(components.record())
    try:
        await connecting
        if _another_agent(ctx.room):
            # Two agents were sent to a call that lost its persona: the one already there keeps it.
            logger.info("session %s: another agent is already in room %s; leaving", session_id, ctx.room.name)
            recorder.stand_down()
            ctx.shutdown(reason="another agent has the call")
            return
        ctx.room.local_participant.register_rpc_method(END_CALL_RPC, _end_call)
        helper.register()
        presence.watch(resumed=bool(history))
        await session.start(
            agent=await persona_agent(persona, history, mood),
            room=ctx.room,
            room_options=room_io.RoomOptions(
                close_on_disconnect=False,  # agent.trainee_presence ends it after the rejoin grace
                # typed messages: size and rate checked before the persona sees them
                text_input=room_io.TextInputOptions(text_input_cb=ChatInput(session_id)),
            ),
            # Audio only: a stereo OGG (agent/call_audio.py; nothing is uploaded anywhere);
            # our recorder keeps the transcript.
            record={"audio": record_audio, "traces": False, "logs": False, "transcript": False},
        )
    except Exception as exc:
        logger.exception("session %s failed to start", session_id)
        recorder.record_error("start", f"{type(exc).__name__}: {exc}")
        recorder.finish(None, status=SessionStatus.failed, end_reason=EndReason.agent_error)
        ctx.shutdown(reason="start failed")
        return

    limit = time_limit_seconds(persona, settings)
    recorder.background(breaking_up.prepare(components.tts))
    recorder.background(_end_at_time_limit(ctx, session, recorder, limit - _elapsed(recorder)))
    logger.info(
        "session %s live in room %s with %s (time limit %ss)",
        session_id,
        ctx.room.name,
        components.plan.summary(),
        limit,
    )


async def persona_agent(
    persona: Persona, history: list[tuple[Speaker, str]], mood: CallMood | None = None
) -> PersonaAgent:
    """The persona for a new call, or, when turns were already recorded (its first agent was lost),
    one that carries the conversation on from them."""
    if not history:
        return PersonaAgent(persona, mood)
    agent = RejoinedPersonaAgent(persona, mood)
    await agent.update_chat_ctx(conversation_so_far(history))
    return agent


def _another_agent(room: rtc.Room) -> bool:
    return any(p.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT for p in room.remote_participants.values())


def load_call(
    session_id: int,
) -> tuple[Persona, list[tuple[Speaker, str]], float | None, str, tuple[str, dict | None]] | None:
    """The frozen persona, the turns recorded so far (in order), the call's start time (for an
    agent that rejoins a live call), the trainee's room identity, and the call's mode with the
    last stored mood; None when the session is unknown or already over."""
    with Session(get_engine()) as db:
        ps = db.get(PracticeSession, session_id)
        if ps is None or ps.status not in OPEN_STATUSES:
            return None
        turns = db.exec(select(Turn).where(Turn.session_id == session_id).order_by(Turn.seq)).all()
        history = [(t.speaker, t.text) for t in turns]
        last_mood = next((t.mood for t in reversed(turns) if t.mood), None)
        t0 = utc(ps.started_at).timestamp() if ps.status == SessionStatus.live and ps.started_at else None
        try:
            persona = Persona.model_validate(ps.persona_snapshot)
        except ValidationError:
            # The schema moved on since the session started; use the current file instead.
            logger.warning("session %s: frozen persona no longer validates; using the current version", session_id)
            persona = find_persona(db, ps.persona_id)
            if persona is None:
                raise
        owner = db.get(User, ps.user_id) if ps.user_id is not None else None
        identity = trainee_identity(owner, ps) if owner is not None else ""
        return persona, history, t0, identity, (ps.mode, last_mood)


def _elapsed(recorder: CallRecorder) -> float:
    return time.time() - recorder.t0 if recorder.t0 else 0.0


async def _end_at_time_limit(ctx: JobContext, session: AgentSession, recorder: CallRecorder, delay: float) -> None:
    """At the time limit the persona says a short goodbye in character, then the call closes."""
    await asyncio.sleep(max(0.0, delay))
    logger.info("session %s reached its time limit", recorder.session_id)
    recorder.request_end(EndReason.time_limit)
    try:
        handle = session.generate_reply(instructions=TIME_UP_INSTRUCTIONS, allow_interruptions=False)
        await asyncio.wait_for(handle.wait_for_playout(), GOODBYE_TIMEOUT_S)
    except Exception:
        logger.exception("session %s: the goodbye at the time limit failed", recorder.session_id)
    # Deleting the room disconnects the trainee too (the page shows that the call has ended)
    # and the agent, which ends the job; the session closes as completed (time limit).
    await asyncio.shield(ctx.delete_room())


async def _after_call(recorder: CallRecorder) -> None:
    """Job shutdown: make sure the session is closed and written, then evaluate it."""
    recorder.finish(None)  # no-op when the session already closed normally
    await recorder.aclose()
    if not recorder.owns_call:
        return
    try:
        from coach_app.feedback.evaluate import evaluate_session
    except ImportError:
        return
    try:
        await evaluate_session(recorder.session_id)
    except Exception:
        logger.exception("session %s: evaluation failed", recorder.session_id)


class BreakingUpLine:
    """The persona's "sorry, you're breaking up" line, said when a provider fails for good.

    It is synthesised once at the start of the call, so it can still be played when the
    text-to-speech provider itself is what failed.
    """

    def __init__(self, session: AgentSession, text: str) -> None:
        self.session = session
        self.text = text
        self.frames: list[rtc.AudioFrame] = []
        self._last_said = 0.0
        self._handle = None  # the last time it was said

    async def prepare(self, tts) -> None:
        try:
            stream = tts.synthesize(self.text)
            try:
                self.frames = [ev.frame async for ev in stream]
            finally:
                await stream.aclose()
        except Exception as exc:  # noqa: BLE001 - then only the plain-text fallback is left
            logger.warning("could not pre-synthesise the breaking-up line: %s", exc)

    async def _replay(self) -> AsyncIterator[rtc.AudioFrame]:
        for frame in self.frames:
            yield frame

    def say(self, *, tts_failed: bool) -> None:
        now = time.monotonic()
        # A line that was interrupted before it was heard (a failed preemptive reply is dropped when
        # the trainee's turn ends and the real reply is tried) does not count against the interval.
        heard = self._handle is not None and not self._handle.interrupted
        if heard and now - self._last_said < BREAKING_UP_MIN_INTERVAL_S:
            return
        if tts_failed and not self.frames:
            return  # speaking through the broken TTS would fail again
        self._last_said = now
        try:
            self._handle = self.session.say(self.text, audio=self._replay() if self.frames else None)
        except RuntimeError as exc:  # the session is closing
            logger.info("not saying the breaking-up line: %s", exc)
