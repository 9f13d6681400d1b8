"""A real livekit-server, the real agent worker process, and a Python trainee client."""

import asyncio

from livekit import api, rtc


async def test_agent_joins_room_on_explicit_dispatch(livekit, agent_worker):
    from coach_app.settings import get_settings

    token = (
        api.AccessToken(livekit.api_key, livekit.api_secret)
        .with_identity("trainee-test")
        .with_grants(api.VideoGrants(room_join=True, room="dispatch-test"))
        .with_room_config(
            api.RoomConfiguration(
                agents=[api.RoomAgentDispatch(agent_name=get_settings().agent_name, metadata='{"session_id": 0}')]
            )
        )
        .to_jwt()
    )
    room = rtc.Room()
    joined = asyncio.Event()

    @room.on("participant_connected")
    def _on_participant(p: rtc.RemoteParticipant):
        if p.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT:
            joined.set()

    await room.connect(livekit.url, token)
    try:
        if any(p.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT for p in room.remote_participants.values()):
            joined.set()
        await asyncio.wait_for(joined.wait(), timeout=15)
    finally:
        await room.disconnect()
