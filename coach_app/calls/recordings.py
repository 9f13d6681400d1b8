"""Call recordings: one stereo OGG per session (trainee left, persona right) under RECORDINGS_DIR.

The agent records the call itself (livekit-agents' recorder, no Egress) and, at job shutdown,
`keep_recording` copies the finished file here and writes its name, length and size on the
session. The audio endpoint, the retention sweep and session deletion read the same rule for
where a session's file lives. No Reflex import: the agent uses it.
"""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from coach_app.models import PracticeSession, utcnow
from coach_app.personas.schema import Persona
from coach_app.settings import Settings

logger = logging.getLogger("coach.recordings")

RECORDED_NOTICE = "This call is recorded."


def recording_wanted(settings: Settings, persona: Persona) -> bool:
    """Both the global switch and the persona allow recording."""
    return settings.record_calls and persona.record_audio


def snapshot_recorded(settings: Settings, snapshot: dict) -> bool:
    """`recording_wanted` for a session's frozen persona (a dict; older snapshots lack the field)."""
    return settings.record_calls and bool(snapshot.get("record_audio", True))


def file_name(session_id: int) -> str:
    return f"session-{session_id}.ogg"


def recording_path(settings: Settings, ps: PracticeSession) -> Path | None:
    """The session's recording on disk, or None when it has none (or the file is gone)."""
    if not ps.audio_file:
        return None
    path = settings.recordings_dir / ps.audio_file
    return path if path.is_file() else None


def audio_seconds(path: Path) -> float | None:
    """The length of an OGG file, read from its container (None when it cannot be read)."""
    import av

    try:
        with av.open(str(path)) as container:
            if container.duration is not None:
                return round(container.duration / av.time_base, 3)
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base is not None:
                return round(float(stream.duration * stream.time_base), 3)
    except (av.FFmpegError, IndexError, OSError) as exc:
        logger.warning("cannot read the length of %s: %s", path, exc)
    return None


def keep_recording(db: Session, settings: Settings, session_id: int, source: Path, offset: float) -> Path | None:
    """Copy a finished recording out of the job's temporary directory and note it on the session.

    `offset` is where the recording starts on the call's clock (seconds after the call went live).
    An agent that rejoined a call replaces the earlier part's file (the newest recording wins).
    """
    ps = db.get(PracticeSession, session_id)
    if ps is None or not source.is_file() or source.stat().st_size == 0:
        return None
    settings.recordings_dir.mkdir(parents=True, exist_ok=True)
    target = settings.recordings_dir / file_name(session_id)
    partial = target.with_suffix(".part")
    shutil.copyfile(source, partial)
    partial.replace(target)
    ps.audio_file = target.name
    ps.audio_bytes = target.stat().st_size
    ps.audio_seconds = audio_seconds(target)
    ps.audio_offset = round(max(0.0, offset), 3)
    db.add(ps)
    db.commit()
    return target


def forget_recording(settings: Settings, ps: PracticeSession) -> bool:
    """Delete a session's recording file and clear its columns (the caller commits)."""
    had = False
    if ps.audio_file:
        path = settings.recordings_dir / ps.audio_file
        had = path.is_file()
        path.unlink(missing_ok=True)
    ps.audio_file, ps.audio_seconds, ps.audio_bytes, ps.audio_offset = None, None, None, 0.0
    return had


def delete_session(db: Session, settings: Settings, ps: PracticeSession) -> None:
    """Delete a session with its recording (turns, feedback and review rows go with it)."""
    from coach_app.models import Feedback, ReviewAction, Turn

    forget_recording(settings, ps)
    for table in (Turn, Feedback, ReviewAction):
        for row in db.exec(select(table).where(table.session_id == ps.id)).all():
            db.delete(row)
    db.delete(ps)
    db.commit()


def sweep_expired(db: Session, settings: Settings) -> list[int]:
    """Delete recordings older than RECORDINGS_RETENTION_DAYS (0 keeps them); returns the session ids."""
    days = settings.recordings_retention_days
    if days <= 0:
        return []
    cutoff = utcnow() - timedelta(days=days)
    rows = db.exec(
        select(PracticeSession).where(PracticeSession.audio_file.is_not(None), PracticeSession.created_at < cutoff)
    ).all()
    for ps in rows:
        forget_recording(settings, ps)
        db.add(ps)
    db.commit()
    ids = [ps.id for ps in rows]
    if ids:
        logger.info("deleted %d recording(s) older than %d days: sessions %s", len(ids), days, ids)
    return ids
