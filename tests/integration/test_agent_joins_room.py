"""A real livekit-server, the real agent worker process, and a Python trainee client."""

import asyncio

from livekit import rtc
from sqlmodel import Session

from coach_app.calls.rooms import mint_trainee_token
from coach_app.calls.start import start_session
from coach_app.db import make_engine
from coach_app.settings import Settings
from tests.support.auth import make_user


async def test_agent_joins_room_on_explicit_dispatch(livekit, agent_worker, db_url):
    user = make_user(db_url, "dispatch-test")
    with Session(make_engine(db_url), expire_on_commit=False) as db:
        ps = start_session(db, user, "billing-dispute-gold")
    settings = Settings(livekit_url=livekit.url, livekit_api_key=livekit.api_key, livekit_api_secret=livekit.api_secret)
    room = rtc.Room()
    joined = asyncio.Event()

    @room.on("participant_connected")
    def _on_participant(p: rtc.RemoteParticipant):
        if p.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT:
            joined.set()

    await room.connect(livekit.url, mint_trainee_token(ps, user, settings))
    try:
        if any(p.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT for p in room.remote_participants.values()):
            joined.set()
        await asyncio.wait_for(joined.wait(), timeout=30)  # a job process may still be warming up
    finally:
        await room.disconnect()
