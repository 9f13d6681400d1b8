"""'Assigned to you': the trainee's assignments, first on the home and catalogue pages."""

from __future__ import annotations

import reflex as rx

from coach_app.state.assignments import AssignedState


def _card(line) -> rx.Component:
    return rx.link(
        rx.card(
            rx.hstack(
                rx.vstack(
                    rx.text(line.scenario_name, weight="bold"),
                    rx.text(line.title, size="1", color_scheme="gray"),
                    spacing="0",
                ),
                rx.spacer(),
                rx.vstack(
                    rx.text("Due ", line.due, size="2", class_name="assigned-due"),
                    rx.text("Best ", line.best, " / required ", line.required, size="2", class_name="assigned-best"),
                    spacing="0",
                    align="end",
                ),
                rx.badge(line.status_label, class_name="assigned-status"),
                align="center",
                spacing="4",
                width="100%",
            ),
            width="100%",
        ),
        href="/scenarios/" + line.scenario,
        underline="none",
        width="100%",
        class_name="assigned-item",
        id="assigned-" + line.scenario,
    )


def assigned_to_you() -> rx.Component:
    return rx.cond(
        AssignedState.assigned.length() > 0,
        rx.vstack(
            rx.heading("Assigned to you", size="5"),
            rx.foreach(AssignedState.assigned, _card),
            spacing="2",
            width="100%",
            id="assigned-to-you",
        ),
    )
