"""The feedback page's mood section: practice or assessment, the customer's anger / trust / progress
over the call (markers where a trainee turn moved them; a marker dot or its link goes to that
turn, and plays it when there is a recording), and the hints and repeats used."""

from __future__ import annotations

from typing import Any

import reflex as rx

from coach_app.components.charts import chart_card
from coach_app.feedback.mood_view import HelpView, MoodMarker

LINES = (
    ("anger", "Anger", "var(--red-9)"),
    ("trust", "Trust", "var(--green-9)"),
    ("progress", "Progress", "var(--blue-9)"),
)
MARKER = "var(--amber-9)"
HELPER_JS = "/feedback_mood.js"


def curve(mood: Any) -> rx.Component:
    return rx.recharts.line_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="turn", tick={"fontSize": 11}),
        rx.recharts.y_axis(domain=[0, 10], allow_decimals=False, width=30, tick={"fontSize": 11}),
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend(),
        *[
            rx.recharts.line(
                data_key=key, name=name, stroke=color, stroke_width=2, type_="monotone", is_animation_active=False
            )
            for key, name, color in LINES
        ],
        # markers: dots only, at the anger level of each trainee turn that moved the mood; the last
        # line, whose dots assets/feedback_mood.js makes clickable
        rx.recharts.line(
            data_key="moved",
            name="Moved by you",
            stroke="none",
            dot={"r": 6, "fill": MARKER, "stroke": MARKER},
            legend_type="circle",
            is_animation_active=False,
        ),
        data=mood.curve,
        width="100%",
        height=220,
    )


def marker_link(m: MoodMarker) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon(rx.match(m.kind, ("trigger", "trending-up"), ("walk_away", "phone-off"), "trending-down"), size=14),
            rx.text(m.label, size="2"),
            spacing="2",
            align="center",
        ),
        href=m.href,
        title=m.when,
        class_name="quote-link mood-marker",
        custom_attrs={"data-seq": m.seq, "data-kind": m.kind},
        underline="hover",
        color_scheme="gray",
        high_contrast=True,
    )


def help_row(h: HelpView) -> rx.Component:
    return rx.hstack(
        rx.badge(h.kind, variant="soft", color_scheme=rx.cond(h.kind == "hint", "amber", "gray")),
        rx.text(h.at, size="1", color_scheme="gray"),
        rx.text(h.text, size="2"),
        spacing="2",
        align="baseline",
        class_name="help-event",
        custom_attrs={"data-kind": h.kind},
    )


def mood_section(page: Any) -> rx.Component:
    mood = page.mood
    return rx.vstack(
        rx.hstack(
            rx.heading("Customer mood", size="5"),
            rx.badge(mood.mode_label, variant="surface", id="call-mode", custom_attrs={"data-mode": mood.mode}),
            spacing="3",
            align="center",
            wrap="wrap",
        ),
        chart_card(
            "Anger, trust and progress after each turn (1-10)",
            curve(mood),
            mood.curve.length() == 0,
            "No mood was recorded for this call.",
            id="mood-curve",
        ),
        rx.cond(
            mood.markers.length() > 0,
            rx.vstack(
                rx.text("Your turns that moved the customer", weight="bold", size="2"),
                rx.foreach(mood.markers, marker_link),
                spacing="1",
                id="mood-markers",
            ),
        ),
        rx.cond(
            mood.help.length() > 0,
            rx.vstack(
                rx.text("Help used in the call \u00b7 hints: ", mood.hints_used, weight="bold", size="2"),
                rx.foreach(mood.help, help_row),
                spacing="1",
                id="help-used",
            ),
        ),
        rx.script(src=HELPER_JS),
        spacing="3",
        width="100%",
        id="mood",
    )
