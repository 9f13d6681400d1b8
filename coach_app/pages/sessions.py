"""My sessions: `/sessions` - the trainee's own calls, scores and progress per objective."""

from __future__ import annotations

import reflex as rx

from coach_app.components.charts import error_or
from coach_app.components.layout import page
from coach_app.components.session_table import sessions_table, trend_grid
from coach_app.state.auth import AuthState
from coach_app.state.review import MySessionsState as S


@rx.page(route="/sessions", title="Coach - my sessions", on_load=[AuthState.require_login, S.load])
def my_sessions() -> rx.Component:
    return page(
        error_or(
            S.page_error,
            rx.vstack(
                rx.hstack(
                    rx.heading("My sessions", size="7", id="my-sessions-title"),
                    rx.spacer(),
                    rx.link(rx.button(rx.icon("play", size=14), "Practise a scenario"), href="/scenarios"),
                    width="100%",
                    align="center",
                ),
                rx.cond(
                    S.loaded & (S.total == 0),
                    rx.callout(
                        "You have no sessions yet: pick a scenario and start a call.", icon="info", id="no-history"
                    ),
                ),
                rx.cond(
                    S.total > 0,
                    rx.vstack(
                        rx.heading("History", size="5"),
                        sessions_table(S, show_trainee=False, trainee_links=False, table_id="my-sessions-table"),
                        rx.heading("Progress", size="5"),
                        trend_grid(S),
                        width="100%",
                        spacing="4",
                    ),
                ),
                spacing="5",
                width="100%",
            ),
        )
    )
