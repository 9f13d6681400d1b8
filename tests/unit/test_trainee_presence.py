"""The agent's patience with a trainee whose connection left the room (agent/trainee_presence.py).

The room is a real (unconnected) `rtc.Room`; its participant events are emitted the way the
LiveKit SDK emits them. The end-to-end cases (a client that leaves for good, one that rejoins with a
fresh token) are in tests/e2e/test_voice_rtc_client.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from livekit import rtc

from agent.trainee_presence import TraineePresence

GRACE = 0.2


@dataclass
class Participant:
    identity: str
    kind: int = rtc.ParticipantKind.PARTICIPANT_KIND_STANDARD
    disconnect_reason: int = rtc.DisconnectReason.CLIENT_INITIATED


def _presence(room: rtc.Room, ended: list[str]) -> TraineePresence:
    return TraineePresence(room, "trainee-7", GRACE, lambda: ended.append("gone"), session_id=7)


async def test_a_trainee_gone_for_longer_than_the_grace_ends_the_call_once():
    room, ended = rtc.Room(), []
    presence = _presence(room, ended)
    presence.watch(resumed=False)
    room.emit("participant_disconnected", Participant("trainee-7"))
    room.emit("participant_disconnected", Participant("trainee-7"))  # a duplicate event starts no second wait
    await asyncio.sleep(GRACE / 2)
    assert ended == []
    await asyncio.sleep(GRACE)
    assert ended == ["gone"]


async def test_a_trainee_back_within_the_grace_carries_on():
    room, ended = rtc.Room(), []
    presence = _presence(room, ended)
    presence.watch(resumed=False)
    room.emit("participant_disconnected", Participant("trainee-7"))
    await asyncio.sleep(GRACE / 2)
    room.emit("participant_connected", Participant("trainee-7"))
    await asyncio.sleep(GRACE * 2)
    assert ended == [] and presence.absences == 1


async def test_someone_else_leaving_is_not_the_trainee_leaving():
    room, ended = rtc.Room(), []
    presence = _presence(room, ended)
    presence.watch(resumed=False)
    room.emit("participant_disconnected", Participant("manager-2"))
    room.emit("participant_disconnected", Participant("agent-x", kind=rtc.ParticipantKind.PARTICIPANT_KIND_AGENT))
    await asyncio.sleep(GRACE * 2)
    assert ended == []


async def test_an_agent_sent_to_a_resumed_call_with_nobody_there_gives_up_after_the_grace():
    room, ended = rtc.Room(), []
    _presence(room, ended).watch(resumed=True)
    await asyncio.sleep(GRACE * 2)
    assert ended == ["gone"]


async def test_a_new_call_waits_for_its_trainee_to_arrive():
    room, ended = rtc.Room(), []
    _presence(room, ended).watch(resumed=False)
    await asyncio.sleep(GRACE * 2)
    assert ended == []


async def test_closing_stops_the_wait():
    room, ended = rtc.Room(), []
    presence = _presence(room, ended)
    presence.watch(resumed=False)
    room.emit("participant_disconnected", Participant("trainee-7"))
    presence.close()
    await asyncio.sleep(GRACE * 2)
    assert ended == []
