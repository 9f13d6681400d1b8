"""The call page while the persona is lost: a reconnecting notice, and a plain ending with a fresh
call when it could not be reconnected (the handlers run as the page would run them)."""

from __future__ import annotations

from sqlmodel import Session

from coach_app.calls.dispatch import close_agent_lost
from coach_app.calls.start import start_session
from coach_app.db import make_engine
from coach_app.models import PracticeSession, SessionStatus
from coach_app.state.call import CallState
from tests.support.auth import make_user

CONNECTED = {"connection": "connected", "agentState": "listening", "micEnabled": True}


def _page(session_id: int = 0) -> CallState:
    state = CallState(_reflex_internal_init=True)
    state.session_id, state.persona_name = session_id, "Margaret"
    return state


def test_a_dropped_persona_shows_reconnecting_then_clears_when_it_is_back():
    state = _page()
    CallState.on_state_change.fn(state, {**CONNECTED, "agentJoined": True})
    CallState.on_state_change.fn(state, {**CONNECTED, "agentJoined": False})
    assert state.error_kind == "agent_reconnecting"
    assert "reconnecting the persona" in state.error_message and "Margaret" in state.error_message
    CallState.on_state_change.fn(state, {**CONNECTED, "agentJoined": True})
    assert state.error_kind == "" and state.error_message == ""


def test_a_call_closed_as_agent_lost_says_so_and_offers_a_new_call(fresh_db):
    user = make_user(fresh_db, "lost-call")
    with Session(make_engine(fresh_db), expire_on_commit=False) as db:
        ps = start_session(db, user, "billing-dispute-gold")
        ps.status = SessionStatus.live
        db.add(ps)
        db.commit()
    assert close_agent_lost(ps.id)
    with Session(make_engine(fresh_db)) as db:
        assert db.get(PracticeSession, ps.id).status == SessionStatus.failed
    state = _page(ps.id)
    state.agent_seen = True
    CallState.on_disconnected.fn(state, {"reason": "ROOM_DELETED"})
    assert state.call_lost and state.session_over
    assert "could not be reconnected" in state.page_error and "Start a new call" in state.page_error


def test_an_ordinary_end_offers_no_new_call(fresh_db):
    user = make_user(fresh_db, "ended-call")
    with Session(make_engine(fresh_db), expire_on_commit=False) as db:
        ps = start_session(db, user, "billing-dispute-gold")
        ps.status = SessionStatus.completed
        db.add(ps)
        db.commit()
    state = _page(ps.id)
    state.agent_seen = True
    CallState.on_disconnected.fn(state, {"reason": "ROOM_DELETED"})
    assert state.session_over and not state.call_lost
    assert state.page_error == "The call with Margaret has ended."
