"""What runs a call (cloud or this machine, per component), and a plain notice when replies are scripted."""

from __future__ import annotations

import reflex as rx

SCRIPTED_NOTICE = (
    "Replies are scripted: no language model is configured, so the persona answers from its "
    "persona file (opening line, reactions to what you say, resolution). Set GROQ_API_KEY or "
    "LOCAL_LLM_BASE_URL for free conversation."
)


def providers_note(lines: rx.Var, scripted: rx.Var) -> rx.Component:
    """`lines`: list[str] from `calls.providers.describe`; `scripted`: bool from `is_scripted`."""
    return rx.vstack(
        rx.cond(
            scripted,
            rx.callout(
                SCRIPTED_NOTICE, icon="info", color_scheme="amber", size="1", width="100%", id="scripted-notice"
            ),
        ),
        rx.cond(
            lines.length() > 0,
            rx.box(
                rx.foreach(lines, lambda line: rx.text(line, size="1", color_scheme="gray")),
                id="call-providers",
            ),
        ),
        spacing="2",
        width="100%",
    )
