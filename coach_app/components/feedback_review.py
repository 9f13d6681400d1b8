"""The manager's part of the feedback page: review history, comment, override, re-run, evaluation runs.

Shown to managers of the trainee's team and admins (`FeedbackState.can_manage`); every handler
behind these buttons checks `access.can_manage_session` again.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from coach_app.feedback.page_views import ActionView, RunView
from coach_app.models import ReviewKind
from coach_app.textlimits import COMMENT_MAX

OVERRIDE = ReviewKind.override.value


def action_item(a: ActionView) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.badge(
                rx.cond(a.kind == OVERRIDE, "Score override", "Comment"),
                color_scheme=rx.cond(a.kind == OVERRIDE, "amber", "blue"),
                variant="soft",
            ),
            rx.text(a.who, weight="medium", size="2"),
            rx.text(a.when, " UTC", size="1", color_scheme="gray"),
            rx.cond(
                a.kind == OVERRIDE,
                rx.text(a.old, " \u2192 ", a.new, size="2", weight="bold", class_name="override-change"),
            ),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.cond(a.comment != "", rx.text(a.comment, size="2", white_space="pre-wrap", class_name="action-comment")),
        class_name="review-action",
        custom_attrs={"data-kind": a.kind},
        padding_y="0.5em",
        border_bottom="1px solid var(--gray-a4)",
        width="100%",
    )


def comments_section(actions: Any) -> rx.Component:
    return rx.cond(
        actions.length() > 0,
        rx.card(
            rx.vstack(
                rx.text("Manager review", weight="bold"),
                rx.foreach(actions, action_item),
                spacing="1",
                width="100%",
            ),
            width="100%",
            id="review-actions",
        ),
    )


def run_row(r: RunView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r.when),
        rx.table.cell(r.status),
        rx.table.cell(r.score),
        rx.table.cell(r.model),
        rx.table.cell(r.prompt),
        rx.table.cell(r.by),
        rx.table.cell(r.error, max_width="20em"),
        class_name="evaluation-run",
    )


def injection_flags(flags: Any) -> rx.Component:
    """Trainee turns that look like forged transcript lines or instructions to the judge."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("shield-alert")),
        rx.callout.text(
            rx.text.strong("Possible attempt to steer the evaluation. "),
            "These turns contain text that imitates a speaker label or instructions to the judge; "
            "quotes from that text were not accepted as evidence. Check the score.",
        ),
        rx.foreach(
            flags,
            lambda f: rx.callout.text(
                rx.link("Turn ", f.seq, href=f.href),
                ": ",
                f.reasons,
                " \u2013 \u201c",
                f.excerpt,
                "\u201d",
                size="1",
                class_name="injection-flag",
                custom_attrs={"data-seq": f.seq},
            ),
        ),
        color_scheme="red",
        id="injection-flags",
        width="100%",
    )


def notice(message: Any, color: str, icon: str, id: str) -> rx.Component:
    """A callout with the handler's last message, shown only while there is one."""
    return rx.cond(message != "", rx.callout(message, color_scheme=color, icon=icon, id=id, width="100%"))


def manager_tools(S: Any) -> rx.Component:
    """`S` is FeedbackState: the tools show for managers of this trainee only (`can_manage`)."""
    return rx.cond(
        S.can_manage,
        rx.card(
            rx.vstack(
                rx.heading("Manager tools", size="4"),
                rx.cond(S.page.flags.length() > 0, injection_flags(S.page.flags)),
                notice(S.action_error, "red", "triangle-alert", "action-error"),
                notice(S.action_message, "green", "check", "action-message"),
                rx.text("Comment for the trainee", size="2", weight="medium"),
                rx.text_area(
                    value=S.comment_draft,
                    on_change=S.set_comment_draft,
                    id="comment-input",
                    placeholder="What went well, what to change next time\u2026",
                    max_length=COMMENT_MAX,
                    width="100%",
                    rows="3",
                ),
                rx.button("Add comment", on_click=S.submit_comment, id="comment-submit", variant="soft"),
                rx.separator(size="4"),
                rx.text("Override the overall score", size="2", weight="medium"),
                rx.hstack(
                    rx.input(
                        value=S.override_draft,
                        on_change=S.set_override_draft,
                        id="override-score",
                        placeholder="0-100",
                        width="7em",
                        input_mode="decimal",
                    ),
                    rx.input(
                        value=S.override_reason,
                        on_change=S.set_override_reason,
                        id="override-reason",
                        placeholder="Reason (optional)",
                        flex="1",
                        max_length=COMMENT_MAX,
                    ),
                    rx.button("Set score", on_click=S.submit_override, id="override-submit", color_scheme="amber"),
                    width="100%",
                    spacing="2",
                ),
                rx.separator(size="4"),
                rx.hstack(
                    rx.button(
                        rx.icon("refresh-cw", size=14),
                        "Re-run evaluation",
                        on_click=S.rerun,
                        id="rerun-evaluation",
                        variant="outline",
                        loading=S.is_evaluating,
                    ),
                    rx.text("Keeps the earlier results below.", size="1", color_scheme="gray"),
                    align="center",
                    spacing="3",
                ),
                rx.cond(
                    S.page.history.length() > 0,
                    rx.table.root(
                        rx.table.header(
                            rx.table.row(
                                *[
                                    rx.table.column_header_cell(h)
                                    for h in ("When (UTC)", "Status", "Score", "Judge", "Prompt", "By", "Error")
                                ]
                            )
                        ),
                        rx.table.body(rx.foreach(S.page.history, run_row)),
                        size="1",
                        width="100%",
                        id="evaluation-history",
                    ),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="manager-tools",
        ),
    )
