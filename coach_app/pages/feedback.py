"""Feedback for one session: `/sessions/[session_id]/feedback`.

Header, score, objectives and transcript are here; the speaking analytics and cost, the player,
and the manager's part (comments, override, re-run, history) are components of their own.
"""

from __future__ import annotations

import reflex as rx

from coach_app.components.charts import error_or, status_badge
from coach_app.components.feedback_analytics import analytics_section, cost_section
from coach_app.components.feedback_audio import audio_player
from coach_app.components.feedback_mood import mood_section
from coach_app.components.feedback_review import comments_section, manager_tools
from coach_app.components.layout import page
from coach_app.feedback.judge_prompt import MET_FROM, PARTLY_MET_FROM
from coach_app.feedback.page_views import CALL_OPEN, ObjectiveView, QuoteView, TurnView
from coach_app.models import FeedbackStatus, Speaker
from coach_app.state.auth import AuthState
from coach_app.state.feedback import FeedbackState

S = FeedbackState
P = S.page  # what `feedback_page_data` built
H, E = P.session, P.evaluation


# --- header and score ---------------------------------------------------------------------------


def header() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.link(
                rx.hstack(rx.icon("arrow-left", size=14), rx.text("My sessions"), spacing="1", align="center"),
                href="/sessions",
                size="2",
                color_scheme="gray",
            ),
            rx.cond(AuthState.is_manager, rx.link("Review", href="/review", size="2", color_scheme="gray")),
            spacing="4",
        ),
        rx.heading(H.scenario, " \u2013 ", H.persona_name, size="7", id="feedback-title"),
        rx.hstack(
            rx.text(H.trainee, weight="medium", id="feedback-trainee"),
            rx.text("\u00b7", color_scheme="gray"),
            rx.text(H.date, " UTC", color_scheme="gray"),
            rx.text("\u00b7", color_scheme="gray"),
            rx.text(H.duration, color_scheme="gray", id="feedback-duration"),
            status_badge(H.status, id="call-status"),
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
                rx.text(
                    "Scores and speaking analytics appear here as soon as they are ready; "
                    "this usually takes a few seconds.",
                    size="2",
                ),
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
        E.verdict != "",
        rx.badge(
            rx.icon(rx.cond(E.verdict == "passed", "circle-check", "circle-x"), size=16),
            rx.cond(E.verdict == "passed", "Passed", "Not passed"),
            color_scheme=rx.cond(E.verdict == "passed", "green", "red"),
            size="3",
            variant="solid",
            id="pass-badge",
            custom_attrs={"data-verdict": E.verdict},
        ),
    )
    return rx.card(
        rx.hstack(
            rx.vstack(
                rx.text("Overall score", size="2", color_scheme="gray"),
                rx.hstack(
                    rx.heading(E.score, size="9", id="overall-score"),
                    rx.text("/ 100", size="4", color_scheme="gray"),
                    align="baseline",
                    spacing="2",
                ),
                spacing="1",
            ),
            rx.vstack(
                verdict,
                rx.text("Pass mark ", E.pass_mark, size="2", color_scheme="gray", id="pass-mark"),
                rx.cond(
                    E.overridden,
                    rx.text(
                        "Set by a manager (the judge scored ",
                        E.machine_score,
                        ")",
                        size="2",
                        color_scheme="amber",
                        id="override-note",
                    ),
                ),
                spacing="2",
                align="start",
            ),
            rx.spacer(),
            rx.cond(
                E.judge_model != "",
                rx.text(
                    "Judge: ",
                    E.judge_model,
                    " \u00b7 ",
                    E.prompt_version,
                    size="1",
                    color_scheme="gray",
                    id="judge-model",
                ),
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
            E.status == CALL_OPEN,
            rx.callout(
                "This call has not ended yet: feedback appears when it is over.",
                icon="phone",
                color_scheme="gray",
                id="call-open",
                width="100%",
            ),
        ),
        rx.cond(
            E.status == FeedbackStatus.failed.value,
            rx.callout.root(
                rx.callout.icon(rx.icon("triangle-alert")),
                rx.callout.text(rx.text.strong("The evaluation failed: "), E.error),
                rx.cond(E.has_analytics, rx.callout.text("The speaking analytics below were saved.", size="1")),
                color_scheme="red",
                id="evaluation-error",
                width="100%",
            ),
        ),
        rx.cond(
            E.status == FeedbackStatus.stale.value,
            rx.callout(
                "The evaluation stopped before it finished. A manager can run it again.",
                icon="triangle-alert",
                color_scheme="amber",
                id="evaluation-stale",
                width="100%",
            ),
        ),
        rx.cond(
            E.note != "", rx.callout(E.note, icon="info", color_scheme="amber", id="evaluation-note", width="100%")
        ),
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
                rx.badge(
                    o.score,
                    size="3",
                    variant="soft",
                    class_name="objective-score",
                    color_scheme=rx.cond(
                        o.score_value >= MET_FROM, "green", rx.cond(o.score_value >= PARTLY_MET_FROM, "amber", "red")
                    ),
                ),
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
                    rx.foreach(
                        o.invented,
                        lambda t: rx.text(
                            "\u201c",
                            t,
                            "\u201d",
                            size="1",
                            color_scheme="red",
                            class_name="invented-quote",
                            text_decoration="line-through",
                        ),
                    ),
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
        P.objectives.length() > 0,
        rx.vstack(
            rx.heading("Objectives", size="5"),
            rx.grid(
                rx.foreach(P.objectives, objective_card),
                columns=rx.breakpoints(initial="1", md="2"),
                spacing="4",
                width="100%",
            ),
            spacing="3",
            width="100%",
            id="objectives",
        ),
    )


# --- transcript ----------------------------------------------------------------------------------


def transcript_turn(t: TurnView) -> rx.Component:
    is_trainee = t.speaker == Speaker.trainee.value
    return rx.box(
        rx.hstack(
            rx.text(t.who, weight="bold", size="2", class_name="turn-speaker"),
            rx.text(t.at, size="1", color_scheme="gray"),
            rx.text("#", t.seq, size="1", color_scheme="gray"),
            rx.cond(t.typed, rx.badge("typed", size="1", variant="soft", class_name="typed-badge")),
            spacing="2",
            align="baseline",
        ),
        rx.text(t.text, size="2", class_name="turn-text", white_space="pre-wrap"),
        id=t.anchor,
        class_name="transcript-turn",
        custom_attrs={
            "data-speaker": t.speaker,
            "data-quoted": rx.cond(t.quoted, "true", "false"),
            "data-typed": rx.cond(t.typed, "true", "false"),
            "data-audio-start": t.audio_start,
            "data-audio-end": t.audio_end,
        },
        background=rx.cond(is_trainee, "var(--teal-3)", "var(--gray-3)"),
        border_left=rx.cond(t.quoted, "3px solid var(--amber-9)", "3px solid transparent"),
        margin_left=rx.cond(is_trainee, "3em", "0"),
        margin_right=rx.cond(is_trainee, "0", "3em"),
        padding="0.6em 0.9em",
        border_radius="var(--radius-3)",
        scroll_margin_top="5em",
        cursor=rx.cond(P.audio.url != "", "pointer", "auto"),
        style={
            "&:target": {"outline": "2px solid var(--amber-9)"},
            "&[data-playing='true']": {"outline": "2px solid var(--accent-9)", "background": "var(--accent-4)"},
        },
    )


def transcript_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Transcript", size="5"),
        audio_player(P.audio),
        rx.cond(
            P.transcript.length() == 0,
            rx.text("No turns were recorded.", color_scheme="gray"),
            rx.vstack(rx.foreach(P.transcript, transcript_turn), spacing="2", width="100%"),
        ),
        spacing="3",
        width="100%",
        id="transcript",
    )


# --- cost -----------------------------------------------------------------


def content() -> rx.Component:
    return rx.vstack(
        header(),
        status_messages(),
        rx.cond(E.score != "-", score_panel()),
        objectives_section(),
        analytics_section(P),
        mood_section(P),
        comments_section(P.actions),
        manager_tools(S),
        transcript_section(),
        cost_section(P),
        spacing="5",
        width="100%",
        id="feedback-page",
        custom_attrs={"data-status": E.status},
    )


@rx.page(
    route="/sessions/[session_id]/feedback",
    title="Coach - feedback",
    on_load=[AuthState.require_login, FeedbackState.load],
)
def feedback_page() -> rx.Component:
    return page(
        error_or(
            S.page_error,
            rx.cond(S.loaded, content(), rx.center(rx.spinner(size="3"), padding="4em")),
        )
    )
