"""Server-side steps of the call page: who may join, ending a call, resetting a room for a retry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from livekit import api, rtc
from sqlmodel import Session

from coach_app.calls import control
from coach_app.calls.start import start_session
from coach_app.db import get_engine
from coach_app.models import PracticeSession, SessionStatus, utcnow
from coach_app.settings import get_settings
from tests.support.auth import make_user

PERSONA_ID = "billing-dispute-gold"


def _start(db_url: str, username: str, **user_kw) -> tuple[object, PracticeSession]:
    user = make_user(db_url, username, **user_kw)
    with Session(get_engine(), expire_on_commit=False) as db:
        ps = start_session(db, user, PERSONA_ID)
    return user, ps


def _set_status(session_id: int, status: SessionStatus) -> None:
    with Session(get_engine()) as db:
        ps = db.get(PracticeSession, session_id)
        ps.status = status
        db.add(ps)
        db.commit()


def test_only_the_owner_of_an_open_session_may_join(fresh_db):
    owner, ps = _start(fresh_db, "owner", team="north")
    other = make_user(fresh_db, "other")
    manager = make_user(fresh_db, "boss", role="manager", team="north")
    admin = make_user(fresh_db, "root", role="admin")

    ok = control.check_call_access(owner, ps.id)
    assert ok.ok and ok.session.id == ps.id

    assert control.check_call_access(None, ps.id).message == "Log in to join this call."
    assert "must be a number" in control.check_call_access(owner, None).message
    missing = control.check_call_access(owner, ps.id + 100)
    assert missing.message == control.not_joinable_message(ps.id + 100)
    # Managers and admins may review the session, but the call is the trainee's alone; and the
    # answer does not tell someone else's session from a missing one.
    for intruder in (other, manager, admin):
        denied = control.check_call_access(intruder, ps.id)
        assert not denied.ok and denied.message == control.not_joinable_message(ps.id)
        assert denied.session is None

    _set_status(ps.id, SessionStatus.live)
    assert control.check_call_access(owner, ps.id).ok
    for status in (SessionStatus.completed, SessionStatus.abandoned, SessionStatus.failed):
        _set_status(ps.id, status)
        ended = control.check_call_access(owner, ps.id)
        assert not ended.ok and ended.ended and f"already ended ({status.value})" in ended.message


def test_join_credentials_are_a_short_lived_token_for_this_room_only(fresh_db):
    owner, ps = _start(fresh_db, "owner")
    info = control.join_credentials(ps, owner)
    settings = get_settings()
    assert info["livekit_url"] == settings.lk_url and info["room"] == ps.room_name
    claims = api.TokenVerifier(settings.lk_api_key, settings.lk_api_secret).verify(info["token"])
    assert claims.video.room == ps.room_name and claims.video.room_join
    assert settings.lk_api_secret not in str(info)


def test_ending_a_call(fresh_db):
    _, never_joined = _start(fresh_db, "a")
    assert control.record_trainee_end(never_joined.id, agent_acknowledged=False) == SessionStatus.abandoned
    with Session(get_engine()) as db:
        ps = db.get(PracticeSession, never_joined.id)
        assert ps.end_reason == "ended_before_agent_joined" and ps.ended_at is not None

    # The agent answered the end-call RPC: it closes the session itself, nothing changes here.
    _, live = _start(fresh_db, "b")
    _set_status(live.id, SessionStatus.live)
    assert control.record_trainee_end(live.id, agent_acknowledged=True) == SessionStatus.live

    # No agent answered: the call is closed so it does not stay live forever.
    assert control.record_trainee_end(live.id, agent_acknowledged=False) == SessionStatus.completed
    with Session(get_engine()) as db:
        assert db.get(PracticeSession, live.id).end_reason == "trainee_ended_agent_unreachable"

    # A closed session is never reopened or changed.
    _set_status(live.id, SessionStatus.failed)
    assert control.record_trainee_end(live.id, agent_acknowledged=False) == SessionStatus.failed
    assert control.record_trainee_end(10_000, agent_acknowledged=False) is None


def test_the_call_clock_runs_from_when_the_call_went_live(fresh_db):
    """A page that reloads (or rejoins the app) shows the call's own elapsed time, the one its
    time limit runs on, not the time since that page saw the persona."""
    _, ps = _start(fresh_db, "clock")
    assert control.call_elapsed_seconds(ps.id) is None  # nobody has joined yet
    with Session(get_engine()) as db:
        live = db.get(PracticeSession, ps.id)
        live.status = SessionStatus.live
        live.started_at = utcnow() - timedelta(seconds=95)
        db.add(live)
        db.commit()
    assert 95 <= control.call_elapsed_seconds(ps.id) < 100
    _set_status(ps.id, SessionStatus.completed)
    assert control.call_elapsed_seconds(ps.id) is None
    assert control.call_elapsed_seconds(ps.id + 100) is None


@pytest.fixture
def lk_settings(livekit, monkeypatch):
    monkeypatch.setenv("LIVEKIT_URL", livekit.url)
    monkeypatch.setenv("LIVEKIT_API_KEY", livekit.api_key)
    monkeypatch.setenv("LIVEKIT_API_SECRET", livekit.api_secret)
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


async def _room_exists(s, name: str) -> bool:
    lk = api.LiveKitAPI(s.lk_url, s.lk_api_key, s.lk_api_secret)
    try:
        return bool((await lk.room.list_rooms(api.ListRoomsRequest(names=[name]))).rooms)
    finally:
        await lk.aclose()


async def test_retry_resets_a_room_only_when_no_agent_is_in_it(lk_settings):
    s = lk_settings
    lk = api.LiveKitAPI(s.lk_url, s.lk_api_key, s.lk_api_secret)
    try:
        await lk.room.create_room(api.CreateRoomRequest(name="retry-empty", empty_timeout=60))
        await lk.room.create_room(api.CreateRoomRequest(name="retry-agent", empty_timeout=60))
    finally:
        await lk.aclose()

    assert await control.reset_room_without_agent("retry-missing") is False

    assert await control.reset_room_without_agent("retry-empty") is True
    assert not await _room_exists(s, "retry-empty")

    token = (
        api.AccessToken(s.lk_api_key, s.lk_api_secret)
        .with_identity("agent-x")
        .with_kind("agent")
        .with_grants(api.VideoGrants(room_join=True, room="retry-agent"))
        .with_ttl(timedelta(minutes=1))
        .to_jwt()
    )
    agent = rtc.Room()
    await agent.connect(s.lk_url, token)
    try:
        assert await control.reset_room_without_agent("retry-agent") is False
        assert await _room_exists(s, "retry-agent")
    finally:
        await agent.disconnect()


def test_the_page_shows_the_time_limit_the_agent_applies(monkeypatch):
    snapshot = {"time_limit_minutes": 8}
    get_settings.cache_clear()
    assert control.time_limit_seconds(snapshot) == 480
    monkeypatch.setenv("CALL_MAX_SECONDS", "120")
    get_settings.cache_clear()
    try:
        assert control.time_limit_seconds(snapshot) == 120
        assert control.time_limit_seconds({"time_limit_minutes": 1}) == 60
    finally:
        get_settings.cache_clear()
