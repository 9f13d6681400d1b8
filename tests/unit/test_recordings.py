"""Call recordings on disk: kept, switched off, expired, deleted with the session; and a call's
recording in parts: each agent's part is written into RECORDINGS_DIR while the call runs, and when
the call is over the parts become one file on the call's timeline (a replaced agent's part first,
silence while the new one joined, then the new agent's part)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from coach_app.calls.recordings import (
    LEFTOVER_GRACE,
    delete_session,
    keep_leftover_parts,
    keep_parts,
    keep_recording,
    note_part,
    parts_dir,
    recording_path,
    recording_wanted,
    snapshot_recorded,
    start_part,
    sweep_expired,
)
from coach_app.db import make_engine
from coach_app.models import PracticeSession, SessionStatus, Speaker, Turn, utcnow
from coach_app.personas.catalogue import get_persona
from coach_app.settings import Settings
from tests.support.ogg import read_stereo_ogg, rms, write_stereo_ogg


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


# --- parts ------------------------------------------------------------------------------------------

T0 = 1_800_000_000.0  # the call went live (wall clock)


def _call(db: Session, **values) -> PracticeSession:
    ps = PracticeSession(persona_id="billing-dispute-gold", started_at=datetime.fromtimestamp(T0, UTC), **values)
    db.add(ps)
    db.commit()
    return ps


def _part(settings, ps, name: str, started: float, seconds: float, levels, finished: bool = True, cut: float = 0):
    """An agent's part as its recorder leaves it; `cut`: the share of the file a crash lost."""
    path = start_part(settings, ps.id, name, started)
    write_stereo_ogg(path, seconds, levels)
    if cut:
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * (1 - cut))])  # no final page: the process was killed
    note_part(path, started_at=started, finished=finished)
    return path


def test_one_whole_part_is_kept_as_it_is(db, settings):
    ps = _call(db)
    part = _part(settings, ps, "job-a", T0 + 0.8, 2.0, (0.3, 0.3))
    data = part.read_bytes()
    kept = keep_parts(db, settings, ps.id)
    db.refresh(ps)
    assert kept is not None and recording_path(settings, ps) == kept and kept.read_bytes() == data
    assert ps.audio_offset == pytest.approx(0.8) and ps.audio_seconds == pytest.approx(2.0, abs=0.05)
    assert not parts_dir(settings, ps.id).exists()


def test_a_killed_agents_part_and_the_next_agents_part_are_joined_on_the_calls_timeline(db, settings):
    ps = _call(db)
    # The first agent recorded the trainee from 1 s into the call and was killed 3 s later (its
    # file lost its end); the new agent joined 2 s after the kill and recorded the persona.
    _part(settings, ps, "job-a", T0 + 1.0, 3.0, (0.3, 0.0), finished=False, cut=0.2)
    _part(settings, ps, "job-b", T0 + 6.0, 2.0, (0.0, 0.3))
    kept = keep_parts(db, settings, ps.id)
    db.refresh(ps)
    assert kept is not None and ps.audio_offset == pytest.approx(1.0)
    channels, rate, pcm = read_stereo_ogg(kept.read_bytes())
    assert channels == 2 and ps.audio_seconds == pytest.approx(7.0, abs=0.1)  # 1 s .. 8 s of the call
    assert rms(pcm, rate, 0, 0.2, 2.0) > 0.1  # the first part, up to where the crash cut it
    assert rms(pcm, rate, 0, 3.5, 4.8) < 0.01 and rms(pcm, rate, 1, 3.5, 4.8) < 0.01  # nobody recording
    assert rms(pcm, rate, 1, 5.2, 6.8) > 0.1 and rms(pcm, rate, 0, 5.2, 6.8) < 0.01  # the new agent's part
    assert not parts_dir(settings, ps.id).exists()


def test_an_overlap_between_parts_is_kept_once(db, settings):
    ps = _call(db)
    _part(settings, ps, "job-a", T0, 3.0, (0.3, 0.0))
    _part(settings, ps, "job-b", T0 + 2.0, 2.0, (0.0, 0.3))  # a drained agent was still recording
    kept = keep_parts(db, settings, ps.id)
    db.refresh(ps)
    assert ps.audio_seconds == pytest.approx(4.0, abs=0.1)  # 0 .. 4 s, not 5 s
    _, rate, pcm = read_stereo_ogg(kept.read_bytes())
    assert rms(pcm, rate, 0, 0.5, 2.8) > 0.1 and rms(pcm, rate, 1, 3.2, 3.9) > 0.1


def test_the_sweep_keeps_the_parts_of_a_call_closed_without_its_agent(db, settings):
    ended = utcnow() - LEFTOVER_GRACE - timedelta(seconds=1)
    lost = _call(db, status=SessionStatus.failed, ended_at=ended)
    just_closed = _call(db, status=SessionStatus.completed, ended_at=utcnow())
    live = _call(db, status=SessionStatus.live)
    for ps in (lost, just_closed, live):
        _part(settings, ps, "job-a", T0 + 1.0, 3.0, (0.3, 0.3), finished=False, cut=0.1)
    # Parts of a session this database does not know (another deployment's, sharing the folder by
    # mistake) are left alone.
    stranger = settings.recordings_dir / "parts" / "session-999999" / "job-x.ogg"
    stranger.parent.mkdir(parents=True)
    stranger.write_bytes(b"OggS")
    assert keep_leftover_parts(db, settings) == [lost.id]
    assert stranger.exists()
    db.refresh(lost)
    assert recording_path(settings, lost) is not None and lost.audio_seconds > 0.5
    # A call that closed a moment ago is its last agent's to keep; a live call is still recording.
    assert parts_dir(settings, just_closed.id).exists() and parts_dir(settings, live.id).exists()


def test_deleting_a_session_deletes_its_parts(db, settings):
    ps = _call(db, status=SessionStatus.failed)
    _part(settings, ps, "job-a", T0, 1.0, (0.3, 0.3))
    delete_session(db, settings, ps)
    assert not parts_dir(settings, ps.id).exists()
