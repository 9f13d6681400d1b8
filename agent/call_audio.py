"""The call's recording, on the agent's side: written into RECORDINGS_DIR while the call runs.

livekit-agents' recorder writes its stereo OGG to `audio.ogg` in the job's temporary folder, which
is deleted at job cleanup and lost with the process on a crash. Before the session starts, that
name is made a link to this agent's part of the call in RECORDINGS_DIR (`recordings.start_part`),
and the recorder's file is opened with ffmpeg's `flush_packets` (without it, ffmpeg kept the
whole file in memory until the end: 0 bytes on disk after 20 s), so the audio lands there as it
is recorded (every 2.5 s): a SIGKILLed worker leaves all but the last few seconds. At job
shutdown the part is noted as whole, and the call's last agent (not one that handed the call
over) makes the parts the session's recording (`recordings.keep_parts`, joined on one timeline
when agents were replaced).
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

from livekit.agents import AgentSession, JobContext
from livekit.agents.voice.recorder_io import recorder_io
from sqlmodel import Session

from agent.recorder import CallRecorder
from coach_app.calls.recordings import keep_parts, note_part, start_part
from coach_app.db import get_engine
from coach_app.settings import Settings

logger = logging.getLogger("coach.agent")

RECORDER_FILE = "audio.ogg"  # where livekit-agents' recorder writes, in ctx.session_directory
_START_WAIT_S = 30.0


class _FlushingAv:
    """The `av` module, but a file opened for writing flushes each packet to disk."""

    def __init__(self, av: Any) -> None:
        self._av = av

    def __getattr__(self, name: str) -> Any:
        return getattr(self._av, name)

    def open(self, file: Any, mode: str = "r", **kwargs: Any) -> Any:
        if mode == "w":
            kwargs["options"] = {"flush_packets": "1", **(kwargs.get("options") or {})}
        return self._av.open(file, mode, **kwargs)


def _flush_as_recorded() -> None:
    """livekit-agents 1.8's recorder opens its file with `av.open(path, mode="w", format="ogg")` and no
    options; its module (only) gets an `av` whose files opened for writing flush every packet."""
    if not isinstance(recorder_io.av, _FlushingAv):
        recorder_io.av = _FlushingAv(recorder_io.av)


class CallAudio:
    def __init__(self, ctx: JobContext, session: AgentSession, recorder: CallRecorder, settings: Settings) -> None:
        """Call before `session.start`: the recorder opens its file when the session starts."""
        self.ctx, self.session, self.recorder, self.settings = ctx, session, recorder, settings
        _flush_as_recorded()
        self.started_at = time.time()  # until the recorder says when its first sample was
        self.part = start_part(settings, recorder.session_id, ctx.job.id or f"job-{time.time_ns()}", self.started_at)
        link = ctx.session_directory / RECORDER_FILE
        link.parent.mkdir(parents=True, exist_ok=True)
        link.unlink(missing_ok=True)
        link.symlink_to(self.part.resolve())
        self._noting = asyncio.create_task(self._note_start())

    def _recorder_started_at(self) -> float | None:
        # livekit-agents 1.8 keeps its RecorderIO on the session; its start is in the session
        # report only after the recorder has closed, and a crash never gets there.
        return getattr(getattr(self.session, "_recorder_io", None), "recording_started_at", None)

    async def _note_start(self) -> None:
        """The part's exact start on the wall clock, once the recorder has begun (for a crash)."""
        deadline = time.monotonic() + _START_WAIT_S
        while (started := self._recorder_started_at()) is None and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        if started is not None:
            self.started_at = started
            note_part(self.part, started_at=started, finished=False)

    async def keep(self) -> None:
        """Job shutdown (livekit-agents has closed its recorder): the part is whole; the call's last
        agent keeps the parts as the session's recording."""
        self._noting.cancel()
        try:
            report = self.ctx.make_session_report(self.session)
            if report.audio_recording_started_at is not None:
                self.started_at = report.audio_recording_started_at
            note_part(self.part, started_at=self.started_at, finished=True)
            if not self.recorder.owns_call:
                return  # handed over: the agent that carries the call on keeps it

            def keep() -> Path | None:
                with Session(get_engine()) as db:
                    return keep_parts(db, self.settings, self.recorder.session_id)

            kept = await asyncio.to_thread(keep)
        except Exception:
            logger.exception("session %s: could not keep the recording", self.recorder.session_id)
            return
        if kept is not None:
            logger.info("session %s: recording kept (%d bytes)", self.recorder.session_id, kept.stat().st_size)
