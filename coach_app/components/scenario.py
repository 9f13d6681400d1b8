"""Small pieces shared by the catalogue and the scenario brief."""

from __future__ import annotations

import reflex as rx

DIFFICULTY_COLORS = {"easy": "green", "medium": "amber", "hard": "red"}


def difficulty_badge(difficulty, **props) -> rx.Component:
    return rx.badge(
        difficulty,
        color_scheme=rx.match(difficulty, *DIFFICULTY_COLORS.items(), "gray"),
        variant="soft",
        radius="full",
        text_transform="capitalize",
        class_name="difficulty-badge",
        **props,
    )


def meta_item(icon: str, text) -> rx.Component:
    return rx.hstack(
        rx.icon(icon, size=14, color="var(--gray-10)"),
        rx.text(text, size="2", color_scheme="gray"),
        spacing="1",
        align="center",
    )
