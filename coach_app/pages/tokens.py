"""/account/tokens: personal API tokens for scripts (Authorization: Bearer ...)."""

import reflex as rx

from coach_app.components.layout import page
from coach_app.state.auth import AuthState
from coach_app.state.tokens import TokensState
from coach_app.textlimits import TOKEN_NAME_MAX


def token_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(row["name"], class_name="token-name")),
        rx.table.cell(rx.code(row["prefix"] + "…")),
        rx.table.cell(row["created"]),
        rx.table.cell(row["last_used"]),
        rx.table.cell(row["status"], class_name="token-status"),
        rx.table.cell(
            rx.cond(
                row["status"] == "active",
                rx.button("Revoke", size="1", color_scheme="red", variant="soft",
                          on_click=TokensState.revoke(row["id"]), class_name="revoke-token"),
            )
        ),
    )


@rx.page(route="/account/tokens", title="API tokens - Coach", on_load=[AuthState.require_login, TokensState.load])
def tokens_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("API tokens", size="6"),
            rx.text(
                "Scripts use a personal token to call the HTTP API as you, e.g. ",
                rx.code("curl -H 'Authorization: Bearer <token>' <app>/api/me"),
                ". A token can do everything you can; revoke it when it is no longer needed.",
                color_scheme="gray",
            ),
            rx.form(
                rx.hstack(
                    rx.input(name="name", id="token-name", placeholder="What is it for? (e.g. nightly export)",
                             max_length=TOKEN_NAME_MAX, width="24em"),
                    rx.button("Create token", type="submit", id="create-token"),
                    align="center",
                ),
                on_submit=TokensState.create,
                reset_on_submit=True,
            ),
            rx.cond(
                TokensState.error != "",
                rx.callout(TokensState.error, icon="triangle-alert", color_scheme="red", id="token-error"),
            ),
            rx.cond(
                TokensState.created_token != "",
                rx.callout(
                    rx.vstack(
                        rx.text("Your new token. Copy it now: it will not be shown again."),
                        rx.code(TokensState.created_token, id="new-token", size="3"),
                        rx.button("Done", size="1", variant="soft", on_click=TokensState.dismiss),
                    ),
                    icon="key-round",
                    color_scheme="green",
                ),
            ),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[rx.table.column_header_cell(h) for h in ("Name", "Token", "Created", "Last used", "Status", "")]
                    )
                ),
                rx.table.body(rx.foreach(TokensState.tokens, token_row)),
                id="token-table",
                width="100%",
            ),
            spacing="4",
            width="100%",
        )
    )
