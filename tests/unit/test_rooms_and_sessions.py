"""Starting a practice session: the frozen persona, the room, and the trainee's token."""

from __future__ import annotations

import json
import time
from pathlib import Path

import jwt
import pytest
from livekit import api
from sqlmodel import Session

from coach_app.calls.rooms import mint_trainee_token, parse_dispatch_metadata
from coach_app.calls.start import SessionNotJoinable, UnknownPersona, join_info, start_session
from coach_app.db import make_engine
from coach_app.models import PracticeSession, SessionStatus, User
from coach_app.personas.catalogue import get_persona
from coach_app.settings import get_settings
from tests.support.personas import use_personas

PERSONA = "billing-dispute-gold"


@pytest.fixture
def personas_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = use_personas(tmp_path, monkeypatch, PERSONA)
    yield d
    get_settings.cache_clear()


@pytest.fixture
def db(fresh_db: str, personas_dir: Path):
    with Session(make_engine(fresh_db), expire_on_commit=False) as s:
        yield s


@pytest.fixture
def user(db: Session) -> User:
    u = User(username="tina", display_name="Tina Trainee", password_hash="x")
    db.add(u)
    db.commit()
    db.refresh(u)
    return u


def verify(token: str) -> api.access_token.Claims:
    s = get_settings()
    return api.TokenVerifier(s.lk_api_key, s.lk_api_secret).verify(token)


def test_start_session_freezes_persona_and_rubric(db: Session, user: User, personas_dir: Path):
    ps = start_session(db, user, PERSONA)
    persona = get_persona(PERSONA)
    assert ps.id is not None and ps.user_id == user.id
    assert ps.status == SessionStatus.created
    assert ps.persona_snapshot == persona.model_dump(mode="json")
    assert [o["id"] for o in ps.rubric] == [o.id for o in persona.objectives]
    assert ps.room_name.startswith(f"coach-s{ps.id}-")

    # Editing the persona file later changes neither the snapshot nor the rubric.
    path = personas_dir / f"{PERSONA}.yaml"
    path.write_text(path.read_text().replace("name: Margaret Doyle", "name: Someone Else", 1))
    assert get_persona(PERSONA).name == "Someone Else"
    again = db.get(PracticeSession, ps.id)
    db.refresh(again)
    assert again.persona_snapshot["name"] == "Margaret Doyle"


def test_each_session_gets_its_own_room(db: Session, user: User):
    a = start_session(db, user, PERSONA)
    b = start_session(db, user, PERSONA)
    assert a.room_name != b.room_name


def test_unknown_persona_is_named(db: Session, user: User):
    with pytest.raises(UnknownPersona, match="no-such-persona"):
        start_session(db, user, "no-such-persona")


def test_trainee_token_is_scoped_to_one_room(db: Session, user: User):
    ps = start_session(db, user, PERSONA)
    claims = verify(mint_trainee_token(ps, user))
    assert claims.identity == f"trainee-{user.id}-s{ps.id}"
    assert claims.name == "Tina Trainee"
    g = claims.video
    assert g.room == ps.room_name and g.room_join is True
    assert g.can_publish and g.can_subscribe and g.can_publish_data
    assert g.can_publish_sources == ["microphone"]
    # Nothing beyond joining this one room.
    assert not any(
        [
            g.room_create,
            g.room_list,
            g.room_record,
            g.room_admin,
            g.agent,
            g.hidden,
            g.ingress_admin,
            g.can_update_own_metadata,
            g.can_manage_agent_session,
        ]
    )
    assert claims.kind == "standard"


def test_trainee_token_lives_for_the_configured_minutes(db: Session, user: User, monkeypatch):
    monkeypatch.setenv("LIVEKIT_TOKEN_TTL_SECONDS", "300")
    get_settings.cache_clear()
    ps = start_session(db, user, PERSONA)
    token = mint_trainee_token(ps, user)
    import jwt

    payload = jwt.decode(token, options={"verify_signature": False})
    assert payload["exp"] - payload["nbf"] == 300
    assert abs(payload["exp"] - (time.time() + 300)) < 5


def test_trainee_token_dispatches_our_agent_with_the_session_id(db: Session, user: User):
    ps = start_session(db, user, PERSONA)
    claims = verify(mint_trainee_token(ps, user))
    agents = list(claims.room_config.agents)
    assert len(agents) == 1
    assert agents[0].agent_name == get_settings().agent_name
    assert json.loads(agents[0].metadata) == {"session_id": ps.id}
    assert parse_dispatch_metadata(agents[0].metadata)["session_id"] == ps.id


def test_token_signed_with_another_secret_is_rejected(db: Session, user: User):
    ps = start_session(db, user, PERSONA)
    token = mint_trainee_token(ps, user)
    with pytest.raises(jwt.InvalidSignatureError):
        api.TokenVerifier(get_settings().lk_api_key, "not-the-secret").verify(token)


def test_join_info_has_no_secret_and_refuses_ended_sessions(db: Session, user: User):
    ps = start_session(db, user, PERSONA)
    info = join_info(ps, user)
    assert set(info) == {"session_id", "room", "livekit_url", "token"}
    assert get_settings().lk_api_secret not in json.dumps(info)
    ps.status = SessionStatus.completed
    with pytest.raises(SessionNotJoinable, match="has ended"):
        join_info(ps, user)


@pytest.mark.parametrize("bad", ["", "{}", '{"session_id": "7"}', "not json"])
def test_bad_dispatch_metadata_is_explained(bad: str):
    with pytest.raises(ValueError, match="session_id|JSON"):
        parse_dispatch_metadata(bad)
