"""Manager review: `/review` - every session the manager may see, filterable, sortable, exportable."""

from __future__ import annotations

import reflex as rx

from coach_app.components.charts import error_or
from coach_app.components.layout import page
from coach_app.components.session_table import sessions_table
from coach_app.state.auth import AuthState
from coach_app.state.review import ALL, STATUSES
from coach_app.state.review import ReviewState as S


def _select(value, on_change, items, placeholder: str, id_: str, all_label: str, min_width: str = "10em"):
    return rx.select.root(
        rx.select.trigger(placeholder=placeholder, id=id_, min_width=min_width),
        rx.select.content(
            rx.select.item(all_label, value=ALL),
            *items,
        ),
        value=value,
        on_change=on_change,
        size="2",
    )


def filters() -> rx.Component:
    return rx.vstack(
        rx.form(
            rx.hstack(
                rx.input(
                    name="search",
                    placeholder="Search trainee or scenario",
                    default_value=S.search,
                    id="filter-search",
                    width="16em",
                    max_length=100,
                ),
                rx.hstack(
                    rx.text("From", size="2"),
                    rx.input(type="date", name="date_from", default_value=S.date_from, id="filter-from"),
                    align="center",
                    spacing="1",
                ),
                rx.hstack(
                    rx.text("to", size="2"),
                    rx.input(type="date", name="date_to", default_value=S.date_to, id="filter-to"),
                    align="center",
                    spacing="1",
                ),
                rx.button("Apply", type="submit", id="filter-apply"),
                spacing="3",
                align="center",
                wrap="wrap",
            ),
            on_submit=S.apply_filters,
            reset_on_submit=False,
        ),
        rx.hstack(
            _select(
                S.persona,
                S.set_persona_filter,
                [rx.foreach(S.persona_options, lambda o: rx.select.item(o.label, value=o.value))],
                "Scenario",
                "filter-persona",
                "All scenarios",
                min_width="12em",
            ),
            _select(
                S.trainee_filter,
                S.set_trainee_filter,
                [rx.foreach(S.trainee_options, lambda o: rx.select.item(o.label, value=o.value))],
                "Trainee",
                "filter-trainee",
                "All trainees",
            ),
            _select(
                S.status,
                S.set_status_filter,
                [rx.select.item(s, value=s) for s in STATUSES],
                "Status",
                "filter-status",
                "Any status",
            ),
            _select(
                S.result,
                S.set_result_filter,
                [
                    rx.select.item("Passed", value="passed"),
                    rx.select.item("Not passed", value="not_passed"),
                    rx.select.item("Not scored", value="unscored"),
                ],
                "Result",
                "filter-result",
                "Any result",
            ),
            rx.button("Reset", on_click=S.reset_filters, variant="ghost", id="filter-reset"),
            rx.spacer(),
            rx.button(
                rx.icon("download", size=14), "Export CSV", on_click=S.export_csv, variant="outline", id="export-csv"
            ),
            spacing="3",
            align="center",
            wrap="wrap",
            width="100%",
        ),
        rx.cond(
            S.filter_error != "",
            rx.callout(S.filter_error, color_scheme="red", icon="triangle-alert", id="filter-error"),
        ),
        width="100%",
        spacing="3",
    )


@rx.page(route="/review", title="Coach - review", on_load=[AuthState.require_manager, S.load])
def review() -> rx.Component:
    return page(
        error_or(
            S.page_error,
            rx.vstack(
                rx.heading("Review", size="7", id="review-title"),
                rx.text(
                    "Every session of your team. Open a session to see its feedback, comment or change its score.",
                    color_scheme="gray",
                ),
                filters(),
                sessions_table(S),
                spacing="4",
                width="100%",
            ),
        ),
        max_width="84em",
    )
