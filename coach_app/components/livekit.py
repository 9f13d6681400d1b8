"""Reflex components around `@livekit/components-react` via the JSX bridge in assets/.

`coach_room(...)` joins the LiveKit room and reports connection/agent state, transcript lines,
errors and disconnects as Reflex events. `agent_visualizer()`, `call_timer()`, `mood_meter()` and
`help_buttons()` must be rendered inside it (they read the room from React context).
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from reflex_base.event import passthrough_event_spec

# @livekit/components-react 3.0 dropped useVoiceAssistant/useTranscriptions: stay on 2.9.x.
COMPONENTS_REACT = "@livekit/components-react@2.9.24"
LIVEKIT_CLIENT = "livekit-client@2.23.0"
BRIDGE = "$/public/livekit_bridge.jsx"
HELP_BRIDGE = "$/public/call_help.jsx"  # the mood meter and the Hint / Repeat buttons

# BarVisualizer renders <span class="lk-audio-bar">; the LiveKit stylesheet is not used.
VISUALIZER_CSS = {
    "& .lk-audio-bar-visualizer": {
        "display": "flex",
        "align_items": "center",
        "justify_content": "center",
        "gap": "10px",
        "height": "120px",
        "width": "100%",
    },
    "& .lk-audio-bar": {
        "width": "18px",
        "min_height": "12px",
        "border_radius": "9px",
        "background": "var(--gray-a6)",
        "transition": "height 80ms linear, background 200ms",
    },
    "& .lk-audio-bar[data-lk-highlighted='true']": {"background": "var(--accent-9)"},
    "& [data-lk-va-state='speaking'] .lk-audio-bar": {"background": "var(--accent-9)"},
}


class _Bridge(rx.Component):
    library = BRIDGE
    lib_dependencies: list[str] = [COMPONENTS_REACT, LIVEKIT_CLIENT]


class CoachRoom(_Bridge):
    """The call's LiveKit room (kept across a remount of the call view) + <RoomAudioRenderer> + hooks
    turned into events (see the bridge)."""

    tag = "CoachRoom"

    server_url: rx.Var[str]
    token: rx.Var[str]
    connect: rx.Var[bool]
    # A new value remounts the room: a fresh connection (another session, or a Retry).
    attempt: rx.Var[str]
    muted: rx.Var[bool]
    # A new value asks for the microphone again (Retry after a microphone error).
    mic_attempt: rx.Var[int]
    # {"id": str, "text": str}: a typed message to send to the agent on the `lk.chat` topic.
    outgoing: rx.Var[dict[str, Any]]
    # True: tell the agent the call was ended on purpose, then leave the room.
    ending: rx.Var[bool]
    agent_timeout_ms: rx.Var[int]

    on_state_change: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_transcript: rx.EventHandler[passthrough_event_spec(list[dict[str, Any]])]
    on_error: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_disconnected: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_message_sent: rx.EventHandler[passthrough_event_spec(dict[str, Any])]
    on_ended: rx.EventHandler[passthrough_event_spec(dict[str, Any])]


class AgentVisualizer(_Bridge):
    """BarVisualizer of the agent's voice, animated by the agent's state."""

    tag = "AgentVisualizer"

    bar_count: rx.Var[int]


class CallTimer(_Bridge):
    """The call's elapsed time against the scenario's limit (seconds): from `elapsed_seconds` (the
    call's clock when the page last read it; -1 unknown), else from when the persona joined."""

    tag = "CallTimer"

    limit_seconds: rx.Var[int]
    elapsed_seconds: rx.Var[float]


class MoodMeter(_Bridge):
    """Anger / trust / progress of the customer, from the agent's `coach.mood` attribute (only a
    practice call's agent publishes it: an assessment shows nothing)."""

    library = HELP_BRIDGE
    tag = "MoodMeter"


class HelpButtons(_Bridge):
    """Hint (practice calls: the agent publishes the mood) and Repeat: RPCs to the agent; the hint
    is shown under them."""

    library = HELP_BRIDGE
    tag = "HelpButtons"


coach_room = CoachRoom.create
mood_meter = MoodMeter.create
help_buttons = HelpButtons.create
agent_visualizer = AgentVisualizer.create
call_timer = CallTimer.create
