"""The live call page: `/call/[session_id]`."""

from __future__ import annotations

import reflex as rx

from coach_app.calls.recordings import RECORDED_NOTICE
from coach_app.components.layout import page
from coach_app.components.livekit import (
    VISUALIZER_CSS,
    agent_visualizer,
    call_timer,
    coach_room,
    help_buttons,
    mood_meter,
)
from coach_app.components.providers_note import providers_note
from coach_app.state.auth import AuthState
from coach_app.state.call import CallState
from coach_app.state.call_text import AGENT_JOIN_TIMEOUT_MS, TranscriptLine
from coach_app.textlimits import MESSAGE_MAX

_PHASE_COLOR = {
    "connecting": "amber",
    "waiting": "amber",
    "joining": "amber",
    "listening": "green",
    "thinking": "blue",
    "speaking": "teal",
    "ended": "gray",
    "offline": "gray",
}

# Buttons that share a phone-width row equally, and keep their own width on wider screens.
_PHONE_FULL = rx.breakpoints(initial="1", sm="0 0 auto")
_CARD_SIZE = rx.breakpoints(initial="2", sm="3")


def connection_badge() -> rx.Component:
    return rx.badge(
        rx.icon(
            rx.cond(CallState.connection == "connected", "wifi", "wifi-off"),
            size=14,
        ),
        CallState.connection_label,
        color_scheme=rx.cond(
            CallState.connection == "connected",
            "green",
            rx.cond(CallState.connection == "disconnected", "gray", "amber"),
        ),
        variant="soft",
        size="2",
        id="connection-state",
        custom_attrs={"data-state": CallState.connection},
    )


def _mic_badge(icon: str, label: str, color: str, state: str) -> rx.Component:
    return rx.badge(
        rx.icon(icon, size=14),
        label,
        color_scheme=color,
        variant="soft",
        size="2",
        id="mic-state",
        custom_attrs={"data-state": state},
    )


def mic_badge() -> rx.Component:
    return rx.cond(
        CallState.muted,
        _mic_badge("mic-off", "Muted", "amber", "muted"),
        rx.cond(
            CallState.mic_enabled,
            _mic_badge("mic", "Mic on", "green", "on"),
            _mic_badge("mic-off", "Mic off", "gray", "off"),
        ),
    )


def agent_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.badge(
                    CallState.agent_label,
                    size="3",
                    variant="solid",
                    color_scheme=rx.match(
                        CallState.agent_phase,
                        *[(k, v) for k, v in _PHASE_COLOR.items()],
                        "gray",
                    ),
                    id="agent-state",
                    custom_attrs={"data-phase": CallState.agent_phase},
                ),
                rx.hstack(mic_badge(), connection_badge(), spacing="2", margin_left="auto"),
                width="100%",
                align="center",
                wrap="wrap",
            ),
            rx.box(agent_visualizer(bar_count=7), width="100%", style=VISUALIZER_CSS, id="agent-visualizer"),
            # the customer's mood and Hint show only when the agent publishes the mood (practice calls)
            mood_meter(style={"width": "100%"}),
            help_buttons(),
            rx.flex(
                rx.hstack(
                    rx.icon("timer", size=16, color="var(--gray-11)"),
                    rx.text(
                        call_timer(
                            limit_seconds=CallState.limit_seconds,
                            elapsed_seconds=CallState.elapsed_seconds,
                            id="call-timer",
                        ),
                        size="3",
                        weight="medium",
                        white_space="nowrap",
                        style={"font_variant_numeric": "tabular-nums"},
                    ),
                    rx.text("elapsed / limit", size="1", color_scheme="gray", white_space="nowrap"),
                    align="center",
                    spacing="2",
                ),
                rx.hstack(
                    rx.button(
                        rx.icon(rx.cond(CallState.muted, "mic-off", "mic"), size=16),
                        rx.cond(CallState.muted, "Unmute", "Mute"),
                        on_click=CallState.toggle_mute,
                        variant=rx.cond(CallState.muted, "solid", "soft"),
                        color_scheme=rx.cond(CallState.muted, "amber", "gray"),
                        size="3",
                        id="mute",
                        disabled=CallState.ending,
                        flex=_PHONE_FULL,
                        custom_attrs={"aria-pressed": rx.cond(CallState.muted, "true", "false")},
                    ),
                    rx.button(
                        rx.icon("phone-off", size=16),
                        rx.cond(CallState.ending, "Ending…", "End call"),
                        on_click=CallState.end_call,
                        color_scheme="red",
                        size="3",
                        id="end-call",
                        disabled=CallState.ending,
                        flex=_PHONE_FULL,
                    ),
                    spacing="3",
                    margin_left="auto",
                    width=rx.breakpoints(initial="100%", sm="auto"),
                ),
                width="100%",
                align="center",
                wrap="wrap",
                spacing="3",
            ),
            spacing="4",
            width="100%",
        ),
        size=_CARD_SIZE,
        width="100%",
        align_self="start",
    )


def error_callout() -> rx.Component:
    return rx.cond(
        CallState.error_message != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert")),
            rx.vstack(
                rx.callout.text(CallState.error_message, id="call-error-message"),
                rx.hstack(
                    rx.button(rx.icon("rotate-ccw", size=14), "Retry", on_click=CallState.retry, size="2", id="retry"),
                    rx.cond(
                        CallState.error_kind == "agent_reconnecting",
                        rx.button(
                            "End call", on_click=CallState.end_call, size="2", variant="soft", color_scheme="red"
                        ),
                    ),
                    spacing="2",
                ),
                spacing="2",
                align="start",
            ),
            color_scheme="red",
            role="alert",
            id="call-error",
            custom_attrs={"data-kind": CallState.error_kind},
            width="100%",
        ),
    )


def transcript_line(line: TranscriptLine) -> rx.Component:
    is_trainee = line.speaker == "trainee"
    return rx.box(
        rx.text(
            rx.cond(is_trainee, "You", CallState.persona_name),
            size="1",
            weight="bold",
            color=rx.cond(is_trainee, "var(--accent-11)", "var(--gray-11)"),
        ),
        rx.text(
            line.text,
            class_name="transcript-text",
            size="3",
            color=rx.cond(line.final, "var(--gray-12)", "var(--gray-10)"),
            font_style=rx.cond(line.final, "normal", "italic"),
            white_space="pre-wrap",
        ),
        class_name="transcript-line",
        custom_attrs={
            "data-speaker": line.speaker,
            "data-final": rx.cond(line.final, "true", "false"),
            "data-line": line.id,
        },
        align_self=rx.cond(is_trainee, "flex-end", "flex-start"),
        max_width="80%",
        padding_x="0.9em",
        padding_y="0.6em",
        border_radius="12px",
        background=rx.cond(is_trainee, "var(--accent-3)", "var(--gray-3)"),
    )


def transcript_panel() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading("Transcript", size="3"),
                rx.spacer(),
                rx.text("grey italic = still being heard", size="1", color_scheme="gray"),
                width="100%",
                align="center",
            ),
            rx.auto_scroll(
                rx.cond(
                    CallState.transcript.length() > 0,
                    rx.vstack(rx.foreach(CallState.transcript, transcript_line), spacing="2", width="100%"),
                    rx.text(
                        "The conversation will appear here as you speak.",
                        color_scheme="gray",
                        size="2",
                        id="transcript-empty",
                    ),
                ),
                height=rx.breakpoints(initial="16em", md="22em"),
                width="100%",
                id="transcript",
            ),
            rx.form(
                rx.hstack(
                    rx.input(
                        placeholder="Type a reply if you cannot speak…",
                        value=CallState.draft,
                        on_change=CallState.set_draft,
                        max_length=MESSAGE_MAX,
                        size="3",
                        width="100%",
                        id="message-input",
                        name="message",
                        disabled=CallState.ending,
                    ),
                    rx.button(
                        rx.icon("send", size=16),
                        "Send",
                        type="submit",
                        size="3",
                        id="send-message",
                        disabled=CallState.ending,
                    ),
                    width="100%",
                ),
                on_submit=CallState.send_message,
                width="100%",
            ),
            rx.cond(
                CallState.message_error != "",
                rx.text(CallState.message_error, color_scheme="red", size="2", id="message-error"),
            ),
            spacing="3",
            width="100%",
        ),
        size=_CARD_SIZE,
        width="100%",
    )


def call_view() -> rx.Component:
    return coach_room(
        rx.vstack(
            rx.vstack(
                rx.heading(CallState.persona_name, size="7", id="call-persona"),
                rx.text(
                    CallState.scenario_name,
                    rx.cond(CallState.persona_role != "", " · " + CallState.persona_role, ""),
                    color_scheme="gray",
                    size="3",
                ),
                rx.cond(
                    CallState.recorded,
                    rx.badge(
                        rx.icon("mic", size=12),
                        RECORDED_NOTICE,
                        color_scheme="red",
                        variant="soft",
                        id="recorded-notice",
                    ),
                ),
                spacing="1",
            ),
            providers_note(CallState.provider_lines, CallState.replies_scripted),
            error_callout(),
            rx.grid(
                agent_panel(),
                transcript_panel(),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
            ),
            spacing="4",
            width="100%",
        ),
        server_url=CallState.livekit_url,
        token=CallState.token,
        connect=CallState.connect,
        attempt=CallState.room_key,
        muted=CallState.muted,
        mic_attempt=CallState.mic_attempt,
        outgoing=CallState.outgoing,
        ending=CallState.ending,
        agent_timeout_ms=AGENT_JOIN_TIMEOUT_MS,
        on_state_change=CallState.on_state_change,
        on_transcript=CallState.on_transcript,
        on_error=CallState.on_error,
        on_disconnected=CallState.on_disconnected,
        on_message_sent=CallState.on_message_sent,
        on_ended=CallState.on_ended,
        width="100%",
    )


def unavailable() -> rx.Component:
    return rx.vstack(
        rx.cond(CallState.persona_name != "", rx.heading(CallState.persona_name, size="7")),
        _unavailable_callout(),
        spacing="4",
        width="100%",
    )


def _unavailable_callout() -> rx.Component:
    return rx.callout.root(
        rx.callout.icon(rx.icon("info")),
        rx.vstack(
            rx.callout.text(CallState.page_error, id="call-unavailable"),
            rx.hstack(
                rx.cond(
                    CallState.call_lost,
                    rx.button(
                        rx.icon("rotate-ccw", size=14),
                        "Start a new call",
                        on_click=CallState.start_new_call,
                        size="2",
                        id="new-call",
                    ),
                ),
                rx.cond(
                    CallState.session_over,
                    rx.link(
                        rx.button("See feedback", size="2", color_scheme="teal"),
                        href=CallState.feedback_href,
                        id="see-feedback",
                    ),
                ),
                rx.link(rx.button("Scenarios", size="2", variant="soft"), href="/scenarios"),
                spacing="2",
            ),
            spacing="2",
            align="start",
        ),
        color_scheme="gray",
        width="100%",
    )


@rx.page(route="/call/[session_id]", title="Coach - call", on_load=[AuthState.require_login, CallState.load])
def call_page() -> rx.Component:
    return page(
        rx.cond(
            CallState.page_error != "",
            unavailable(),
            rx.cond(CallState.connect, call_view(), rx.center(rx.spinner(size="3"), padding="4em")),
        ),
        max_width="80em",
    )
