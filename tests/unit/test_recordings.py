"""Call recordings on disk: kept from the job's folder, switched off, expired, deleted with the session."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from coach_app.calls.recordings import (
    delete_session,
    keep_recording,
    recording_path,
    recording_wanted,
    snapshot_recorded,
    sweep_expired,
)
from coach_app.db import make_engine
from coach_app.models import PracticeSession, Speaker, Turn, utcnow
from coach_app.personas.catalogue import get_persona
from coach_app.settings import Settings
from tests.support.ogg import write_stereo_ogg


@pytest.fixture
def db(fresh_db):
    with Session(make_engine(fresh_db)) as s:
        yield s


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("RECORDINGS_DIR", str(tmp_path / "recordings"))
    return Settings(_env_file=None)


def _session(db: Session, **values) -> PracticeSession:
    ps = PracticeSession(persona_id="billing-dispute-gold", **values)
    db.add(ps)
    db.commit()
    return ps


def test_a_finished_recording_is_copied_out_with_its_length_size_and_offset(db, settings, tmp_path):
    ps = _session(db)
    job_file = write_stereo_ogg(tmp_path / "audio.ogg", 2.0)
    kept = keep_recording(db, settings, ps.id, job_file, offset=0.84)
    job_file.unlink()  # the job's temporary folder is deleted at cleanup: the copy stays
    db.refresh(ps)
    assert kept is not None and recording_path(settings, ps) == kept
    assert kept.parent == settings.recordings_dir and kept.read_bytes()[:4] == b"OggS"
    assert ps.audio_bytes == kept.stat().st_size > 0
    assert ps.audio_seconds == pytest.approx(2.0, abs=0.05)
    assert ps.audio_offset == 0.84


def test_nothing_is_kept_when_the_call_left_no_audio(db, settings, tmp_path):
    ps = _session(db)
    assert keep_recording(db, settings, ps.id, tmp_path / "audio.ogg", offset=0.0) is None
    db.refresh(ps)
    assert ps.audio_file is None and recording_path(settings, ps) is None


def test_the_setting_and_the_persona_each_switch_recording_off(monkeypatch):
    persona = get_persona("billing-dispute-gold")
    assert recording_wanted(Settings(_env_file=None), persona)
    monkeypatch.setenv("RECORD_CALLS", "false")
    assert not recording_wanted(Settings(_env_file=None), persona)
    monkeypatch.delenv("RECORD_CALLS")
    assert not recording_wanted(Settings(_env_file=None), persona.model_copy(update={"record_audio": False}))


def test_retention_deletes_only_recordings_older_than_the_limit(db, settings, tmp_path, monkeypatch):
    old = _session(db, created_at=utcnow() - timedelta(days=10))
    new = _session(db, created_at=utcnow() - timedelta(days=1))
    for ps in (old, new):
        keep_recording(db, settings, ps.id, write_stereo_ogg(tmp_path / f"{ps.id}.ogg", 0.5), offset=0.0)
    old_file = recording_path(settings, old)

    assert sweep_expired(db, settings) == []  # 0 days: keep everything
    monkeypatch.setenv("RECORDINGS_RETENTION_DAYS", "7")
    assert sweep_expired(db, Settings(_env_file=None)) == [old.id]
    db.refresh(old)
    db.refresh(new)
    assert not old_file.exists() and old.audio_file is None and old.audio_bytes is None
    assert recording_path(settings, new) is not None


def test_deleting_a_session_deletes_its_audio_and_turns(db, settings, tmp_path):
    ps = _session(db)
    keep_recording(db, settings, ps.id, write_stereo_ogg(tmp_path / "a.ogg", 0.5), offset=0.0)
    db.add(Turn(session_id=ps.id, seq=1, speaker=Speaker.trainee, text="Hello", start=0.0, end=1.0))
    db.commit()
    audio = recording_path(settings, ps)
    sid = ps.id
    delete_session(db, settings, ps)
    assert not audio.exists()
    assert db.get(PracticeSession, sid) is None
    assert db.exec(select(Turn).where(Turn.session_id == sid)).all() == []


def test_a_frozen_persona_says_whether_its_call_is_recorded(monkeypatch):
    settings = Settings(_env_file=None)
    assert snapshot_recorded(settings, {"id": "x"})  # older snapshots: recorded (the default)
    assert not snapshot_recorded(settings, {"record_audio": False})
    monkeypatch.setenv("RECORD_CALLS", "false")
    assert not snapshot_recorded(Settings(_env_file=None), {"record_audio": True})
