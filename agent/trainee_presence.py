"""The trainee's presence in the room: a reload or a dropped connection does not end the call.

LiveKit's own `close_on_disconnect` ends the agent session the moment the trainee's participant
leaves. A page that reloads, a browser that rejoins after the web app restarted, or a network
blip all leave and come back with the same identity a moment later, so the agent waits
`TRAINEE_REJOIN_GRACE_SECONDS` first. If the trainee is back by then (the same identity is in the
room again), the call simply goes on; otherwise `on_gone` ends it (abandoned / trainee_left).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from livekit import rtc

logger = logging.getLogger("coach.agent")


class TraineePresence:
    def __init__(
        self, room: rtc.Room, trainee: str, grace_seconds: float, on_gone: Callable[[], None], *, session_id: int
    ) -> None:
        self.room = room
        self.trainee = trainee
        self.grace_seconds = grace_seconds
        self.on_gone = on_gone
        self.session_id = session_id
        self._timer: asyncio.TimerHandle | None = None
        self.absences = 0  # how often the trainee left and came back

    def watch(self, *, resumed: bool) -> None:
        """From when the agent is in the room. In a call it resumes (its first agent was lost) the
        trainee was there before: one not in the room now has the same grace to come back. A new
        call waits for its trainee as long as LiveKit keeps the room."""
        self.room.on("participant_disconnected", self._on_left)
        self.room.on("participant_connected", self._on_joined)
        if resumed and not self.present():
            self._start_waiting("is not in the room")

    def _start_waiting(self, why: str) -> None:
        logger.info(
            "session %s: the trainee %s; waiting %.0f s for them to rejoin", self.session_id, why, self.grace_seconds
        )
        self._timer = asyncio.get_running_loop().call_later(self.grace_seconds, self._check)

    def _is_trainee(self, participant: rtc.RemoteParticipant) -> bool:
        if self.trainee:
            return participant.identity == self.trainee
        return participant.kind != rtc.ParticipantKind.PARTICIPANT_KIND_AGENT

    def present(self) -> bool:
        return any(self._is_trainee(p) for p in self.room.remote_participants.values())

    def _on_left(self, participant: rtc.RemoteParticipant) -> None:
        if not self._is_trainee(participant) or self._timer is not None:
            return
        reason = rtc.DisconnectReason.Name(participant.disconnect_reason or rtc.DisconnectReason.UNKNOWN_REASON)
        self._start_waiting(f"left the room ({reason})")

    def _on_joined(self, participant: rtc.RemoteParticipant) -> None:
        if self._is_trainee(participant) and self._timer is not None:
            self._timer.cancel()
            self._timer = None
            self.absences += 1
            logger.info("session %s: the trainee rejoined the call", self.session_id)

    def _check(self) -> None:
        self._timer = None
        if self.present():  # rejoined under a duplicate identity before the old connection left
            return
        logger.info("session %s: the trainee did not come back; ending the call", self.session_id)
        self.on_gone()

    def close(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
