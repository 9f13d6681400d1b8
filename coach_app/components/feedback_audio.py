"""The call's recording on the feedback page: a player above the transcript (assets/feedback_audio.js
seeks it when a turn or a quote is clicked and marks the turn being played)."""

from __future__ import annotations

import reflex as rx

from coach_app.state.auth import backend_url_js

HELPER_JS = "/feedback_audio.js"


def audio_helpers() -> rx.Component:
    return rx.fragment(
        rx.script(f"window.coachBackendUrl = () => {backend_url_js()};"),
        rx.script(src=HELPER_JS),
    )


def audio_player(audio) -> rx.Component:
    """`audio` is the page data's AudioView (url "" when the call has no recording)."""
    return rx.cond(
        audio.url != "",
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("audio-lines", size=16),
                    rx.text("Recording", weight="bold", size="3"),
                    rx.text(audio.duration, " · ", audio.size, size="1", color_scheme="gray"),
                    spacing="2",
                    align="center",
                ),
                rx.el.audio(
                    id="call-audio",
                    controls=True,
                    preload="metadata",
                    custom_attrs={"data-path": audio.url},
                    style={"width": "100%"},
                ),
                rx.text(
                    "Click a turn or a quote to hear that moment. You on the left channel, the persona on the right.",
                    size="1",
                    color_scheme="gray",
                ),
                audio_helpers(),
                spacing="2",
                width="100%",
            ),
            id="recording",
            width="100%",
        ),
    )
