"""What the call page says when the call goes wrong, and its transcript line (no Reflex here)."""

from __future__ import annotations

import dataclasses

AGENT_JOIN_TIMEOUT_MS = 15_000

_DISCONNECT_MESSAGES = {
    "DUPLICATE_IDENTITY": "This call was opened in another tab or window, so this page was disconnected.",
    "PARTICIPANT_REMOVED": "You were removed from the call.",
    "JOIN_FAILURE": "Could not join the call: the LiveKit server refused the connection or could not be reached.",
    "SERVER_SHUTDOWN": "The call server shut down.",
}


@dataclasses.dataclass
class TranscriptLine:
    id: str = ""
    speaker: str = ""  # "trainee" | "persona"
    text: str = ""
    final: bool = False


def still_waiting(persona_name: str) -> str:
    """No agent yet after AGENT_JOIN_TIMEOUT_MS. Not a dead end: a worker that registers later
    (make dev still starting, a worker restart) is handed this call by the agent keeper."""
    return (
        f"Still waiting for {persona_name or 'the persona'}: no agent worker has taken the "
        f"call in {AGENT_JOIN_TIMEOUT_MS // 1000} seconds (one may still be starting, or all are "
        "busy). The call starts as soon as one is free; Retry starts over."
    )


def disconnected(reason: str) -> str:
    """The room connection dropped for `reason` (LiveKit's disconnect reason)."""
    return (
        _DISCONNECT_MESSAGES.get(reason, "The connection to the call was lost (network or server problem).")
        + " Press Retry to reconnect."
    )
