"""The page frame every page shares: header with navigation, content column."""

from __future__ import annotations

import reflex as rx

NAV = [
    ("Scenarios", "/scenarios"),
    ("My sessions", "/sessions"),
    ("Review", "/review"),
    ("Programme", "/manage/scenarios"),
]
MANAGER_ONLY = {"/review", "/manage/scenarios"}  # hidden from trainees (the pages check access themselves too)


def nav_link(label: str, href: str) -> rx.Component:
    return rx.link(label, href=href, size="3", weight="medium", color_scheme="gray", high_contrast=True)


def account_menu() -> rx.Component:
    from coach_app.state.auth import AuthState

    return rx.cond(
        AuthState.is_logged_in,
        rx.hstack(
            rx.link(
                rx.text(
                    AuthState.shown_name,
                    id="account-name",
                    size="2",
                    weight="medium",
                    white_space="nowrap",
                    overflow="hidden",
                    text_overflow="ellipsis",
                    display="block",
                    max_width=rx.breakpoints(initial="10em", md="16em"),
                ),
                href="/account/tokens",
                color_scheme="gray",
                high_contrast=True,
                min_width="0",
            ),
            rx.button(
                "Log out", on_click=AuthState.logout, id="logout-button", size="1", variant="soft", flex_shrink="0"
            ),
            spacing="3",
            align="center",
        ),
        rx.link("Log in", href="/login", id="login-link", size="2", weight="medium"),
    )


def header() -> rx.Component:
    """Logo, navigation, account. On a phone the navigation takes a second row of its own."""
    from coach_app.state.auth import AuthState

    return rx.flex(
        rx.link(
            rx.hstack(rx.icon("audio-lines", size=22), rx.heading("Coach", size="5"), align="center", spacing="2"),
            href="/",
            underline="none",
            high_contrast=True,
            order="1",
        ),
        rx.hstack(
            *[
                rx.cond(AuthState.is_manager, nav_link(label, href)) if href in MANAGER_ONLY else nav_link(label, href)
                for label, href in NAV
            ],
            spacing=rx.breakpoints(initial="4", md="5"),
            align="center",
            id="main-nav",
            order=rx.breakpoints(initial="3", md="2"),
            width=rx.breakpoints(initial="100%", md="auto"),
            margin_left=rx.breakpoints(initial="0", md="auto"),
        ),
        rx.box(
            account_menu(),
            id="account-slot",
            min_width="0",
            order=rx.breakpoints(initial="2", md="3"),
            margin_left=rx.breakpoints(initial="auto", md="0"),
        ),
        wrap="wrap",
        width="100%",
        padding_x=rx.breakpoints(initial="1em", sm="1.5em"),
        padding_y=rx.breakpoints(initial="0.75em", sm="1em"),
        border_bottom="1px solid var(--gray-a5)",
        align="center",
        spacing=rx.breakpoints(initial="3", md="5"),
    )


def page(*children: rx.Component, max_width: str = "72em") -> rx.Component:
    return rx.box(
        header(),
        rx.box(
            *children,
            max_width=max_width,
            margin_x="auto",
            padding_x=rx.breakpoints(initial="1em", sm="1.5em"),
            padding_y=rx.breakpoints(initial="1.25em", sm="2em"),
            width="100%",
        ),
        min_height="100vh",
        background="var(--gray-1)",
    )
