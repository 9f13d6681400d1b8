"""/account/tokens: personal API tokens for scripts (Authorization: Bearer ...)."""

import reflex as rx

from coach_app.components.layout import page
from coach_app.state.auth import AuthState, api_fetch_js
from coach_app.state.tokens import TokensState
from coach_app.textlimits import TOKEN_NAME_MAX

# The new token comes straight from `POST /api/tokens` into the page (shown once, built with
# textContent) and never passes through Reflex state, which Reflex writes to disk. The state
# only hears whether it worked, to show an error or reload the list.
_CREATE_JS = (
    "(() => { const f = document.getElementById('token-form'); "
    "const body = {name: f.elements.namedItem('name').value}; "
    f"return {api_fetch_js('/api/tokens', 'body')}.then((res) => {{ "
    "const slot = document.getElementById('new-token-slot'); slot.replaceChildren(); "
    "if (!res.ok) { return {ok: false, error: res.data.error || `The token was not created (HTTP ${res.status}).`}; } "
    "f.reset(); "
    "const box = document.createElement('div'); box.id = 'new-token-box'; "
    "Object.assign(box.style, {padding: '0.75em 1em', borderRadius: '8px', background: 'var(--green-a3)', "
    "display: 'flex', flexDirection: 'column', gap: '0.5em', alignItems: 'flex-start'}); "
    "const text = document.createElement('span'); "
    "text.textContent = 'Your new token. Copy it now: it will not be shown again.'; "
    "const code = document.createElement('code'); code.id = 'new-token'; code.textContent = res.data.token; "
    "Object.assign(code.style, {fontSize: '1.05em', wordBreak: 'break-all'}); "
    "const done = document.createElement('button'); done.type = 'button'; done.textContent = 'Done'; "
    "done.onclick = () => slot.replaceChildren(); "
    "box.append(text, code, done); slot.append(box); "
    "return {ok: true}; }); })()"
)


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
                rx.button(
                    "Revoke",
                    size="1",
                    color_scheme="red",
                    variant="soft",
                    on_click=TokensState.revoke(row["id"]),
                    class_name="revoke-token",
                ),
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
                    rx.input(
                        name="name",
                        id="token-name",
                        placeholder="What is it for? (e.g. nightly export)",
                        max_length=TOKEN_NAME_MAX,
                        width="24em",
                    ),
                    rx.button("Create token", type="submit", id="create-token"),
                    align="center",
                ),
                on_submit=rx.call_script(_CREATE_JS, callback=TokensState.created),
                reset_on_submit=False,
                id="token-form",
            ),
            rx.cond(
                TokensState.error != "",
                rx.callout(TokensState.error, icon="triangle-alert", color_scheme="red", id="token-error"),
            ),
            rx.box(id="new-token-slot"),  # filled by _CREATE_JS only
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(h)
                            for h in ("Name", "Token", "Created", "Last used", "Status", "")
                        ]
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
