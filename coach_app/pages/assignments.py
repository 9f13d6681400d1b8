"""Assignments for managers: `/manage/assignments` (list and new) and a board per assignment."""

from __future__ import annotations

import reflex as rx

from coach_app.components.charts import error_or
from coach_app.components.layout import page
from coach_app.state.assignments import AssignmentsState as A
from coach_app.state.assignments import BoardState as B
from coach_app.state.auth import AuthState

STATUS_COLOURS = {"passed": "green", "in_progress": "blue", "past_due": "red", "not_started": "gray"}


def status_badge(line) -> rx.Component:
    return rx.badge(
        line.status_label,
        color_scheme=rx.match(line.status, *STATUS_COLOURS.items(), "gray"),
        class_name="assignment-status",
    )


def _field(label: str, key: str, value, type_: str = "text", width: str = "10em") -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2"),
        rx.input(value=value, type=type_, on_change=lambda v: A.set_form(key, v), id=f"assign-{key}", width=width),
        spacing="1",
    )


def new_form() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("New assignment", size="4"),
            rx.text("Scenarios", size="2", weight="medium"),
            rx.foreach(
                A.scenario_choices,
                lambda c: rx.checkbox(
                    c.label,
                    checked=A.chosen_scenarios.contains(c.value),
                    on_change=lambda on: A.toggle_scenario(c.value, on),
                    id="assign-scenario-" + c.value,
                ),
            ),
            rx.checkbox("The whole team", checked=A.whole_team, on_change=A.set_whole_team, id="assign-whole-team"),
            rx.cond(
                ~A.whole_team,
                rx.vstack(
                    rx.foreach(
                        A.trainee_choices,
                        lambda c: rx.checkbox(
                            c.label,
                            checked=A.chosen_trainees.contains(c.value),
                            on_change=lambda on: A.toggle_trainee(c.value, on),
                            id="assign-trainee-" + c.value,
                        ),
                    ),
                ),
            ),
            rx.hstack(
                rx.cond(AuthState.is_admin, _field("Team", "team", A.team)),
                _field("Title", "title", A.title, width="16em"),
                _field("Due date", "due", A.due, type_="date"),
                _field("Required score (default: pass mark)", "required_score", A.required_score),
                _field("Attempt cap (optional)", "max_attempts", A.max_attempts),
                spacing="3",
                wrap="wrap",
            ),
            rx.cond(A.form_error != "", rx.text(A.form_error, color_scheme="red", size="2", id="assign-error")),
            rx.button("Assign", on_click=A.create, id="assign-submit"),
            spacing="3",
        ),
        width="100%",
    )


@rx.page(route="/manage/assignments", title="Coach - assignments", on_load=[AuthState.require_manager, A.load])
def assignments_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("Assignments", size="7", id="assignments-title"),
            rx.table.root(
                rx.table.header(
                    rx.table.row(*[rx.table.column_header_cell(h) for h in ("Title", "Scenarios", "For", "Due")])
                ),
                rx.table.body(
                    rx.foreach(
                        A.rows,
                        lambda r: rx.table.row(
                            rx.table.cell(rx.link(r.title, href="/manage/assignments/" + r.id.to_string())),
                            rx.table.cell(r.scenarios),
                            rx.table.cell(r.who),
                            rx.table.cell(r.due),
                            id="assignment-row-" + r.id.to_string(),
                        ),
                    )
                ),
                width="100%",
            ),
            new_form(),
            spacing="4",
            width="100%",
        ),
        max_width="84em",
    )


@rx.page(
    route="/manage/assignments/[assignment_id]",
    title="Coach - assignment board",
    on_load=[AuthState.require_manager, B.load],
)
def assignment_board() -> rx.Component:
    return page(
        error_or(
            B.page_error,
            rx.vstack(
                rx.heading(B.title, size="7", id="board-title"),
                rx.hstack(
                    rx.text("Due ", B.due, color_scheme="gray"),
                    rx.button("Export CSV", on_click=B.export_csv, variant="outline", id="board-csv"),
                    spacing="4",
                    align="center",
                ),
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            *[
                                rx.table.column_header_cell(h)
                                for h in ("Trainee", "Scenario", "Status", "Best score", "Required", "Attempts")
                            ]
                        )
                    ),
                    rx.table.body(
                        rx.foreach(
                            B.lines,
                            lambda r: rx.table.row(
                                rx.table.cell(r.trainee),
                                rx.table.cell(r.scenario_name),
                                rx.table.cell(status_badge(r)),
                                rx.table.cell(r.best),
                                rx.table.cell(r.required),
                                rx.table.cell(r.attempts),
                                class_name="board-row",
                            ),
                        )
                    ),
                    width="100%",
                    id="board-table",
                ),
                spacing="4",
                width="100%",
            ),
        ),
        max_width="84em",
    )
