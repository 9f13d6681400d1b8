"""Writes a call to the database as it happens: turns, per-turn latency, usage, status.

The agent is the source of truth: each final user or persona utterance becomes a `Turn` row
the moment livekit-agents adds it to the conversation, so a closed tab or a crashed worker
loses nothing already said. Writes go through one queue (in order, off the event loop); a
failed write is logged and never breaks the call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from livekit.agents import llm
from livekit.agents.metrics.usage import AgentSessionUsage, LLMModelUsage, STTModelUsage, TTSModelUsage
from livekit.agents.voice.events import CloseReason
from sqlmodel import Session, select

from coach_app.db import get_engine
from coach_app.models import OPEN_STATUSES, EndReason, PracticeSession, SessionStatus, Speaker, Turn
from coach_app.textlimits import TURN_TEXT_MAX

logger = logging.getLogger("coach.agent.recorder")

ERROR_TEXT_MAX = 4000


# --- pure helpers (unit-tested) ------------------------------------------------------------------


def turn_fields(msg: llm.ChatMessage, t0: float) -> dict[str, Any] | None:
    """The Turn columns for a final chat message, or None when it is not a spoken turn."""
    speaker = {"user": Speaker.trainee, "assistant": Speaker.persona}.get(msg.role)
    text = (msg.text_content or "").strip()
    if speaker is None or not text:
        return None
    if len(text) > TURN_TEXT_MAX:  # typed messages are checked earlier (agent.chat_input); this caps anything else
        text = text[: TURN_TEXT_MAX - 1].rstrip() + "\u2026"
    m = msg.metrics or {}
    started = m.get("started_speaking_at") or msg.created_at
    stopped = m.get("stopped_speaking_at") or max(started, msg.created_at)
    start = max(0.0, started - t0)
    return {
        "speaker": speaker,
        "text": text,
        "start": round(start, 3),
        "end": round(max(start, stopped - t0), 3),
        "interrupted": bool(msg.interrupted),
        # speech always carries a transcript confidence; a typed message has none
        "typed": speaker == Speaker.trainee and msg.transcript_confidence is None,
        "end_of_turn_delay": m.get("end_of_turn_delay"),
        "transcription_delay": m.get("transcription_delay"),
        "llm_ttft": m.get("llm_node_ttft"),
        "tts_ttfb": m.get("tts_node_ttfb"),
        "e2e_latency": m.get("e2e_latency"),
    }


def merged_turn(earlier: dict[str, Any], later: dict[str, Any]) -> dict[str, Any] | None:
    """One trainee turn from two in a row with no persona turn between (the trainee paused
    mid-sentence and the agent ended the turn too soon: the persona never answered the first
    part), or None when they are not one utterance (not both trainee speech, or one was typed).
    It spans both; its delays are the later part's, measured where the trainee really stopped."""
    if not (earlier["speaker"] == later["speaker"] == Speaker.trainee):
        return None
    if earlier.get("typed") or later.get("typed"):
        return None  # each typed message was sent on its own
    text = f"{earlier['text']} {later['text']}"
    if len(text) > TURN_TEXT_MAX:
        text = text[: TURN_TEXT_MAX - 1].rstrip() + "\u2026"
    return {**later, "text": text, "start": earlier["start"], "end": max(earlier["end"], later["end"])}


def usage_totals(usage: AgentSessionUsage) -> dict[str, float | int]:
    """Cost-relevant totals over every model the call used."""
    out: dict[str, float | int] = {
        "stt_audio_seconds": 0.0,
        "llm_prompt_tokens": 0,
        "llm_completion_tokens": 0,
        "tts_characters": 0,
    }
    for u in usage.model_usage:
        if isinstance(u, STTModelUsage):
            out["stt_audio_seconds"] += u.audio_duration
        elif isinstance(u, LLMModelUsage):
            out["llm_prompt_tokens"] += u.input_tokens
            out["llm_completion_tokens"] += u.output_tokens
        elif isinstance(u, TTSModelUsage):
            out["tts_characters"] += u.characters_count
    out["stt_audio_seconds"] = round(float(out["stt_audio_seconds"]), 3)
    return out


def outcome(requested_end: str | None, close_reason: CloseReason | None) -> tuple[SessionStatus, str]:
    """Final status and end reason from why the call ended.

    An end the call asked for (End button, time limit) is `completed`; the trainee vanishing (gone
    for longer than the rejoin grace, or LiveKit closing on their disconnect) is `abandoned`;
    provider failures and agent problems are `failed`.
    """
    if requested_end == EndReason.trainee_left:
        return SessionStatus.abandoned, EndReason.trainee_left
    if requested_end is not None:
        return SessionStatus.completed, requested_end
    if close_reason == CloseReason.PARTICIPANT_DISCONNECTED:
        return SessionStatus.abandoned, EndReason.trainee_left
    if close_reason == CloseReason.ERROR:
        return SessionStatus.failed, EndReason.provider_error
    if close_reason == CloseReason.JOB_SHUTDOWN:
        return SessionStatus.failed, EndReason.agent_shutdown
    if close_reason in (CloseReason.USER_INITIATED, CloseReason.TASK_COMPLETED):
        return SessionStatus.completed, EndReason.ended
    return SessionStatus.failed, EndReason.agent_error


# --- the recorder ----------------------------------------------------------------------------------


class CallRecorder:
    def __init__(self, session_id: int, *, last_seq: int = 0, t0: float | None = None) -> None:
        """`last_seq`/`t0` continue a call that was already live (an agent that rejoined)."""
        self.session_id = session_id
        self.t0 = t0  # wall clock (time.time()) when the call went live
        self.requested_end: str | None = None
        self.final_status: SessionStatus | None = None
        self.owns_call = True  # False once this agent leaves the call to another one (stand_down)
        self._seq = last_seq
        self._last: tuple[int, dict[str, Any]] | None = None  # the last turn recorded: seq, columns
        self._mood_for: tuple[str, dict[str, Any]] | None = None  # a mood for a trainee turn not yet recorded
        self._tasks: set[asyncio.Task] = set()
        self._queue: asyncio.Queue[Callable[[], None] | None] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_loop(), name="coach-recorder")

    # -- writing ------------------------------------------------------------------------------
    async def _write_loop(self) -> None:
        while (job := await self._queue.get()) is not None:
            try:
                await asyncio.to_thread(job)
            except Exception:
                logger.exception("session %s: a recording write failed", self.session_id)

    def _submit(self, job: Callable[[], None]) -> None:
        self._queue.put_nowait(job)

    def _update_session(self, **values: Any) -> Callable[[], None]:
        def job() -> None:
            with Session(get_engine()) as db:
                ps = db.get(PracticeSession, self.session_id)
                if ps is None:
                    return
                for k, v in values.items():
                    setattr(ps, k, v)
                db.add(ps)
                db.commit()

        return job

    def background(self, coro) -> asyncio.Task:
        """Run a helper of the call (time limit, pre-synthesis); stopped when the call closes."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def aclose(self) -> None:
        """Stop the call's helpers and wait until everything submitted is written."""
        for task in list(self._tasks):
            task.cancel()
        self._queue.put_nowait(None)
        await self._writer

    # -- what the runner reports --------------------------------------------------------------
    def mark_live(self, providers: dict[str, Any]) -> None:
        if self.t0 is not None:
            return  # a rejoin: the call started earlier
        self.t0 = time.time()
        started = datetime.fromtimestamp(self.t0, UTC)

        def job() -> None:
            with Session(get_engine()) as db:
                ps = db.get(PracticeSession, self.session_id)
                if ps is None or ps.status != SessionStatus.created:
                    return
                ps.status = SessionStatus.live
                ps.started_at = started
                ps.providers = providers
                db.add(ps)
                db.commit()

        self._submit(job)

    def add_message(self, msg: llm.ChatMessage, mood: dict[str, Any] | None = None) -> None:
        """`mood`: the customer's state when the persona speaks (agent/call_mood.py), stored on its turn."""
        if self.t0 is None:
            return
        fields = turn_fields(msg, self.t0)
        if fields is None:
            return
        if mood is not None and fields["speaker"] == Speaker.persona:
            fields["mood"] = {**mood, "hit": None}
        if fields["speaker"] == Speaker.trainee and self._mood_for is not None and self._mood_for[0] in fields["text"]:
            fields["mood"] = self._mood_for[1]  # decided before the turn was final (a preemptive reply)
            self._mood_for = None
        merged = merged_turn(self._last[1], fields) if self._last is not None else None
        if merged is not None:
            seq, fields = self._last[0], merged
            self._submit(self._rewrite_turn(seq, fields))
        else:
            self._seq += 1
            seq = self._seq
            self._submit(self._insert_turn(seq, fields))
        self._last = (seq, fields)
        # One readable line per turn at INFO (no words: what people said stays out of ordinary
        # logs); the text itself only at DEBUG.
        latency = fields.get("e2e_latency")
        logger.info(
            "session %s turn %s: %s, %s words%s",
            self.session_id,
            seq,
            fields["speaker"].value,
            len(fields["text"].split()),
            f", answered in {latency:.2f} s" if latency else "",
        )
        logger.debug("session %s turn %s text: %r", self.session_id, seq, fields["text"])

    def _insert_turn(self, seq: int, fields: dict[str, Any]) -> Callable[[], None]:
        def job() -> None:
            with Session(get_engine()) as db:
                db.add(Turn(session_id=self.session_id, seq=seq, **fields))
                db.commit()

        return job

    def _rewrite_turn(self, seq: int, fields: dict[str, Any]) -> Callable[[], None]:
        def job() -> None:
            with Session(get_engine()) as db:
                turn = db.exec(select(Turn).where(Turn.session_id == self.session_id, Turn.seq == seq)).one()
                for k, v in fields.items():
                    setattr(turn, k, v)
                db.add(turn)
                db.commit()

        return job

    def note_mood(self, trainee_text: str, mood: dict[str, Any]) -> None:
        """The customer's state after the trainee turn `trainee_text`: stored on that turn, now when
        it is already recorded, else when it is (the reply may be decided before the turn is final)."""
        last = self._last
        if last is not None and last[1]["speaker"] == Speaker.trainee and trainee_text in last[1]["text"]:
            last[1]["mood"] = mood
            self._submit(self._rewrite_turn(last[0], {"mood": mood}))
            self._mood_for = None
        else:
            self._mood_for = (trainee_text, mood)

    def record_help(self, kind: str, at: float, **detail: Any) -> None:
        """A Hint or Repeat used in the call (`PracticeSession.help_events`, in order)."""
        event = {"kind": kind, "at": at, "after_seq": self._seq, **detail}

        def job() -> None:
            with Session(get_engine()) as db:
                ps = db.get(PracticeSession, self.session_id)
                if ps is None:
                    return
                ps.help_events = [*ps.help_events, event]  # a new list: the JSON column sees the change
                db.add(ps)
                db.commit()

        self._submit(job)
        logger.info("session %s: %s used after turn %s", self.session_id, kind, self._seq)

    def update_usage(self, usage: AgentSessionUsage) -> None:
        self._submit(self._update_session(**usage_totals(usage)))

    def record_error(self, where: str, message: str) -> None:
        line = f"{datetime.now(UTC):%H:%M:%S} {where}: {message}"

        def job() -> None:
            with Session(get_engine()) as db:
                ps = db.get(PracticeSession, self.session_id)
                if ps is None:
                    return
                text = f"{ps.error}\n{line}" if ps.error else line
                ps.error = text[-ERROR_TEXT_MAX:]
                db.add(ps)
                db.commit()

        self._submit(job)

    def request_end(self, reason: str) -> None:
        """The call is ending on purpose (End button, time limit, the trainee gone); the first reason wins."""
        if self.requested_end is None:
            self.requested_end = reason

    def stand_down(self) -> None:
        """Another agent runs this call: this one records nothing more and never closes it."""
        self.owns_call = False

    def finish(
        self, close_reason: CloseReason | None, *, status: SessionStatus | None = None, end_reason: str | None = None
    ) -> None:
        """Close the session once (the first call wins): status, end reason, end time."""
        if self.final_status is not None or not self.owns_call:
            return
        decided_status, decided_reason = outcome(self.requested_end, close_reason)
        status = status or decided_status
        end_reason = end_reason or decided_reason
        self.final_status = status
        ended = datetime.now(UTC)

        def job() -> None:
            with Session(get_engine()) as db:
                ps = db.get(PracticeSession, self.session_id)
                if ps is None or ps.status not in OPEN_STATUSES:
                    return  # already closed elsewhere (e.g. the page ended a call with no agent)
                ps.status = status
                ps.end_reason = end_reason
                ps.ended_at = ended
                db.add(ps)
                db.commit()

        self._submit(job)
        logger.info("session %s closed: %s (%s)", self.session_id, status.value, end_reason)
