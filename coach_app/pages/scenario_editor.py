"""Scenario authoring for managers and admins: `/manage/scenarios` and `/manage/scenarios/[slug]`."""

from __future__ import annotations

import reflex as rx

from coach_app.components.charts import error_or
from coach_app.components.layout import page
from coach_app.personas.schema import DIFFICULTIES
from coach_app.programmes import editor_form
from coach_app.state.auth import AuthState
from coach_app.state.scenario_editor import ManageScenariosState as L
from coach_app.state.scenario_editor import ScenarioEditorState as S


def _row(r) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(r.name, href="/manage/scenarios/" + r.id)),
        rx.table.cell(r.id),
        rx.table.cell(r.scenario),
        rx.table.cell(r.team),
        rx.table.cell(r.version),
        rx.table.cell(r.status),
        rx.table.cell(r.updated),
        id="manage-row-" + r.id,
    )


@rx.page(route="/manage/scenarios", title="Coach - edit scenarios", on_load=[AuthState.require_manager, L.load])
def manage_scenarios() -> rx.Component:
    return page(
        rx.vstack(
            rx.heading("Scenarios you edit", size="7", id="manage-scenarios-title"),
            rx.hstack(
                rx.text("New scenario from a template:", size="2"),
                rx.foreach(
                    L.templates,
                    lambda t: rx.link(
                        rx.button(t[1], variant="soft", size="2"),
                        href="/manage/scenarios/new?template=" + t[0],
                        id="new-from-" + t[0],
                    ),
                ),
                rx.link("Assignments", href="/manage/assignments", id="to-assignments", margin_left="auto"),
                spacing="3",
                align="center",
                wrap="wrap",
                width="100%",
            ),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        *[
                            rx.table.column_header_cell(h)
                            for h in ("Persona", "Id", "Scenario", "Team", "Version", "Status", "Updated")
                        ]
                    )
                ),
                rx.table.body(rx.foreach(L.rows, _row)),
                width="100%",
                id="manage-scenarios-table",
            ),
            spacing="4",
            width="100%",
        ),
        max_width="84em",
    )


def _error(box: str) -> rx.Component:
    return rx.cond(
        S.errors[box] != "",
        rx.text(S.errors[box], color_scheme="red", size="2", white_space="pre-wrap", id=f"error-{box}"),
    )


def _scalar(key: str, label: str) -> rx.Component:
    if key == "difficulty":
        control = rx.select(
            list(DIFFICULTIES),
            value=S.form[key],
            on_change=lambda v: S.set_field(key, v),
            id=f"field-{key}",
        )
    else:
        control = rx.input(value=S.form[key], on_change=lambda v: S.set_field(key, v), id=f"field-{key}", width="100%")
    return rx.vstack(rx.text(label, size="2", weight="medium"), control, _error(key), spacing="1", width="100%")


def _section(key: str, label: str) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        rx.text_area(
            value=S.form[key],
            on_change=lambda v: S.set_field(key, v),
            id=f"field-{key}",
            rows="8",
            width="100%",
            font_family="monospace",
            font_size="13px",
        ),
        _error(key),
        spacing="1",
        width="100%",
    )


def _tools() -> rx.Component:
    return rx.hstack(
        rx.button("Save", on_click=S.save, id="save-scenario"),
        rx.button("Preview instructions", on_click=S.preview, variant="soft", id="preview-scenario"),
        rx.cond(
            ~S.is_new,
            rx.hstack(
                rx.link(rx.button("Try it", variant="outline"), href="/scenarios/" + S.slug, id="try-scenario"),
                rx.button("Duplicate", on_click=S.duplicate, variant="outline", id="duplicate-scenario"),
                rx.cond(
                    S.archived,
                    rx.button("Restore", on_click=S.set_archived(False), variant="outline", id="restore-scenario"),
                    rx.button(
                        "Archive",
                        on_click=S.set_archived(True),
                        color_scheme="red",
                        variant="soft",
                        id="archive-scenario",
                    ),
                ),
                rx.button("Export YAML", on_click=S.export_yaml, variant="ghost", id="export-scenario"),
                spacing="2",
            ),
        ),
        rx.text(S.saved_note, color_scheme="green", size="2", id="saved-note"),
        spacing="3",
        align="center",
        wrap="wrap",
    )


@rx.page(
    route="/manage/scenarios/[slug]",
    title="Coach - scenario editor",
    on_load=[AuthState.require_manager, S.load],
)
def scenario_editor() -> rx.Component:
    return page(
        error_or(
            S.page_error,
            rx.vstack(
                rx.heading(S.heading, size="6", id="editor-title"),
                rx.text("Team: ", S.team, rx.cond(S.archived, " · archived", ""), color_scheme="gray", size="2"),
                rx.cond(
                    S.is_new & AuthState.is_admin,
                    rx.hstack(
                        rx.text("Team (empty: every team)", size="2"),
                        rx.input(value=S.new_team, on_change=S.set_new_team, id="field-new-team", width="12em"),
                        align="center",
                    ),
                ),
                _tools(),
                _error(editor_form.FORM),
                rx.hstack(
                    rx.text("Objectives from a template:", size="2"),
                    rx.button("Support", on_click=S.use_template("support"), size="1", variant="soft"),
                    rx.button("Sales", on_click=S.use_template("sales"), size="1", variant="soft"),
                    spacing="2",
                    align="center",
                ),
                rx.grid(
                    *[_scalar(key, label) for key, label in editor_form.SCALARS],
                    columns=rx.breakpoints(initial="1", md="2"),
                    spacing="3",
                    width="100%",
                ),
                *[_section(key, label) for key, label in editor_form.SECTIONS],
                rx.vstack(
                    rx.text("Import a persona file (YAML): paste it, then Import", size="2", weight="medium"),
                    rx.text_area(
                        value=S.import_text, on_change=S.set_import_text, id="import-yaml", rows="4", width="100%"
                    ),
                    rx.button("Import", on_click=S.import_yaml, variant="soft", size="1", id="import-scenario"),
                    spacing="1",
                    width="100%",
                ),
                rx.cond(
                    S.history.length() > 0,
                    rx.vstack(
                        rx.heading("Versions", size="4"),
                        rx.foreach(
                            S.history,
                            lambda v: rx.text(
                                "Version ",
                                v.version,
                                " by ",
                                v.author,
                                ", ",
                                v.when,
                                size="2",
                                class_name="version-row",
                            ),
                        ),
                        spacing="1",
                        id="version-history",
                    ),
                ),
                rx.cond(
                    S.preview_text != "",
                    rx.vstack(
                        rx.heading("The persona's instructions", size="4"),
                        rx.box(
                            rx.text(S.preview_text, white_space="pre-wrap", size="2", font_family="monospace"),
                            id="preview-text",
                            padding="1em",
                            background="var(--gray-a2)",
                            width="100%",
                        ),
                        width="100%",
                    ),
                ),
                spacing="4",
                width="100%",
            ),
        ),
        max_width="72em",
    )
