"""Call recordings: one stereo OGG per session (trainee left, persona right) under RECORDINGS_DIR.

The agent records the call itself (livekit-agents' recorder, no Egress), straight into this
folder while the call runs: each agent that serves the call writes one part under
`parts/session-<id>/` (`start_part`), so a killed agent leaves the audio it had written. When the
call is over `keep_parts` makes them the session's one recording (`keep_recording` notes its name,
length, size and offset on the session): the call's last agent does it at job shutdown, and the
workers' sweep (`keep_leftover_parts`) for calls whose agent was lost. The audio endpoint, the
retention sweep and session deletion read the same rule for where a session's files live.
No Reflex import: the agent uses it.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from coach_app.clock import utc
from coach_app.models import OPEN_STATUSES, PracticeSession, utcnow
from coach_app.personas.schema import Persona
from coach_app.settings import Settings

logger = logging.getLogger("coach.recordings")

RECORDED_NOTICE = "This call is recorded."
PARTS = "parts"
# A closed call's parts are left to its last agent this long (it may still be closing its file)
# before the sweep joins them.
LEFTOVER_GRACE = timedelta(seconds=30)


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
    """Copy a finished recording to the session's file and note it on the session.

    `offset` is where the recording starts on the call's clock (seconds after the call went live).
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


# --- parts: what each agent of a call recorded -------------------------------------------------


@dataclass(frozen=True)
class Part:
    started_at: float  # wall clock (time.time()) of the part's first sample
    path: Path
    finished: bool  # its agent closed the file (False: cut short by a crash, or still recording)


def parts_dir(settings: Settings, session_id: int) -> Path:
    return settings.recordings_dir / PARTS / f"session-{session_id}"


def start_part(settings: Settings, session_id: int, name: str, started_at: float) -> Path:
    """Where one agent's recorder writes its part of the call (`name` unique to the agent)."""
    folder = parts_dir(settings, session_id)
    folder.mkdir(parents=True, exist_ok=True)
    part = folder / f"{name}.ogg"
    note_part(part, started_at=started_at, finished=False)
    return part


def note_part(part: Path, *, started_at: float, finished: bool) -> None:
    """Beside the part: when its first sample was recorded (the call's timeline) and whether it is whole."""
    part.with_suffix(".json").write_text(json.dumps({"started_at": started_at, "finished": finished}))


def _parts(folder: Path) -> list[Part]:
    parts = []
    for note in folder.glob("*.json"):
        audio = note.with_suffix(".ogg")
        if not (audio.is_file() and audio.stat().st_size > 0):
            continue
        try:
            info = json.loads(note.read_text())
            parts.append(Part(float(info["started_at"]), audio, bool(info.get("finished"))))
        except (ValueError, KeyError, TypeError):  # a note cut short: its file's last write, less its length
            logger.warning("recording part %s has no readable start; placed by its file's time", audio)
            parts.append(Part(audio.stat().st_mtime - (audio_seconds(audio) or 0.0), audio, False))
    return sorted(parts, key=lambda p: p.started_at)


def keep_parts(db: Session, settings: Settings, session_id: int) -> Path | None:
    """Make the parts of a call that is over its one recording, then remove them.

    One whole part is kept as it is; several (an agent was replaced), or one cut short by a crash,
    are joined on one timeline (`recording_join`). The folder is claimed by renaming it first, so
    when two processes try, one does it. None when there was nothing to keep; when keeping fails,
    the parts are left in `<folder>.failed` for an operator (and the error is raised)."""
    folder = parts_dir(settings, session_id)
    claimed = folder.with_name(f"{folder.name}.joining-{os.getpid()}")
    try:
        folder.rename(claimed)
    except OSError:
        return None  # no parts, or another process is keeping them
    try:
        parts = _parts(claimed)
        ps = db.get(PracticeSession, session_id)
        if not parts or ps is None:
            kept = None
        else:
            if len(parts) == 1 and parts[0].finished:
                source, started = parts[0].path, parts[0].started_at
            else:
                from coach_app.calls.recording_join import join_parts

                source = claimed / "joined.ogg.tmp"
                started = join_parts([(p.started_at, p.path) for p in parts], source)
            t0 = utc(ps.started_at).timestamp() if ps.started_at else started
            kept = keep_recording(db, settings, session_id, source, started - t0)
    except Exception:
        claimed.rename(folder.with_name(f"{folder.name}.failed"))
        raise
    shutil.rmtree(claimed, ignore_errors=True)
    if kept is not None:
        logger.info("session %s: recording kept from %d part(s), %d bytes", session_id, len(parts), ps.audio_bytes)
    return kept


def keep_leftover_parts(db: Session, settings: Settings) -> list[int]:
    """Keep the parts of calls that closed without their last agent keeping them (it was killed and
    none came back, or its room vanished), once LEFTOVER_GRACE has passed; returns the session ids."""
    root = settings.recordings_dir / PARTS
    kept = []
    for folder in sorted(root.glob("session-*")) if root.is_dir() else []:
        sid = folder.name.removeprefix("session-")
        if not sid.isdigit():
            continue  # a folder being kept (claimed) by a process
        ps = db.get(PracticeSession, int(sid))
        if (
            ps is not None  # unknown here: deleting a session removes its parts; never guess
            and ps.status not in OPEN_STATUSES
            and ps.ended_at
            and utc(ps.ended_at) < utcnow() - LEFTOVER_GRACE
            and keep_parts(db, settings, ps.id) is not None
        ):
            kept.append(ps.id)
    return kept


def forget_recording(settings: Settings, ps: PracticeSession) -> bool:
    """Delete a session's recording (file and parts) and clear its columns (the caller commits)."""
    had = False
    if ps.id is not None:
        folder = parts_dir(settings, ps.id)
        for leftover in (folder, folder.with_name(f"{folder.name}.failed")):
            shutil.rmtree(leftover, ignore_errors=True)
    if ps.audio_file:
        path = settings.recordings_dir / ps.audio_file
        had = path.is_file()
        path.unlink(missing_ok=True)
    ps.audio_file, ps.audio_seconds, ps.audio_bytes, ps.audio_offset = None, None, None, 0.0
    return had


class SessionStillLive(ValueError):
    """A session whose call is going on cannot be deleted (its agent is still writing it)."""


def delete_session(db: Session, settings: Settings, ps: PracticeSession) -> None:
    """Delete a session with its recording (turns, feedback and review rows go with it).

    Who may do it is the caller's check (`access.can_manage_session`); a live call must end first."""
    from coach_app.models import Feedback, ReviewAction, SessionStatus, Turn

    if ps.status == SessionStatus.live:
        raise SessionStillLive(f"session {ps.id} is still live: end its call before deleting it")
    forget_recording(settings, ps)
    for table in (Turn, Feedback, ReviewAction):
        for row in db.exec(select(table).where(table.session_id == ps.id)).all():
            db.delete(row)
    db.flush()  # the rows that point at the session go first (the tables have no ORM relationships)
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
