"""State of the call page `/call/[session_id]`.

The LiveKit token is minted here, on the server, after the access check (only the logged-in
owner of a `created`/`live` session). The browser gets the token and the LiveKit URL, never
the API secret. Everything the room reports arrives through the bridge's events.
"""

from __future__ import annotations

import logging
import uuid

import reflex as rx

from coach_app.calls import control
from coach_app.calls.dispatch import ended_agent_lost
from coach_app.calls.providers import describe, is_scripted
from coach_app.calls.recordings import snapshot_recorded
from coach_app.models import OPEN_STATUSES
from coach_app.settings import get_settings
from coach_app.state.auth import AuthState
from coach_app.state.call_text import TranscriptLine, disconnected, still_waiting
from coach_app.textlimits import MESSAGE_MAX, TextTooLong, check_text, log_safe

logger = logging.getLogger("coach.call")


class CallState(rx.State):
    session_id: int = 0
    # Set when the page cannot open a call at all (not logged in, not yours, unknown, ended).
    page_error: str = ""
    session_over: bool = False
    # The call was closed because its persona could not be reconnected: offer a fresh call.
    call_lost: bool = False
    persona_id: str = ""

    persona_name: str = ""
    persona_role: str = ""
    scenario_name: str = ""
    limit_seconds: int = 0
    # How long the call had been going when this page last asked (-1: not live yet); the timer
    # counts on from it, so a reload or a page that rejoins the app shows the call's own clock.
    elapsed_seconds: float = -1.0
    # What runs this call (recorded on the session), in plain words; scripted = no language model.
    provider_lines: list[str] = []
    replies_scripted: bool = False
    recorded: bool = False  # the page says "this call is recorded"

    livekit_url: str = ""
    # The room token, only until the room has connected (the bridge keeps its copy): Reflex
    # writes this state to disk.
    token: str = ""
    connect: bool = False
    attempt: int = 0

    connection: str = "disconnected"
    agent_state: str = "connecting"
    agent_joined: bool = False
    agent_seen: bool = False
    mic_enabled: bool = False
    muted: bool = False
    mic_attempt: int = 0

    transcript: list[TranscriptLine] = []
    draft: str = ""
    outgoing: dict[str, str] = {}
    message_error: str = ""

    error_kind: str = ""
    error_message: str = ""

    ending: bool = False

    # --- derived, for display -------------------------------------------------------------
    @rx.var
    def feedback_href(self) -> str:
        return f"/sessions/{self.session_id}/feedback" if self.session_id else "/sessions"

    @rx.var
    def room_key(self) -> str:
        """The browser's room: a new one for another session or a Retry, never for a load (the
        page reconnecting to the app keeps the room it is in)."""
        return f"{self.session_id}-{self.attempt}"

    @rx.var
    def connection_label(self) -> str:
        return {
            "connected": "Connected",
            "connecting": "Connecting…",
            "reconnecting": "Reconnecting…",
            "signalReconnecting": "Reconnecting…",
            "disconnected": "Ended" if self.ending else "Disconnected",
        }.get(self.connection, self.connection)

    @rx.var
    def agent_label(self) -> str:
        name = self.persona_name or "The persona"
        if self.ending:
            return "Call ended"
        if self.connection in ("reconnecting", "signalReconnecting"):
            return "Reconnecting to the call…"
        if self.connection != "connected":
            return "Connecting to the call…" if self.connection != "disconnected" else "Not connected"
        if not self.agent_joined:
            return f"Waiting for {name} to join…"
        return {
            "listening": f"{name} is listening",
            "thinking": f"{name} is thinking…",
            "speaking": f"{name} is speaking",
            "initializing": f"{name} is joining…",
            "idle": f"{name} is listening",
        }.get(self.agent_state, f"{name} has joined")

    @rx.var
    def agent_phase(self) -> str:
        """One word for tests and styling: connecting | offline | waiting | listening | thinking |
        speaking | joining | ended."""
        if self.ending:
            return "ended"
        if self.connection == "disconnected":
            return "offline"
        if self.connection != "connected":
            return "connecting"
        if not self.agent_joined:
            return "waiting"
        if self.agent_state in ("listening", "thinking", "speaking"):
            return self.agent_state
        return "listening" if self.agent_state == "idle" else "joining"

    # --- page load ------------------------------------------------------------------------
    def _reset_call(self) -> None:
        self.session_id = 0
        self.persona_name = ""
        self.persona_role = ""
        self.scenario_name = ""
        self.limit_seconds = 0
        self.elapsed_seconds = -1.0
        self.provider_lines = []
        self.replies_scripted = False
        self.page_error = ""
        self.session_over = False
        self.call_lost = False
        self.persona_id = ""
        self.token = ""
        self.livekit_url = ""
        self.connect = False
        self.connection = "disconnected"
        self.agent_state = "connecting"
        self.agent_joined = False
        self.agent_seen = False
        self.mic_enabled = False
        self.muted = False
        self.transcript = []
        self.draft = ""
        self.outgoing = {}
        self.message_error = ""
        self.error_kind = ""
        self.error_message = ""
        self.ending = False

    def _route_session_id(self) -> int | None:
        raw = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        try:
            return int(raw)
        except ValueError:
            return None

    async def _user(self):
        auth = await self.get_state(AuthState)
        return auth.current_user()

    def _restore_transcript(self) -> None:
        """What was said so far, from the stored turns, plus the line still being heard: the
        app's copy of this state may be older than the call (Reflex writes it to disk a little
        later, and not at all when the app is killed)."""
        stored = [
            TranscriptLine(id=f"turn-{seq}", speaker=speaker, text=text, final=True)
            for seq, speaker, text in control.stored_lines(self.session_id)
        ]
        self.transcript = stored + [line for line in self.transcript if not line.final]

    def _read_clock(self) -> None:
        elapsed = control.call_elapsed_seconds(self.session_id)
        if elapsed is not None:
            self.elapsed_seconds = round(elapsed, 3)

    def _holds_call(self, sid: int | None) -> bool:
        return bool(sid) and self.session_id == sid and self.connect and not (self.session_over or self.page_error)

    @rx.event
    async def load(self):
        sid = self._route_session_id()
        user = await self._user()
        if self._holds_call(sid):
            # Reflex runs on_load again whenever the page reconnects to the app (the app restarted,
            # the network blinked) and when the trainee comes back to this page: the call in it goes
            # on, transcript and all. Only the room token is renewed, for a bridge that remounts
            # (a connected room ignores it).
            access = control.check_call_access(user, sid)
            if access.ok:
                self.token = control.join_credentials(access.session, user)["token"]
                self._restore_transcript()
                self._read_clock()
                logger.info("call %s: the page is back (reconnected to the app); the call goes on", sid)
                return
        self._reset_call()
        if user is None:
            self.page_error = "Log in to join this call."
            return
        access = control.check_call_access(user, sid)
        ps = access.session
        if ps is not None:  # the user's own session (open or ended); nothing is kept otherwise
            self.session_id = ps.id
            self.persona_id = ps.persona_id
            snap = ps.persona_snapshot or {}
            self.persona_name = str(snap.get("name") or ps.persona_id)
            self.persona_role = str(snap.get("role") or "")
            self.scenario_name = str((snap.get("scenario") or {}).get("name") or "")
            self.limit_seconds = control.time_limit_seconds(snap)
            self.provider_lines = describe(ps.providers)
            self.replies_scripted = is_scripted(ps.providers)
            self.recorded = snapshot_recorded(get_settings(), snap)
        if not access.ok:
            self.page_error = access.message
            self.session_over = access.ended
            return
        info = control.join_credentials(ps, user)
        self.livekit_url = info["livekit_url"]
        self.token = info["token"]
        self.connect = True
        self._restore_transcript()  # a reload mid-call shows what was said so far
        self._read_clock()

    # --- events from the bridge -----------------------------------------------------------
    @rx.event
    def on_state_change(self, data: dict):
        self.connection = str(data.get("connection") or "disconnected")
        self.agent_state = str(data.get("agentState") or "connecting")
        joined = bool(data.get("agentJoined"))
        self.mic_enabled = bool(data.get("micEnabled"))
        if self.connection == "connected":
            self.token = ""  # used: the room has it
        if joined:
            if not self.agent_seen and self.session_id:
                # The agent records the providers it really runs with when it goes live.
                providers = control.session_providers(self.session_id)
                self.provider_lines = describe(providers)
                self.replies_scripted = is_scripted(providers)
                self._read_clock()
            self.agent_seen = True
            if self.error_kind in ("agent_timeout", "agent_reconnecting"):
                self._clear_error()
        elif self.agent_joined and self.connection == "connected" and not self.ending:
            # The persona's worker dropped out; another agent picks the call up where it was
            # (calls.dispatch), or the call is closed and this page says so.
            self.error_kind = "agent_reconnecting"
            self.error_message = (
                f"The line to {self.persona_name or 'the persona'} dropped: reconnecting the persona… "
                "The call carries on where it was. End call stops here and shows your feedback."
            )
        self.agent_joined = joined
        if self.connection == "connected" and self.error_kind == "connection":
            self._clear_error()

    @rx.event
    def on_transcript(self, lines: list[dict]):
        index = {line.id: i for i, line in enumerate(self.transcript)}
        updated = list(self.transcript)
        for raw in lines:
            line = TranscriptLine(
                id=str(raw.get("id") or ""),
                speaker="trainee" if raw.get("speaker") == "trainee" else "persona",
                text=str(raw.get("text") or ""),
                final=bool(raw.get("final")),
            )
            if not line.id:
                continue
            if line.id in index:
                updated[index[line.id]] = line
            else:
                index[line.id] = len(updated)
                updated.append(line)
        self.transcript = updated

    @rx.event
    def on_error(self, err: dict):
        if self.ending:
            return
        self.error_kind = str(err.get("kind") or "connection")
        self.error_message = str(err.get("message") or "Something went wrong with the call.")
        if self.error_kind == "agent_timeout":
            self.error_message = still_waiting(self.persona_name)
        # kind and message come from the browser: logged with CR/LF escaped (no forged log lines)
        logger.info(
            "call %s: %s error: %s", self.session_id, log_safe(self.error_kind, 40), log_safe(self.error_message)
        )

    @rx.event
    def on_disconnected(self, info: dict):
        self.connection = "disconnected"
        self.agent_joined = False
        if info.get("intentional") or self.ending:
            return
        reason = str(info.get("reason") or "UNKNOWN")
        status = control.session_status(self.session_id)
        over = status is not None and status not in OPEN_STATUSES
        if over or (reason in ("ROOM_DELETED", "ROOM_CLOSED") and self.agent_seen):
            # The agent closed the call (time limit, or it ended it) and with it the room. Its
            # final status may land a moment after the room is gone.
            self._clear_error()
            self.session_over = True
            self.page_error = f"The call with {self.persona_name or 'the persona'} has ended."
            if over and ended_agent_lost(self.session_id):
                self.call_lost = True
                self.page_error = (
                    f"The line to {self.persona_name or 'the persona'} dropped and the persona could not be "
                    "reconnected, so this call was closed (what was said is kept). Start a new call to practise again."
                )
            return
        self.error_kind = "connection"
        self.error_message = disconnected(reason)

    @rx.event
    def on_message_sent(self, result: dict):
        if str(result.get("id")) != self.outgoing.get("id"):
            return
        if result.get("ok"):
            self.transcript = [
                *self.transcript,
                TranscriptLine(
                    id=f"typed-{result['id']}", speaker="trainee", text=self.outgoing.get("text", ""), final=True
                ),
            ]
            self.draft = ""
            self.message_error = ""
        else:
            self.message_error = f"Your message was not sent: {result.get('error') or 'unknown error'}."

    @rx.event
    async def on_ended(self, result: dict):
        # Only the session's own trainee may end it (a tampered client can send this event anywhere).
        access = control.check_call_access(await self._user(), self.session_id)
        if not (access.ok or access.ended):
            self.page_error = access.message
            return
        acknowledged = result.get("rpc") == "ok"
        control.record_trainee_end(self.session_id, agent_acknowledged=acknowledged)
        logger.info("call %s ended by the trainee (agent rpc: %s)", self.session_id, log_safe(result.get("rpc"), 40))
        return rx.redirect(self.feedback_href)

    # --- user actions ---------------------------------------------------------------------
    def _clear_error(self) -> None:
        self.error_kind = ""
        self.error_message = ""

    @rx.event
    def toggle_mute(self):
        self.muted = not self.muted

    @rx.event
    def set_draft(self, value: str):
        self.draft = value
        self.message_error = ""

    @rx.event
    def send_message(self, _form_data: dict | None = None):
        try:
            text = check_text(self.draft, MESSAGE_MAX, "Your message", required=True)
        except TextTooLong as exc:
            self.message_error = str(exc)
            return
        if self.connection != "connected":
            self.message_error = "You are not connected to the call, so the message cannot be sent."
            return
        self.message_error = ""
        self.outgoing = {"id": uuid.uuid4().hex, "text": text}

    @rx.event
    def end_call(self):
        if self.ending:
            return
        self._clear_error()
        self.ending = True

    @rx.event
    async def start_new_call(self):
        """Retry after a lost call: a fresh session of the same scenario, and its call page."""
        from coach_app.calls.start import TooManyStarts, UnknownPersona, begin_session
        from coach_app.db import session_scope

        user = await self._user()
        if user is None or not self.persona_id:
            return rx.redirect("/scenarios")
        try:
            with session_scope() as db:
                ps, _resumed = begin_session(db, user, self.persona_id)
                session_id = ps.id
        except (UnknownPersona, TooManyStarts) as exc:
            return rx.toast.error(f"Cannot start a new call: {exc}")
        return rx.redirect(f"/call/{session_id}")

    @rx.event
    async def retry(self):
        kind = self.error_kind
        self._clear_error()
        if kind == "microphone":
            self.muted = False
            self.mic_attempt += 1
            return
        user = await self._user()
        access = control.check_call_access(user, self.session_id)
        if not access.ok:
            self.page_error = access.message
            self.session_over = access.ended
            self.connect = False
            return
        if kind in ("agent_timeout", "agent_reconnecting") or not self.agent_seen:
            # The agent is dispatched when the room is created: start from a fresh room.
            try:
                await control.reset_room_without_agent(access.session.room_name)
            except Exception:  # a retry must still reconnect
                logger.exception("could not reset room %s", access.session.room_name)
        info = control.join_credentials(access.session, user)
        self.livekit_url = info["livekit_url"]
        self.token = info["token"]
        self.connect = True
        self.agent_joined = False
        self.agent_state = "connecting"
        self.connection = "connecting"
        self.attempt += 1
