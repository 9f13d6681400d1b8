"""A scenario's brief, read before calling: `/scenarios/[persona_id]`."""

from __future__ import annotations

import reflex as rx

from coach_app.calls.recordings import RECORDED_NOTICE
from coach_app.components.layout import page
from coach_app.components.scenario import difficulty_badge, meta_item
from coach_app.state.auth import AuthState
from coach_app.state.scenarios import ObjectiveRow, ScenarioState


def back_link() -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("arrow-left", size=16), rx.text("All scenarios"), spacing="1", align="center"),
        href="/scenarios",
        size="2",
        color_scheme="gray",
        id="back-to-scenarios",
    )


def section(title: str, *children: rx.Component, **props) -> rx.Component:
    return rx.vstack(rx.heading(title, size="4"), *children, spacing="2", width="100%", **props)


def objective_row(obj: ObjectiveRow) -> rx.Component:
    return rx.hstack(
        rx.badge(
            obj.weight.to_string() + "%", variant="surface", size="2", min_width="3.2em", justify_content="center"
        ),
        rx.text(obj.description, size="2"),
        spacing="3",
        align="start",
        width="100%",
        class_name="objective",
    )


def header() -> rx.Component:
    return rx.vstack(
        back_link(),
        rx.text(ScenarioState.scenario, size="3", weight="medium", color="var(--accent-11)", padding_top="0.5em"),
        rx.heading(ScenarioState.name, size="7", id="persona-name"),
        rx.text(ScenarioState.role, size="3", color_scheme="gray"),
        rx.hstack(
            difficulty_badge(ScenarioState.difficulty, size="2"),
            meta_item("languages", ScenarioState.language_name + " · " + ScenarioState.language),
            meta_item("clock", "Up to " + ScenarioState.minutes.to_string() + " min"),
            spacing="4",
            align="center",
            padding_top="0.25em",
            wrap="wrap",
        ),
        spacing="1",
        width="100%",
    )


def brief_column() -> rx.Component:
    return rx.vstack(
        section("The situation", rx.text(ScenarioState.situation, size="3"), id="situation"),
        section("You are", rx.text(ScenarioState.trainee_role, size="3"), id="your-role"),
        section(
            "What you know before the call",
            rx.unordered_list(
                rx.foreach(ScenarioState.trainee_knows, lambda fact: rx.list_item(rx.text(fact, size="3"))),
                padding_left="1em",
            ),
            id="what-you-know",
        ),
        spacing="6",
        width="100%",
    )


def recorded_notice() -> rx.Component:
    return rx.hstack(
        rx.icon("mic", size=14, color="var(--red-10)"),
        rx.text(RECORDED_NOTICE + " You can play it back on the feedback page.", size="1", color_scheme="gray"),
        spacing="1",
        align="center",
        id="recorded-notice",
    )


def scoring_card() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("You will be scored on", size="4"),
            rx.vstack(rx.foreach(ScenarioState.objectives, objective_row), spacing="3", width="100%", id="objectives"),
            rx.text(
                "Pass mark: " + ScenarioState.pass_mark.to_string() + "%", size="2", color_scheme="gray", id="pass-mark"
            ),
            rx.separator(size="4"),
            rx.button(
                rx.icon("phone", size=18),
                "Start the call",
                on_click=ScenarioState.start_call,
                id="start-call",
                size="3",
                width="100%",
            ),
            rx.text(
                "Speak as you would on a real call. Headphones help the persona hear you clearly.",
                size="1",
                color_scheme="gray",
            ),
            rx.cond(ScenarioState.recorded, recorded_notice()),
            spacing="4",
            width="100%",
        ),
        size=rx.breakpoints(initial="2", sm="3"),
        width="100%",
    )


def not_found() -> rx.Component:
    return rx.center(
        rx.card(
            rx.vstack(
                rx.icon("map-pin-off", size=32, color="var(--gray-9)"),
                rx.heading("Scenario not found", size="6"),
                rx.text(
                    "There is no scenario called \u201c",
                    ScenarioState.requested_id,
                    "\u201d. It may have been renamed or removed, or its file may have an error.",
                    color_scheme="gray",
                    align="center",
                ),
                rx.link(rx.button("Back to all scenarios", variant="soft"), href="/scenarios", id="back-to-scenarios"),
                align="center",
                spacing="3",
            ),
            size="4",
            max_width="32em",
            id="scenario-not-found",
        ),
        padding_top="3em",
    )


def brief() -> rx.Component:
    return rx.vstack(
        header(),
        rx.grid(
            brief_column(),
            rx.box(scoring_card(), position=rx.breakpoints(initial="static", md="sticky"), top="1.5em"),
            columns=rx.breakpoints(initial="1", md="3fr 2fr"),
            spacing="7",
            width="100%",
            align_items="start",
        ),
        spacing="6",
        width="100%",
        id="scenario-brief",
    )


@rx.page(
    route="/scenarios/[persona_id]",
    title="Scenario brief - Coach",
    on_load=[AuthState.require_login, ScenarioState.load],
)
def scenario_page() -> rx.Component:
    return page(
        rx.cond(
            ScenarioState.loaded,
            rx.cond(ScenarioState.found, brief(), not_found()),
            rx.center(rx.spinner(size="3"), padding_top="4em"),
        ),
    )
