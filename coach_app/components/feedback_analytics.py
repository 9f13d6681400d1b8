"""The feedback page's speaking analytics (metric cards; talk, pace and latency charts) and its cost card."""

from __future__ import annotations

from typing import Any

import reflex as rx

from coach_app.components.charts import PERSONA_COLOR, TRAINEE_COLOR, chart_card
from coach_app.feedback.page_views import MetricView, MomentView


def moment_link(mo: MomentView) -> rx.Component:
    # .quote-link[data-seq]: assets/feedback_audio.js seeks the recording to that turn
    return rx.link(
        mo.label,
        href=f"#turn-{mo.seq}",
        size="1",
        class_name="quote-link moment-link",
        custom_attrs={"data-seq": mo.seq},
    )


def metric_card(m: MetricView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(m.label, size="1", color_scheme="gray"),
            rx.text(m.value, size="6", weight="bold", class_name="metric-value"),
            rx.text(m.hint, size="1", color_scheme="gray"),
            rx.hstack(rx.foreach(m.moments, moment_link), spacing="2", wrap="wrap"),
            spacing="1",
        ),
        class_name="metric-card",
        custom_attrs={"data-metric": m.key},
    )


def charts(page: Any) -> rx.Component:
    talk = rx.recharts.pie_chart(
        rx.recharts.pie(
            rx.recharts.cell(fill=TRAINEE_COLOR),
            rx.recharts.cell(fill=PERSONA_COLOR),
            data=page.charts.talk,
            data_key="seconds",
            name_key="name",
            inner_radius="45%",
            outer_radius="80%",
            is_animation_active=False,
            label=True,
        ),
        rx.recharts.legend(),
        rx.recharts.graphing_tooltip(),
        width="100%",
        height=220,
    )
    pace = rx.recharts.line_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="minute", name="Minute", tick={"fontSize": 11}),
        rx.recharts.y_axis(unit="", width=40, tick={"fontSize": 11}),
        rx.recharts.graphing_tooltip(),
        rx.recharts.line(
            data_key="wpm", name="Words per minute", stroke=TRAINEE_COLOR, stroke_width=2, is_animation_active=False
        ),
        data=page.charts.pace,
        width="100%",
        height=220,
    )
    latency = rx.recharts.composed_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="turn", tick={"fontSize": 11}),
        rx.recharts.y_axis(unit=" s", width=56, tick={"fontSize": 11}),
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend(),
        rx.recharts.bar(
            data_key="eou", name="End of turn", stack_id="a", fill="var(--gray-8)", is_animation_active=False
        ),
        rx.recharts.bar(
            data_key="llm", name="LLM first token", stack_id="a", fill="var(--indigo-8)", is_animation_active=False
        ),
        rx.recharts.bar(
            data_key="tts", name="TTS first audio", stack_id="a", fill="var(--orange-8)", is_animation_active=False
        ),
        rx.recharts.line(
            data_key="e2e", name="Voice to voice", stroke="var(--crimson-9)", stroke_width=2, is_animation_active=False
        ),
        data=page.charts.latency,
        width="100%",
        height=240,
    )
    return rx.grid(
        chart_card("Talk time", talk, page.charts.talk.length() == 0, "No speech recorded.", id="chart-talk"),
        chart_card(
            "Pace over the call (words per minute)",
            pace,
            page.charts.pace.length() == 0,
            "No speech recorded.",
            id="chart-pace",
        ),
        chart_card(
            "Persona latency per turn",
            latency,
            page.charts.latency.length() == 0,
            "No latency metrics were recorded for this call.",
            id="chart-latency",
            grid_column="1 / -1",
        ),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )


def analytics_section(page: Any) -> rx.Component:
    """`page` is the state's FeedbackPage var."""
    return rx.cond(
        page.evaluation.has_analytics,
        rx.vstack(
            rx.heading("How you spoke", size="5"),
            rx.grid(
                rx.foreach(page.metrics, metric_card),
                columns=rx.breakpoints(initial="2", sm="4"),
                spacing="3",
                width="100%",
                id="metrics",
            ),
            charts(page),
            spacing="3",
            width="100%",
            id="analytics",
        ),
    )


def cost_section(page: Any) -> rx.Component:
    """What the session cost, per component (local components cost nothing); `page` as above."""
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text("Cost of this session", weight="bold"),
                rx.spacer(),
                rx.text(page.cost.total, weight="bold", id="cost-total"),
                width="100%",
            ),
            rx.table.root(
                rx.table.body(
                    rx.foreach(
                        page.cost.lines,
                        lambda c: rx.table.row(
                            rx.table.cell(c.item),
                            rx.table.cell(c.usage),
                            rx.table.cell(c.price, color=rx.cond(c.local, "var(--green-11)", "var(--gray-10)")),
                            rx.table.cell(c.cost, text_align="right"),
                            class_name="cost-line",
                            custom_attrs={"data-local": rx.cond(c.local, "true", "false")},
                        ),
                    ),
                ),
                size="1",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        id="cost",
    )
