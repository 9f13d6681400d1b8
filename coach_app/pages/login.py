"""/login, /logout and /forbidden."""

import reflex as rx

from coach_app.components.layout import page
from coach_app.state.auth import AuthState, api_fetch_js

# The form posts to /api/login from the browser (the password never passes through Reflex state);
# the server sets the HttpOnly cookie, and the page navigates so the new websocket carries it.
_LOGIN_JS = (
    "(() => { const f = document.getElementById('login-form'); "
    "const next = new URLSearchParams(location.search).get('next') || '/'; "
    "const body = {username: f.elements.namedItem('username').value, "
    "password: f.elements.namedItem('password').value, next}; "
    f"return {api_fetch_js('/api/login', 'body')}"
    ".then((res) => { if (res.ok) { window.location.assign(res.data.next || '/'); } return res; }); })()"
)


@rx.page(route="/login", title="Log in - Coach", on_load=AuthState.load_login_page)
def login_page() -> rx.Component:
    return page(
        rx.center(
            rx.card(
                rx.form(
                    rx.vstack(
                        rx.heading("Log in", size="6"),
                        rx.cond(
                            AuthState.login_error != "",
                            rx.callout(
                                AuthState.login_error,
                                icon="triangle-alert",
                                color_scheme="red",
                                id="login-error",
                                width="100%",
                            ),
                        ),
                        rx.text("Username", as_="label", html_for="login-username", size="2", weight="medium"),
                        rx.input(
                            name="username",
                            id="login-username",
                            auto_complete="username",
                            auto_focus=True,
                            max_length=64,
                            width="100%",
                        ),
                        rx.text("Password", as_="label", html_for="login-password", size="2", weight="medium"),
                        rx.input(
                            name="password",
                            id="login-password",
                            type="password",
                            auto_complete="current-password",
                            max_length=256,
                            width="100%",
                        ),
                        rx.button("Log in", type="submit", id="login-submit", width="100%", margin_top="0.5em"),
                        rx.text(
                            "No account? Ask your manager or administrator to create one.",
                            size="1",
                            color_scheme="gray",
                        ),
                        spacing="2",
                        width="100%",
                    ),
                    on_submit=rx.call_script(_LOGIN_JS, callback=AuthState.login_result),
                    reset_on_submit=False,
                    id="login-form",
                    width="100%",
                ),
                size="3",
                width="24em",
            ),
            padding_top="3em",
        )
    )


@rx.page(route="/logout", title="Log out - Coach", on_load=AuthState.refresh_user)
def logout_page() -> rx.Component:
    return page(
        rx.center(
            rx.vstack(
                rx.heading("Log out", size="6"),
                rx.button("Log out", on_click=AuthState.logout, id="logout-confirm"),
                align="center",
            ),
            padding_top="3em",
        )
    )


@rx.page(route="/forbidden", title="Not allowed - Coach", on_load=AuthState.refresh_user)
def forbidden_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("Not allowed", size="6", id="forbidden"),
            rx.text("Your account does not have access to that page."),
            rx.link("Back to the start page", href="/"),
            spacing="3",
        )
    )
