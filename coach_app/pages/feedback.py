"""Feedback for one session: `/sessions/[session_id]/feedback`."""

from __future__ import annotations

import reflex as rx

from coach_app.components.charts import PERSONA_COLOR, TRAINEE_COLOR, chart_card, status_badge
from coach_app.components.layout import page
from coach_app.state.auth import AuthState
from coach_app.state.feedback import ActionView, FeedbackState, MetricView, ObjectiveView, QuoteView, RunView, TurnView
from coach_app.textlimits import COMMENT_MAX

S = FeedbackState


# --- header and score ---------------------------------------------------------------------------


def header() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.link(rx.hstack(rx.icon("arrow-left", size=14), rx.text("My sessions"), spacing="1", align="center"),
                    href="/sessions", size="2", color_scheme="gray"),
            rx.cond(AuthState.is_manager,
                    rx.link("Review", href="/review", size="2", color_scheme="gray")),
            spacing="4",
        ),
        rx.heading(S.scenario, " \u2013 ", S.persona_name, size="7", id="feedback-title"),
        rx.hstack(
            rx.text(S.trainee, weight="medium", id="feedback-trainee"),
            rx.text("\u00b7", color_scheme="gray"),
            rx.text(S.date, " UTC", color_scheme="gray"),
            rx.text("\u00b7", color_scheme="gray"),
            rx.text(S.duration, color_scheme="gray", id="feedback-duration"),
            status_badge(S.call_status, id="call-status"),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        spacing="2",
        width="100%",
    )


def progress_panel() -> rx.Component:
    return rx.callout.root(
        rx.hstack(
            rx.spinner(size="3"),
            rx.vstack(
                rx.text("Evaluating this call\u2026", weight="bold"),
                rx.text("Scores and speaking analytics appear here as soon as they are ready; "
                        "this usually takes a few seconds.", size="2"),
                spacing="1",
            ),
            spacing="3",
            align="center",
        ),
        color_scheme="blue",
        id="evaluation-progress",
        width="100%",
    )


def score_panel() -> rx.Component:
    verdict = rx.cond(
        S.verdict != "",
        rx.badge(
            rx.icon(rx.cond(S.verdict == "passed", "circle-check", "circle-x"), size=16),
            rx.cond(S.verdict == "passed", "Passed", "Not passed"),
            color_scheme=rx.cond(S.verdict == "passed", "green", "red"),
            size="3",
            variant="solid",
            id="pass-badge",
            custom_attrs={"data-verdict": S.verdict},
        ),
    )
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text("Overall score", size="2", color_scheme="gray"),
                rx.hstack(
                    rx.heading(S.score, size="9", id="overall-score"),
                    rx.text("/ 100", size="4", color_scheme="gray"),
                    align="baseline",
                    spacing="2",
                ),
                spacing="1",
            ),
            rx.vstack(
                verdict,
                rx.text("Pass mark ", S.pass_mark, size="2", color_scheme="gray", id="pass-mark"),
                rx.cond(
                    S.overridden,
                    rx.text("Set by a manager (the judge scored ", S.machine_score, ")", size="2",
                            color_scheme="amber", id="override-note"),
                ),
                spacing="2",
                align="start",
            ),
            rx.spacer(),
            rx.cond(
                S.judge_model != "",
                rx.text("Judge: ", S.judge_model, " \u00b7 ", S.prompt_version, size="1", color_scheme="gray",
                        id="judge-model"),
            ),
            align="center",
            spacing="6",
            width="100%",
            wrap="wrap",
        ),
        width="100%",
        size="3",
    )


def status_messages() -> rx.Component:
    return rx.vstack(
        rx.cond(S.is_evaluating, progress_panel()),
        rx.cond(
            S.eval_status == "call_open",
            rx.callout("This call has not ended yet: feedback appears when it is over.", icon="phone",
                       color_scheme="gray", id="call-open", width="100%"),
        ),
        rx.cond(
            S.eval_status == "failed",
            rx.callout.root(
                rx.callout.icon(rx.icon("triangle-alert")),
                rx.callout.text(rx.text.strong("The evaluation failed: "), S.eval_error),
                rx.cond(S.has_analytics, rx.callout.text("The speaking analytics below were saved.", size="1")),
                color_scheme="red", id="evaluation-error", width="100%",
            ),
        ),
        rx.cond(
            S.eval_status == "stale",
            rx.callout("The evaluation stopped before it finished. A manager can run it again.",
                       icon="triangle-alert", color_scheme="amber", id="evaluation-stale", width="100%"),
        ),
        rx.cond(S.note != "", rx.callout(S.note, icon="info", color_scheme="amber", id="evaluation-note", width="100%")),
        width="100%",
        spacing="3",
    )


# --- objectives ---------------------------------------------------------------------------------


def quote_link(q: QuoteView) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon("quote", size=14, flex_shrink="0", margin_top="3px"),
            rx.text("\u201c", q.text, "\u201d", size="2"),
            rx.text("turn ", q.seq, size="1", color_scheme="gray", white_space="nowrap"),
            spacing="2",
            align="start",
        ),
        href=q.href,
        class_name="quote-link",
        custom_attrs={"data-seq": q.seq},
        underline="hover",
        color_scheme="gray",
        high_contrast=True,
    )


def objective_card(o: ObjectiveView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(o.description, weight="bold", size="3"),
                rx.spacer(),
                rx.badge(o.score, size="3", variant="soft", class_name="objective-score",
                         color_scheme=rx.cond(o.score_value >= 70, "green", rx.cond(o.score_value >= 40, "amber", "red"))),
                width="100%",
                align="start",
            ),
            rx.progress(value=o.score_value.to(int), max=100, size="1", width="100%"),
            rx.text("Weight ", o.weight, "%", size="1", color_scheme="gray"),
            rx.text(o.rationale, size="2", class_name="objective-rationale"),
            rx.cond(
                o.quotes.length() > 0,
                rx.vstack(rx.foreach(o.quotes, quote_link), spacing="1", width="100%"),
                rx.text("No quotes from the transcript.", size="1", color_scheme="gray"),
            ),
            rx.cond(
                o.invented.length() > 0,
                rx.box(
                    rx.text("Quoted by the judge but not in the transcript (ignored):", size="1", color_scheme="red"),
                    rx.foreach(o.invented, lambda t: rx.text("\u201c", t, "\u201d", size="1", color_scheme="red",
                                                               class_name="invented-quote", text_decoration="line-through")),
                    width="100%",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        class_name="objective-card",
        custom_attrs={"data-objective": o.id},
        width="100%",
    )


def objectives_section() -> rx.Component:
    return rx.cond(
        S.objectives.length() > 0,
        rx.vstack(
            rx.heading("Objectives", size="5"),
            rx.grid(rx.foreach(S.objectives, objective_card), columns=rx.breakpoints(initial="1", md="2"),
                    spacing="4", width="100%"),
            spacing="3",
            width="100%",
            id="objectives",
        ),
    )


# --- analytics ------------------------------------------------------------------------------------


def metric_card(m: MetricView) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.text(m.label, size="1", color_scheme="gray"),
            rx.text(m.value, size="6", weight="bold", class_name="metric-value"),
            rx.text(m.hint, size="1", color_scheme="gray"),
            spacing="1",
        ),
        class_name="metric-card",
        custom_attrs={"data-metric": m.key},
    )


def charts() -> rx.Component:
    talk = rx.recharts.pie_chart(
        rx.recharts.pie(
            rx.recharts.cell(fill=TRAINEE_COLOR),
            rx.recharts.cell(fill=PERSONA_COLOR),
            data=S.talk_chart,
            data_key="seconds",
            name_key="name",
            inner_radius="45%",
            outer_radius="80%",
            is_animation_active=False,
            label=True,
        ),
        rx.recharts.legend(),
        rx.recharts.graphing_tooltip(),
        width="100%",
        height=220,
    )
    pace = rx.recharts.line_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="minute", name="Minute", tick={"fontSize": 11}),
        rx.recharts.y_axis(unit="", width=40, tick={"fontSize": 11}),
        rx.recharts.graphing_tooltip(),
        rx.recharts.line(data_key="wpm", name="Words per minute", stroke=TRAINEE_COLOR, stroke_width=2,
                         is_animation_active=False),
        data=S.pace_chart,
        width="100%",
        height=220,
    )
    latency = rx.recharts.composed_chart(
        rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
        rx.recharts.x_axis(data_key="turn", tick={"fontSize": 11}),
        rx.recharts.y_axis(unit=" s", width=56, tick={"fontSize": 11}),
        rx.recharts.graphing_tooltip(),
        rx.recharts.legend(),
        rx.recharts.bar(data_key="eou", name="End of turn", stack_id="a", fill="var(--gray-8)", is_animation_active=False),
        rx.recharts.bar(data_key="llm", name="LLM first token", stack_id="a", fill="var(--indigo-8)", is_animation_active=False),
        rx.recharts.bar(data_key="tts", name="TTS first audio", stack_id="a", fill="var(--orange-8)", is_animation_active=False),
        rx.recharts.line(data_key="e2e", name="Voice to voice", stroke="var(--crimson-9)", stroke_width=2,
                         is_animation_active=False),
        data=S.latency_chart,
        width="100%",
        height=240,
    )
    return rx.grid(
        chart_card("Talk time", talk, S.talk_chart.length() == 0, "No speech recorded.", id="chart-talk"),
        chart_card("Pace over the call (words per minute)", pace, S.pace_chart.length() == 0,
                   "No speech recorded.", id="chart-pace"),
        chart_card("Persona latency per turn", latency, S.latency_chart.length() == 0,
                   "No latency metrics were recorded for this call.", id="chart-latency", grid_column="1 / -1"),
        columns=rx.breakpoints(initial="1", md="2"),
        spacing="4",
        width="100%",
    )


def analytics_section() -> rx.Component:
    return rx.cond(
        S.has_analytics,
        rx.vstack(
            rx.heading("How you spoke", size="5"),
            rx.grid(rx.foreach(S.metrics, metric_card), columns=rx.breakpoints(initial="2", sm="4"), spacing="3",
                    width="100%", id="metrics"),
            charts(),
            spacing="3",
            width="100%",
            id="analytics",
        ),
    )


# --- transcript ----------------------------------------------------------------------------------


def transcript_turn(t: TurnView) -> rx.Component:
    is_trainee = t.speaker == "trainee"
    return rx.box(
        rx.hstack(
            rx.text(t.who, weight="bold", size="2", class_name="turn-speaker"),
            rx.text(t.at, size="1", color_scheme="gray"),
            rx.text("#", t.seq, size="1", color_scheme="gray"),
            spacing="2",
            align="baseline",
        ),
        rx.text(t.text, size="2", class_name="turn-text", white_space="pre-wrap"),
        id=t.anchor,
        class_name="transcript-turn",
        custom_attrs={"data-speaker": t.speaker, "data-quoted": rx.cond(t.quoted, "true", "false")},
        background=rx.cond(is_trainee, "var(--teal-3)", "var(--gray-3)"),
        border_left=rx.cond(t.quoted, "3px solid var(--amber-9)", "3px solid transparent"),
        margin_left=rx.cond(is_trainee, "3em", "0"),
        margin_right=rx.cond(is_trainee, "0", "3em"),
        padding="0.6em 0.9em",
        border_radius="var(--radius-3)",
        scroll_margin_top="5em",
        style={"&:target": {"outline": "2px solid var(--amber-9)"}},
    )


def transcript_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Transcript", size="5"),
        rx.cond(
            S.transcript.length() == 0,
            rx.text("No turns were recorded.", color_scheme="gray"),
            rx.vstack(rx.foreach(S.transcript, transcript_turn), spacing="2", width="100%"),
        ),
        spacing="3",
        width="100%",
        id="transcript",
    )


# --- cost, comments, manager tools -----------------------------------------------------------------


def cost_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(rx.text("Cost of this session", weight="bold"), rx.spacer(),
                      rx.text(S.cost_total, weight="bold", id="cost-total"), width="100%"),
            rx.table.root(
                rx.table.body(
                    rx.foreach(S.cost_lines, lambda c: rx.table.row(
                        rx.table.cell(c.item), rx.table.cell(c.usage),
                        rx.table.cell(c.price, color=rx.cond(c.local, "var(--green-11)", "var(--gray-10)")),
                        rx.table.cell(c.cost, text_align="right"),
                        class_name="cost-line",
                        custom_attrs={"data-local": rx.cond(c.local, "true", "false")},
                    )),
                ),
                size="1",
                width="100%",
            ),
            spacing="2",
            width="100%",
        ),
        width="100%",
        id="cost",
    )


def action_item(a: ActionView) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.badge(rx.cond(a.kind == "override", "Score override", "Comment"),
                     color_scheme=rx.cond(a.kind == "override", "amber", "blue"), variant="soft"),
            rx.text(a.who, weight="medium", size="2"),
            rx.text(a.when, " UTC", size="1", color_scheme="gray"),
            rx.cond(a.kind == "override", rx.text(a.old, " \u2192 ", a.new, size="2", weight="bold",
                                                  class_name="override-change")),
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


def comments_section() -> rx.Component:
    return rx.cond(
        S.actions.length() > 0,
        rx.card(
            rx.vstack(
                rx.text("Manager review", weight="bold"),
                rx.foreach(S.actions, action_item),
                spacing="1",
                width="100%",
            ),
            width="100%",
            id="review-actions",
        ),
    )


def run_row(r: RunView) -> rx.Component:
    return rx.table.row(
        rx.table.cell(r.when), rx.table.cell(r.status), rx.table.cell(r.score), rx.table.cell(r.model),
        rx.table.cell(r.prompt), rx.table.cell(r.by), rx.table.cell(r.error, max_width="20em"),
        class_name="evaluation-run",
    )


def injection_flags() -> rx.Component:
    """Trainee turns that look like forged transcript lines or instructions to the judge."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("shield-alert")),
        rx.callout.text(rx.text.strong("Possible attempt to steer the evaluation. "),
                        "These turns contain text that imitates a speaker label or instructions to the judge; "
                        "quotes from that text were not accepted as evidence. Check the score."),
        rx.foreach(S.injection_flags, lambda f: rx.callout.text(
            rx.link("Turn ", f.seq, href=f.href), ": ", f.reasons, " \u2013 \u201c", f.excerpt, "\u201d",
            size="1", class_name="injection-flag", custom_attrs={"data-seq": f.seq})),
        color_scheme="red", id="injection-flags", width="100%",
    )


def manager_tools() -> rx.Component:
    return rx.cond(
        S.can_manage,
        rx.card(
            rx.vstack(
                rx.heading("Manager tools", size="4"),
                rx.cond(S.injection_flags.length() > 0, injection_flags()),
                rx.cond(S.action_error != "", rx.callout(S.action_error, color_scheme="red", icon="triangle-alert",
                                                          id="action-error", width="100%")),
                rx.cond(S.action_message != "", rx.callout(S.action_message, color_scheme="green", icon="check",
                                                            id="action-message", width="100%")),
                rx.text("Comment for the trainee", size="2", weight="medium"),
                rx.text_area(value=S.comment_draft, on_change=S.set_comment_draft, id="comment-input",
                             placeholder="What went well, what to change next time\u2026", max_length=COMMENT_MAX,
                             width="100%", rows="3"),
                rx.button("Add comment", on_click=S.submit_comment, id="comment-submit", variant="soft"),
                rx.separator(size="4"),
                rx.text("Override the overall score", size="2", weight="medium"),
                rx.hstack(
                    rx.input(value=S.override_draft, on_change=S.set_override_draft, id="override-score",
                             placeholder="0-100", width="7em", input_mode="decimal"),
                    rx.input(value=S.override_reason, on_change=S.set_override_reason, id="override-reason",
                             placeholder="Reason (optional)", flex="1", max_length=COMMENT_MAX),
                    rx.button("Set score", on_click=S.submit_override, id="override-submit", color_scheme="amber"),
                    width="100%",
                    spacing="2",
                ),
                rx.separator(size="4"),
                rx.hstack(
                    rx.button(rx.icon("refresh-cw", size=14), "Re-run evaluation", on_click=S.rerun,
                              id="rerun-evaluation", variant="outline", loading=S.is_evaluating),
                    rx.text("Keeps the earlier results below.", size="1", color_scheme="gray"),
                    align="center",
                    spacing="3",
                ),
                rx.cond(
                    S.runs.length() > 0,
                    rx.table.root(
                        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in
                                                       ("When (UTC)", "Status", "Score", "Judge", "Prompt", "By", "Error")])),
                        rx.table.body(rx.foreach(S.runs, run_row)),
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


def content() -> rx.Component:
    return rx.vstack(
        header(),
        status_messages(),
        rx.cond(S.score != "-", score_panel()),
        objectives_section(),
        analytics_section(),
        comments_section(),
        manager_tools(),
        transcript_section(),
        cost_section(),
        spacing="5",
        width="100%",
        id="feedback-page",
        custom_attrs={"data-status": S.eval_status},
    )


@rx.page(route="/sessions/[session_id]/feedback", title="Coach - feedback",
         on_load=[AuthState.require_login, FeedbackState.load])
def feedback_page() -> rx.Component:
    return page(
        rx.cond(
            S.page_error != "",
            rx.callout(S.page_error, icon="triangle-alert", color_scheme="red", id="page-error"),
            rx.cond(S.loaded, content(), rx.center(rx.spinner(size="3"), padding="4em")),
        )
    )
