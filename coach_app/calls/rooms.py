"""LiveKit rooms and trainee tokens for practice sessions (no Reflex import).

One practice session = one LiveKit room. The trainee's token is minted here, server-side:
it joins exactly that room, may publish only a microphone, subscribe and send data (the
text box and the end-call RPC), lives a few minutes, and carries an explicit dispatch of
our agent whose metadata names the session. The API secret never leaves the server.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any

from livekit import api

from coach_app.models import PracticeSession, User
from coach_app.settings import Settings, get_settings

# RPC method the trainee's client calls on the agent before leaving, so the agent knows the
# call was ended on purpose (session `completed`) rather than dropped (session `abandoned`).
END_CALL_RPC = "coach.end_call"
# Help in the call (agent/call_help.py): a short suggestion (answered with the hint text), and the
# persona saying its last line again. Only the session's trainee may call them, like END_CALL_RPC.
HINT_RPC = "coach.hint"
REPEAT_RPC = "coach.repeat"
# The agent's participant attribute holding the customer's mood (JSON: anger, trust, progress, phase);
# practice calls only (an assessment publishes nothing).
MOOD_ATTRIBUTE = "coach.mood"

# Rooms close soon after everyone left; a trainee who reloads the page within this window
# finds the same room (and the same agent) again.
ROOM_EMPTY_TIMEOUT_S = 60
ROOM_DEPARTURE_TIMEOUT_S = 30


def new_room_name(session_id: int) -> str:
    """A fresh room name for a session. The random tail keeps names unique even when a
    database is recreated while LiveKit still holds a room of an older session."""
    return f"coach-s{session_id}-{secrets.token_hex(4)}"


def room_name_for(practice_session: PracticeSession) -> str:
    """The room a session is held in (set when the session starts)."""
    if not practice_session.room_name:
        raise ValueError(f"practice session {practice_session.id} has no room yet")
    return practice_session.room_name


def trainee_identity(user: User, practice_session: PracticeSession) -> str:
    return f"trainee-{user.id}-s{practice_session.id}"


def dispatch_metadata(practice_session: PracticeSession) -> str:
    return json.dumps({"session_id": practice_session.id})


def parse_dispatch_metadata(metadata: str | None) -> dict[str, Any]:
    """Read the session id back from a job's dispatch metadata (the agent side)."""
    try:
        data = json.loads(metadata or "")
    except json.JSONDecodeError as exc:
        raise ValueError(f"dispatch metadata is not JSON: {metadata!r}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("session_id"), int):
        raise ValueError(f"dispatch metadata has no integer session_id: {metadata!r}")
    return data


def mint_trainee_token(practice_session: PracticeSession, user: User, settings: Settings | None = None) -> str:
    """A short-lived token for the trainee: this one room only, microphone + data, and an
    explicit dispatch of the persona agent carrying the session id."""
    settings = settings or get_settings()
    room = room_name_for(practice_session)
    grants = api.VideoGrants(
        room_join=True,
        room=room,
        can_publish=True,
        can_subscribe=True,
        can_publish_data=True,
        can_publish_sources=["microphone"],
        can_update_own_metadata=False,
    )
    config = api.RoomConfiguration(
        name=room,
        empty_timeout=ROOM_EMPTY_TIMEOUT_S,
        departure_timeout=ROOM_DEPARTURE_TIMEOUT_S,
        agents=[
            api.RoomAgentDispatch(
                agent_name=settings.agent_name,
                metadata=dispatch_metadata(practice_session),
            )
        ],
    )
    return (
        api.AccessToken(settings.lk_api_key, settings.lk_api_secret)
        .with_identity(trainee_identity(user, practice_session))
        .with_name(user.display_name or user.username)
        .with_kind("standard")
        .with_grants(grants)
        .with_room_config(config)
        .with_ttl(timedelta(seconds=settings.livekit_token_ttl_seconds))
        .to_jwt()
    )
