"""Database tables. Plain SQLModel (no Reflex import: the agent uses these).

The flow is persona -> PracticeSession -> Turn -> Feedback -> ReviewAction.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlalchemy import Enum as SAEnum
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Role(str, enum.Enum):
    trainee = "trainee"
    manager = "manager"
    admin = "admin"


class SessionStatus(str, enum.Enum):
    created = "created"
    live = "live"
    completed = "completed"
    abandoned = "abandoned"
    failed = "failed"


# A session is open (joinable; its agent may still write turns) until it ends: one home for both groups.
OPEN_STATUSES: frozenset[SessionStatus] = frozenset({SessionStatus.created, SessionStatus.live})
ENDED_STATUSES: frozenset[SessionStatus] = frozenset(SessionStatus) - OPEN_STATUSES


class EndReason(enum.StrEnum):
    """Why a call ended (`PracticeSession.end_reason`, stored as its string value)."""

    # written by the agent (agent.recorder / agent.session_runner)
    trainee_ended = "trainee_ended"  # the End button (end-call RPC)
    time_limit = "time_limit"  # the persona said goodbye at the time limit
    trainee_left = "trainee_left"  # disconnected without ending (tab closed, network lost)
    provider_error = "provider_error"  # too many provider failures in a row
    provider_config = "provider_config"  # the configured providers cannot be built
    agent_error = "agent_error"  # a bug or crash in the agent
    agent_shutdown = "agent_shutdown"  # the worker was stopped during the call
    ended = "ended"  # the session itself closed normally, without a requested end
    persona_resolved = "persona_resolved"  # the customer's issue was resolved; the persona said goodbye
    persona_walked_away = "persona_walked_away"  # the customer gave up and hung up (agent/mood.py)
    # written by the app (coach_app.calls)
    agent_lost = "agent_lost"  # live, but its room is gone (calls.sweep)
    never_started = "never_started"  # created, and nobody joined before its token ran out (calls.sweep)
    replaced = "replaced_by_new_session"  # an open session closed by starting another (calls.start)
    ended_before_agent_joined = "ended_before_agent_joined"  # End pressed while still `created` (calls.control)
    trainee_ended_agent_unreachable = "trainee_ended_agent_unreachable"  # End pressed, the agent did not answer


# A persona without its own pass mark uses this one (also the pass line on the trend charts).
PASS_MARK_DEFAULT = 70.0


class FeedbackStatus(enum.StrEnum):
    """`Feedback.status`: an evaluation is pending -> running -> done | failed.

    `stale` is never stored: a pending or running row older than `feedback.evaluate.STALE_AFTER`
    (its process died) is shown as stale, on the feedback page and in the sessions tables alike.
    """

    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"
    stale = "stale"


class ReviewKind(enum.StrEnum):
    """`ReviewAction.kind`: a manager's comment or score override."""

    comment = "comment"
    override = "override"


class Speaker(str, enum.Enum):
    trainee = "trainee"
    persona = "persona"


def _enum(cls: type[enum.Enum]) -> SAEnum:
    """Enums stored as short strings (portable across SQLite and PostgreSQL)."""
    return SAEnum(cls, native_enum=False, length=16, validate_strings=True)


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, unique=True, max_length=64)
    display_name: str = Field(default="", max_length=120)
    password_hash: str
    role: Role = Field(default=Role.trainee, sa_type=_enum(Role))
    team: str | None = Field(default=None, index=True, max_length=64)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    """Personal API token. Only a hash is stored; the token is shown once."""

    __tablename__ = "api_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    name: str = Field(default="", max_length=80)
    token_hash: str = Field(index=True, unique=True)
    prefix: str = Field(default="", max_length=16)
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


class AuthSession(SQLModel, table=True):
    """A browser login. The cookie holds a random token; only its sha256 is stored here."""

    __tablename__ = "auth_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(index=True, unique=True, max_length=64)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    address: str = Field(default="", max_length=64)


class LoginAttempt(SQLModel, table=True):
    __tablename__ = "login_attempts"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(index=True, max_length=64)
    address: str = Field(index=True, max_length=64)
    success: bool = False
    created_at: datetime = Field(default_factory=utcnow, index=True)


class PracticeSession(SQLModel, table=True):
    """One practice call. The persona and rubric are frozen at start."""

    __tablename__ = "practice_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    persona_id: str = Field(index=True, max_length=80)
    persona_snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    rubric: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    room_name: str = Field(default="", index=True, max_length=120)
    status: SessionStatus = Field(default=SessionStatus.created, index=True, sa_type=_enum(SessionStatus))
    end_reason: str | None = Field(default=None, max_length=64)  # an EndReason value
    error: str | None = None
    providers: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, index=True)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    # usage, for cost per session
    stt_audio_seconds: float = 0.0
    llm_prompt_tokens: int = 0
    llm_completion_tokens: int = 0
    tts_characters: int = 0
    # the call's recording (coach_app/calls/recordings.py): file name under RECORDINGS_DIR, length,
    # size, and where it starts on the call's clock (turn times minus this = position in the audio)
    audio_file: str | None = Field(default=None, max_length=120)
    audio_seconds: float | None = None
    audio_bytes: int | None = None
    audio_offset: float = 0.0
    # practice (mood meter and Hint shown) or assessment (hidden): the persona's `mode`, frozen at start
    mode: str = Field(default="practice", max_length=16)
    # help used in the call, in order: [{"kind": "hint" | "repeat", "at": seconds, "after_seq", "text"}]
    help_events: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class Turn(SQLModel, table=True):
    """One final utterance. `start`/`end` are seconds since the call started."""

    __tablename__ = "turns"
    __table_args__ = (UniqueConstraint("session_id", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="practice_sessions.id", index=True)
    seq: int
    speaker: Speaker = Field(sa_type=_enum(Speaker))
    text: str
    start: float
    end: float
    interrupted: bool = False
    typed: bool = False  # a typed message (no audio in the recording)
    end_of_turn_delay: float | None = None
    transcription_delay: float | None = None
    llm_ttft: float | None = None
    tts_ttfb: float | None = None
    e2e_latency: float | None = None
    # the customer's state after this turn (agent/mood.py): {"anger", "trust", "progress", "phase",
    # "hit": {"kind": "trigger" | "deescalation", "index", "when"} | None, "source": "llm" | "keywords"}
    mood: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(default_factory=utcnow)


class Feedback(SQLModel, table=True):
    """One evaluation of a session. Re-runs add rows; the newest is current."""

    __tablename__ = "feedback"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="practice_sessions.id", index=True)
    status: str = Field(default=FeedbackStatus.pending.value, max_length=16)  # a FeedbackStatus value
    analytics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    objectives: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    overall_score: float | None = None
    pass_mark: float = PASS_MARK_DEFAULT
    passed: bool | None = None
    judge_model: str | None = Field(default=None, max_length=120)
    prompt_version: str | None = Field(default=None, max_length=32)
    # tokens the judge used (added to the session's cost)
    judge_prompt_tokens: int = 0
    judge_completion_tokens: int = 0
    error: str | None = None
    # shown with the result, e.g. "rubric scoring needs an LLM" or removed invented quotes
    note: str | None = None
    # trainee turns that look like forged transcript lines or instructions to the judge, for the
    # manager: [{"seq", "speaker", "reasons": [...], "excerpt"}] (`feedback.transcript_guard`)
    injection_flags: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    requested_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, index=True)
    finished_at: datetime | None = None


class ReviewAction(SQLModel, table=True):
    """A manager's comment or score override, kept as history."""

    __tablename__ = "review_actions"

    id: int | None = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="practice_sessions.id", index=True)
    actor_id: int = Field(foreign_key="users.id")
    kind: str = Field(max_length=16)  # a ReviewKind value
    comment: str = Field(default="", max_length=4000)
    old_score: float | None = None
    new_score: float | None = None
    created_at: datetime = Field(default_factory=utcnow)


class WorkerHeartbeat(SQLModel, table=True):
    """Written by each agent worker while it is registered with LiveKit."""

    __tablename__ = "worker_heartbeats"

    worker_id: str = Field(primary_key=True, max_length=64)
    agent_name: str = Field(max_length=64)
    registered_at: datetime = Field(default_factory=utcnow)
    last_seen: datetime = Field(default_factory=utcnow, index=True)


class ScenarioRecord(SQLModel, table=True):
    """A scenario of the catalogue (`coach_app/programmes/scenarios.py`); its body lives in versions.

    `slug` is the persona id. `team` None: every team sees it (the shipped files). A scenario
    imported from a file follows that file (`source_file`, `file_digest`) until someone saves it
    in the browser.
    """

    __tablename__ = "scenarios"

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(index=True, unique=True, max_length=80)
    team: str | None = Field(default=None, index=True, max_length=64)
    archived: bool = False
    source_file: str | None = Field(default=None, max_length=200)
    file_digest: str | None = Field(default=None, max_length=64)
    created_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class ScenarioVersion(SQLModel, table=True):
    """One saved body of a scenario (the persona format as JSON). The newest version is current."""

    __tablename__ = "scenario_versions"
    __table_args__ = (UniqueConstraint("scenario_id", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    scenario_id: int = Field(foreign_key="scenarios.id", index=True)
    version: int
    body: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    author_id: int | None = Field(default=None, foreign_key="users.id")
    author: str = Field(default="", max_length=200)  # a username, or "file <name>" for an import
    created_at: datetime = Field(default_factory=utcnow)


class Assignment(SQLModel, table=True):
    """A manager asks trainees to pass scenarios by a date (`coach_app/programmes/assignments.py`)."""

    __tablename__ = "assignments"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(default="", max_length=120)
    team: str | None = Field(default=None, index=True, max_length=64)
    scenario_slugs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # the trainees; empty with whole_team: every trainee of `team` (also those who join later)
    trainee_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    whole_team: bool = False
    due_at: datetime = Field(index=True)
    required_score: float | None = None  # None: each scenario's pass mark
    max_attempts: int | None = None  # None: no cap; otherwise only the first N attempts count
    created_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow)
