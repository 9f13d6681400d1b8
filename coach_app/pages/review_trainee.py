"""A trainee's page for managers: `/review/trainees/[user_id]` - trends and all their sessions."""

from __future__ import annotations

import reflex as rx

from coach_app.components.charts import error_or
from coach_app.components.layout import page
from coach_app.components.session_table import sessions_table, trend_grid
from coach_app.state.auth import AuthState
from coach_app.state.review import TraineeReviewState as S


@rx.page(route="/review/trainees/[user_id]", title="Coach - trainee", on_load=[AuthState.require_manager, S.load])
def review_trainee() -> rx.Component:
    return page(
        error_or(
            S.page_error,
            rx.cond(
                ~S.loaded,
                rx.center(rx.spinner(size="3"), padding="4em"),
                rx.vstack(
                    rx.link(
                        rx.hstack(rx.icon("arrow-left", size=14), rx.text("Review"), spacing="1", align="center"),
                        href="/review",
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.hstack(
                        rx.heading(S.trainee_name, size="7", id="trainee-name"),
                        rx.cond(S.trainee_team != "", rx.badge("Team ", S.trainee_team, variant="soft")),
                        align="center",
                        spacing="3",
                    ),
                    rx.heading("Trends", size="5"),
                    trend_grid(S),
                    rx.heading("Sessions", size="5"),
                    sessions_table(S, show_trainee=False, trainee_links=False, table_id="trainee-sessions-table"),
                    spacing="4",
                    width="100%",
                ),
            ),
        ),
        max_width="84em",
    )
