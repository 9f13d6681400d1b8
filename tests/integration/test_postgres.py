"""DATABASE_URL=postgresql+psycopg://... works: migrations and the models on a real PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect
from sqlmodel import Session, select

from alembic import command
from coach_app.db import alembic_config, make_engine
from coach_app.models import PracticeSession, Role, SessionStatus, Speaker, Turn, User
from tests.support.postgres import Postgres
from tests.unit.test_migrations import _diff


@pytest.fixture(scope="module")
def pg_url():
    pg = Postgres()
    yield pg.url
    pg.stop()


def test_migrations_upgrade_downgrade_upgrade_on_postgres(pg_url):
    cfg = alembic_config(pg_url)
    command.upgrade(cfg, "head")
    assert _diff(pg_url) == []
    command.downgrade(cfg, "base")
    assert set(inspect(make_engine(pg_url)).get_table_names()) <= {"alembic_version"}
    command.upgrade(cfg, "head")
    assert _diff(pg_url) == []


def test_session_with_json_snapshot_and_turns_round_trips_on_postgres(pg_url):
    command.upgrade(alembic_config(pg_url), "head")
    engine = make_engine(pg_url)
    with Session(engine) as s:
        user = User(username="pg-trainee", password_hash="x", role=Role.trainee, team="t")
        s.add(user)
        s.commit()
        ps = PracticeSession(
            user_id=user.id,
            persona_id="billing-dispute-gold",
            persona_snapshot={"name": "Margaret", "language": "th-TH", "note": "สวัสดี"},
            rubric=[{"id": "empathy", "weight": 40}],
            status=SessionStatus.live,
        )
        s.add(ps)
        s.commit()
        s.add(Turn(session_id=ps.id, seq=0, speaker=Speaker.persona, text="Hello?", start=0.0, end=1.2))
        s.commit()
        sid = ps.id
    with Session(engine) as s:
        got = s.get(PracticeSession, sid)
        assert got.persona_snapshot["note"] == "สวัสดี"
        assert got.rubric == [{"id": "empathy", "weight": 40}]
        assert got.status is SessionStatus.live
        assert got.created_at.tzinfo is not None
        turns = s.exec(select(Turn).where(Turn.session_id == sid)).all()
        assert [(t.speaker, t.text) for t in turns] == [(Speaker.persona, "Hello?")]
