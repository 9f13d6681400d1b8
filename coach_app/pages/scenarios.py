"""The scenario catalogue: `/scenarios`."""

from __future__ import annotations

import reflex as rx

from coach_app.components.assigned import assigned_to_you
from coach_app.components.layout import page
from coach_app.components.scenario import difficulty_badge, meta_item
from coach_app.state.assignments import AssignedState
from coach_app.state.auth import AuthState
from coach_app.state.scenarios import ALL, CatalogueState, ScenarioCard


def scenario_card(card: ScenarioCard) -> rx.Component:
    return rx.link(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.text(
                        card.scenario, size="2", weight="medium", color="var(--accent-11)", class_name="card-scenario"
                    ),
                    rx.spacer(),
                    difficulty_badge(card.difficulty),
                    width="100%",
                    align="center",
                ),
                rx.heading(card.name, size="4", class_name="card-name"),
                rx.text(card.role, size="2", color_scheme="gray", trim="both"),
                rx.text(card.brief, size="2", class_name="card-brief", padding_top="0.25em"),
                rx.spacer(),
                rx.hstack(
                    meta_item("languages", card.language_name + " · " + card.language),
                    meta_item("clock", card.minutes.to_string() + " min"),
                    spacing="4",
                    padding_top="0.5em",
                    wrap="wrap",
                ),
                spacing="2",
                height="100%",
            ),
            size="2",
            height="100%",
            class_name="scenario-card",
            _hover={"box_shadow": "0 0 0 1px var(--accent-8)"},
        ),
        href="/scenarios/" + card.id,
        underline="none",
        high_contrast=True,
        id="scenario-card-" + card.id,
        custom_attrs={"data-difficulty": card.difficulty, "data-language": card.language},
    )


def filters() -> rx.Component:
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            placeholder="Search by name, situation or brief",
            value=CatalogueState.query,
            on_change=CatalogueState.set_query,
            id="scenario-search",
            max_length=100,
            width=rx.breakpoints(initial="100%", sm="20em"),
        ),
        rx.segmented_control.root(
            rx.segmented_control.item("All", value=ALL),
            rx.segmented_control.item("Easy", value="easy"),
            rx.segmented_control.item("Medium", value="medium"),
            rx.segmented_control.item("Hard", value="hard"),
            value=CatalogueState.difficulty,
            on_change=CatalogueState.set_difficulty,
            id="difficulty-filter",
        ),
        rx.select.root(
            rx.select.trigger(placeholder="Language", id="language-filter", aria_label="Language"),
            rx.select.content(
                rx.select.item("All languages", value=ALL),
                rx.foreach(CatalogueState.languages, lambda lang: rx.select.item(lang, value=lang)),
            ),
            value=CatalogueState.language,
            on_change=CatalogueState.set_language,
        ),
        spacing="3",
        align="center",
        wrap="wrap",
        width="100%",
    )


def unavailable_callout() -> rx.Component:
    return rx.cond(
        CatalogueState.unavailable > 0,
        rx.callout.root(
            rx.callout.icon(rx.icon("file-warning")),
            rx.vstack(
                rx.text(CatalogueState.unavailable_note, weight="medium", id="unavailable-note"),
                rx.cond(
                    CatalogueState.error_lines.length() > 0,
                    rx.vstack(
                        rx.foreach(CatalogueState.error_lines, lambda line: rx.code(line, variant="ghost", size="1")),
                        rx.text("Run `coach personas check` to see every problem.", size="1"),
                        spacing="1",
                        id="unavailable-details",
                    ),
                    rx.text("The other scenarios work normally; your manager has been told how to fix it.", size="1"),
                ),
                spacing="1",
            ),
            color_scheme="amber",
            variant="surface",
            width="100%",
        ),
    )


def empty_results() -> rx.Component:
    return rx.center(
        rx.vstack(
            rx.icon("search-x", size=28, color="var(--gray-9)"),
            rx.text("No scenario matches these filters.", color_scheme="gray"),
            rx.button("Clear filters", on_click=CatalogueState.clear_filters, variant="soft", id="clear-filters"),
            align="center",
            spacing="2",
        ),
        padding_y="3em",
        width="100%",
        id="no-results",
    )


@rx.page(
    route="/scenarios",
    title="Scenarios - Coach",
    on_load=[AuthState.require_login, CatalogueState.load, AssignedState.load],
)
def scenarios_page() -> rx.Component:
    return page(
        rx.vstack(
            rx.vstack(
                rx.heading("Scenarios", size="7"),
                rx.text(
                    "Pick a customer and a situation. Read the brief, then call when you are ready.",
                    color_scheme="gray",
                    size="3",
                ),
                spacing="1",
            ),
            assigned_to_you(),
            rx.cond(
                AuthState.is_manager,
                rx.link("Edit scenarios and assignments", href="/manage/scenarios", id="to-editor", size="2"),
            ),
            unavailable_callout(),
            filters(),
            rx.text(CatalogueState.result_count, size="2", color_scheme="gray", id="result-count"),
            rx.cond(
                CatalogueState.visible.length() > 0,
                rx.grid(
                    rx.foreach(CatalogueState.visible, scenario_card),
                    columns=rx.breakpoints(initial="1", sm="2", lg="3"),
                    spacing="4",
                    width="100%",
                    id="scenario-grid",
                ),
                rx.cond(CatalogueState.loaded, empty_results()),
            ),
            spacing="4",
            width="100%",
        )
    )
