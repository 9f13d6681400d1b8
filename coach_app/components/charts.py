"""Small chart and table pieces shared by the feedback, my-sessions and review pages."""

from __future__ import annotations

from typing import Any

import reflex as rx

from coach_app.models import PASS_MARK_DEFAULT

TRAINEE_COLOR = "var(--teal-9)"
PERSONA_COLOR = "var(--orange-9)"
COLORS = ["var(--teal-9)", "var(--indigo-9)", "var(--orange-9)", "var(--crimson-9)", "var(--grass-9)", "var(--amber-9)"]


def error_or(message: Any, body: rx.Component) -> rx.Component:
    """The page's error (`#page-error`) when `message` is not empty, else its content."""
    return rx.cond(message != "", rx.callout(message, icon="triangle-alert", color_scheme="red", id="page-error"), body)


def chart_card(title: str, chart: rx.Component, empty: Any, empty_text: str, **props) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(title, weight="bold", size="3"),
            rx.cond(empty, rx.text(empty_text, color_scheme="gray", size="2"), chart),
            spacing="2",
            width="100%",
        ),
        width="100%",
        **props,
    )


def score_line_chart(data: Any, height: int = 200, color: str = "var(--teal-9)", **props) -> rx.Component:
    """Scores 0-100 over sessions: data = [{"label", "score"}]."""
    return rx.recharts.line_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="label", tick={"fontSize": 11}),
        rx.recharts.y_axis(domain=[0, 100], allow_decimals=False, width=36, tick={"fontSize": 11}),
        rx.recharts.reference_line(y=int(PASS_MARK_DEFAULT), stroke="var(--gray-8)", stroke_dasharray="4 4"),
        rx.recharts.graphing_tooltip(),
        rx.recharts.line(data_key="score", stroke=color, stroke_width=2, type_="linear", is_animation_active=False),
        data=data,
        width="100%",
        height=height,
        **props,
    )


def score_badge(score: Any, result: Any, **props) -> rx.Component:
    return rx.badge(
        score,
        color_scheme=rx.match(result, ("passed", "green"), ("not passed", "red"), "gray"),
        variant="soft",
        size="2",
        **props,
    )


def status_badge(status: Any, **props) -> rx.Component:
    return rx.badge(
        status,
        color_scheme=rx.match(
            status,
            ("completed", "green"),
            ("live", "blue"),
            ("created", "gray"),
            ("abandoned", "amber"),
            ("failed", "red"),
            "gray",
        ),
        variant="surface",
        **props,
    )
