import reflex as rx

from coach_app.components.assigned import assigned_to_you
from coach_app.components.layout import page
from coach_app.state.assignments import AssignedState
from coach_app.state.auth import AuthState


def feature(icon: str, title: str, text: str, href: str) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.icon(icon, size=26, color="var(--accent-9)"),
                rx.heading(title, size="4"),
                rx.text(text, color_scheme="gray", size="2"),
                spacing="2",
            ),
            size="3",
            width="100%",
        ),
        href=href,
        underline="none",
        width="100%",
    )


@rx.page(route="/", title="Coach - practise hard conversations", on_load=[AuthState.refresh_user, AssignedState.load])
def index() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("Coach", size="8", id="product-name"),
            rx.text(
                "Practise hard customer conversations out loud with an AI persona that stays in "
                "character, then get scored feedback with quotes from your own words.",
                size="4",
                color_scheme="gray",
                max_width="40em",
            ),
            assigned_to_you(),
            rx.grid(
                feature("library", "Scenarios", "Pick a customer and a situation to practise.", "/scenarios"),
                feature("history", "My sessions", "Your calls, scores and progress over time.", "/sessions"),
                rx.cond(
                    AuthState.is_manager,
                    feature("clipboard-check", "Review", "Your team's sessions, trends and feedback.", "/review"),
                ),
                rx.cond(
                    AuthState.is_manager,
                    feature(
                        "pencil", "Programme", "Write scenarios and assign them with due dates.", "/manage/scenarios"
                    ),
                ),
                columns=rx.breakpoints(initial="1", sm="3"),
                spacing="4",
                width="100%",
                padding_top="1em",
            ),
            spacing="4",
        )
    )
