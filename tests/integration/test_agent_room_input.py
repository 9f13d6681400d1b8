"""What the agent accepts from the room, against a real livekit-server and the real agent worker.

- A 50,000-character message on `lk.chat` sent with the trainee's own join token is refused with a
  notice naming the limit: it is never stored as a turn, never reaches the persona's LLM and is
  not in the worker's log. The call goes on: the next, normal message is answered and stored.
- The end-call RPC is refused to anyone in the room but the session's trainee.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from livekit import api, rtc
from sqlmodel import Session, select

from coach_app.calls.rooms import END_CALL_RPC, mint_trainee_token
from coach_app.calls.start import start_session
from coach_app.db import make_engine
from coach_app.models import PracticeSession, SessionStatus, Speaker, Turn
from coach_app.settings import Settings
from coach_app.textlimits import MESSAGE_MAX
from tests.support.auth import make_user

BIG = ("forty-two " * 5000)[:49_999] + "!"  # 50,000 characters
NORMAL = "Hello Margaret, I typed this because my microphone is broken."


def _turns(db_url: str, sid: int) -> list[Turn]:
    with Session(make_engine(db_url)) as db:
        return list(db.exec(select(Turn).where(Turn.session_id == sid).order_by(Turn.seq)).all())


def _status(db_url: str, sid: int) -> SessionStatus:
    with Session(make_engine(db_url)) as db:
        return db.get(PracticeSession, sid).status


async def _until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = await asyncio.to_thread(check)
        if result:
            return result
        await asyncio.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


async def _join(livekit, db_url, username):
    user = make_user(db_url, username)
    with Session(make_engine(db_url), expire_on_commit=False) as db:
        ps = start_session(db, user, "billing-dispute-gold")
    settings = Settings(livekit_url=livekit.url, livekit_api_key=livekit.api_key, livekit_api_secret=livekit.api_secret)
    room = rtc.Room()
    notices: list[str] = []

    def _on_chat(reader: rtc.TextStreamReader, _identity: str) -> None:
        async def read() -> None:
            notices.append(await reader.read_all())

        asyncio.ensure_future(read())

    room.register_text_stream_handler("lk.chat", _on_chat)
    await room.connect(livekit.url, mint_trainee_token(ps, user, settings))
    await _until(
        lambda: any(p.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT for p in room.remote_participants.values()),
        40,
        "the agent to join",
    )
    # The call is live once the persona's opening line is recorded.
    await _until(lambda: _turns(db_url, ps.id), 40, "the persona's opening turn")
    return ps, room, notices


async def test_oversize_chat_message_is_refused_and_the_call_goes_on(livekit, agent_worker, db_url, standin):
    ps, room, notices = await _join(livekit, db_url, "chat-flood")
    try:
        await room.local_participant.send_text(BIG, topic="lk.chat")
        await _until(lambda: notices, 30, "the agent's refusal notice")
        assert notices[0] == (
            f"Message not delivered. Your message is too long: 50000 characters, the limit is {MESSAGE_MAX}."
        )

        await room.local_participant.send_text(NORMAL, topic="lk.chat")
        await _until(lambda: any(t.text == NORMAL for t in _turns(db_url, ps.id)), 30, "the typed turn")
        await _until(lambda: _turns(db_url, ps.id)[-1].speaker == Speaker.persona, 30, "the persona's answer")

        turns = _turns(db_url, ps.id)
        assert all(len(t.text) <= MESSAGE_MAX or t.speaker == Speaker.persona for t in turns)
        assert not any("forty-two forty-two" in t.text for t in turns)
        chats = [e.detail["messages"] for e in standin.entries("chat")]
        assert chats, "the persona's LLM was asked about the normal message"
        assert not any("forty-two forty-two" in str(m) for m in chats)
        assert "forty-two forty-two" not in agent_worker.log_text()
        assert _status(db_url, ps.id) == SessionStatus.live
    finally:
        await room.disconnect()


async def test_only_the_sessions_trainee_can_end_the_call(livekit, agent_worker, db_url, standin):
    ps, room, _ = await _join(livekit, db_url, "rpc-owner")
    intruder = rtc.Room()
    token = (
        api.AccessToken(livekit.api_key, livekit.api_secret)
        .with_identity("intruder")
        .with_grants(api.VideoGrants(room_join=True, room=ps.room_name))
        .to_jwt()
    )
    await intruder.connect(livekit.url, token)
    try:
        agent = next(
            p for p in room.remote_participants.values() if p.kind == rtc.ParticipantKind.PARTICIPANT_KIND_AGENT
        )
        with pytest.raises(rtc.RpcError) as refused:
            await intruder.local_participant.perform_rpc(
                destination_identity=agent.identity, method=END_CALL_RPC, payload=""
            )
        assert "only the session's trainee" in refused.value.message
        await asyncio.sleep(1)
        assert _status(db_url, ps.id) == SessionStatus.live

        answer = await room.local_participant.perform_rpc(
            destination_identity=agent.identity, method=END_CALL_RPC, payload=""
        )
        assert answer == "ok"
        await _until(lambda: _status(db_url, ps.id) == SessionStatus.completed, 30, "the call to close")
    finally:
        await intruder.disconnect()
        await room.disconnect()


async def test_typed_messages_are_rate_limited(livekit, agent_worker, db_url, standin):
    from coach_app.textlimits import MESSAGES_PER_MINUTE

    ps, room, notices = await _join(livekit, db_url, "chat-rate")
    try:
        sent = [f"Quick message number {i}." for i in range(MESSAGES_PER_MINUTE + 3)]
        for text in sent:
            await room.local_participant.send_text(text, topic="lk.chat")
        await _until(lambda: notices, 30, "the agent's rate-limit notice")
        assert f"at most {MESSAGES_PER_MINUTE} messages a minute" in notices[0]

        # Each message is its own LiveKit text stream, so a burst can reach the agent out of order:
        # which twelve are accepted depends on arrival; that twelve are, and no more, does not.
        def trainee_texts() -> set[str]:
            return {t.text for t in _turns(db_url, ps.id) if t.speaker == Speaker.trainee}

        await _until(lambda: len(trainee_texts()) >= MESSAGES_PER_MINUTE, 30, "the accepted messages")
        await asyncio.sleep(2)
        stored = trainee_texts()
        assert len(stored) == MESSAGES_PER_MINUTE and stored <= set(sent), stored
        assert len(notices) == 1  # one notice for the burst, not one per refused message
    finally:
        await room.disconnect()
