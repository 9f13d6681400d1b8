"""The sessions table (sortable headers, paging) used by review, trainee and my-sessions pages."""

from __future__ import annotations

import reflex as rx

from coach_app.components.charts import score_badge, score_line_chart, status_badge
from coach_app.models import FeedbackStatus

COLUMNS = [
    ("trainee", "Trainee"),
    ("scenario", "Scenario"),
    ("date", "Date (UTC)"),
    ("duration", "Duration"),
    ("score", "Score"),
    ("status", "Status"),
]


def sort_header(state, key: str, label: str) -> rx.Component:
    arrow = rx.cond(state.sort == key, rx.cond(state.desc, " \u2193", " \u2191"), "")
    return rx.table.column_header_cell(
        rx.button(
            label,
            arrow,
            variant="ghost",
            size="1",
            on_click=state.sort_by(key),
            id=f"sort-{key}",
            custom_attrs={"data-active": rx.cond(state.sort == key, rx.cond(state.desc, "desc", "asc"), "")},
        ),
    )


def _warning(text: str) -> rx.Component:
    return rx.tooltip(rx.icon("triangle-alert", size=14, color="var(--red-9)"), content=text)


def session_row(row, show_trainee: bool, trainee_links: bool) -> rx.Component:
    trainee_cell = (
        rx.link(row.trainee, href=f"/review/trainees/{row.user_id}", class_name="trainee-link")
        if trainee_links
        else rx.text(row.trainee)
    )
    cells = []
    if show_trainee:
        cells.append(rx.table.cell(trainee_cell, class_name="cell-trainee"))
    cells += [
        rx.table.cell(
            rx.link(row.scenario, href=f"/sessions/{row.session_id}/feedback", class_name="session-link"),
            rx.text(row.persona_name, size="1", color_scheme="gray"),
            class_name="cell-scenario",
        ),
        rx.table.cell(row.date, class_name="cell-date", white_space="nowrap"),
        rx.table.cell(row.duration, class_name="cell-duration"),
        rx.table.cell(
            rx.hstack(
                score_badge(row.score_label, row.result),
                rx.cond(row.overridden, rx.tooltip(rx.icon("user-pen", size=14), content="Set by a manager")),
                rx.cond(row.evaluation == FeedbackStatus.running.value, rx.spinner(size="1")),
                rx.match(
                    row.evaluation,
                    (FeedbackStatus.failed.value, _warning("Evaluation failed")),
                    (FeedbackStatus.stale.value, _warning("Evaluation stopped before finishing (stale)")),
                    rx.fragment(),
                ),
                spacing="1",
                align="center",
            ),
            class_name="cell-score",
        ),
        rx.table.cell(status_badge(row.status), class_name="cell-status"),
    ]
    return rx.table.row(*cells, class_name="session-row", custom_attrs={"data-session": row.session_id})


def sessions_table(state, show_trainee: bool = True, trainee_links: bool = True, table_id: str = "sessions-table"):
    cols = [c for c in COLUMNS if show_trainee or c[0] != "trainee"]
    return rx.vstack(
        rx.table.root(
            rx.table.header(rx.table.row(*[sort_header(state, k, label) for k, label in cols])),
            rx.table.body(rx.foreach(state.rows, lambda r: session_row(r, show_trainee, trainee_links))),
            width="100%",
            size="2",
            variant="surface",
            id=table_id,
        ),
        rx.cond(state.total == 0, rx.text("No sessions match.", color_scheme="gray", id="no-sessions")),
        rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=14),
                "Previous",
                on_click=state.go_page(-1),
                disabled=~state.has_prev,
                variant="soft",
                size="1",
                id="page-prev",
            ),
            rx.text(state.page_label, size="2", id="page-info"),
            rx.button(
                "Next",
                rx.icon("chevron-right", size=14),
                on_click=state.go_page(1),
                disabled=~state.has_next,
                variant="soft",
                size="1",
                id="page-next",
            ),
            align="center",
            spacing="3",
        ),
        width="100%",
        spacing="3",
    )


def trend_grid(state) -> rx.Component:
    """Overall score over sessions plus one small chart per objective."""
    return rx.vstack(
        rx.card(
            rx.vstack(
                rx.text("Overall score", weight="bold"),
                rx.cond(
                    state.overall_trend.length() == 0,
                    rx.text("No scored sessions yet.", color_scheme="gray", size="2"),
                    score_line_chart(state.overall_trend, height=220),
                ),
                width="100%",
            ),
            width="100%",
            id="trend-overall",
        ),
        rx.grid(
            rx.foreach(
                state.trends,
                lambda t: rx.card(
                    rx.vstack(
                        rx.text(t.description, weight="medium", size="2", class_name="trend-title"),
                        score_line_chart(t.points, height=150, color="var(--indigo-9)"),
                        width="100%",
                        spacing="1",
                    ),
                    class_name="trend-card",
                    custom_attrs={"data-objective": t.id},
                    width="100%",
                ),
            ),
            columns=rx.breakpoints(initial="1", sm="2", lg="3"),
            spacing="3",
            width="100%",
            id="objective-trends",
        ),
        width="100%",
        spacing="3",
    )
