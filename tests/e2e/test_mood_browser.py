"""The customer's mood in a real browser call: the meter moves with what the trainee types, Hint
answers, and the feedback page shows the mood curve with markers on the turns that moved it.

Real livekit-server, agent worker, Reflex app and Chromium (no microphone: the trainee types);
the stand-in's LLM answers the mood classifier by keyword (an escalation trigger, then a
de-escalation point) and the hint request.
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from agent.mood_llm import CLASSIFIER_TASK, HINT_TASK
from coach_app.db import make_engine
from coach_app.devtools.standin import Script
from coach_app.models import PracticeSession
from tests.conftest import launch_chromium
from tests.support.auth import login, make_user

pytestmark = pytest.mark.e2e

PERSONA_ID = "billing-dispute-gold"
TRIGGER = "I understand your frustration."
CALMING = "I am so sorry for the double charge and the two broken promises."
HINT = "Offer to refund both charges now and give her a reference number."


def _script() -> Script:
    classifier, hint = CLASSIFIER_TASK.removeprefix("Task: "), HINT_TASK.removeprefix("Task: ")
    return Script(
        default_reply="Go on then.",
        task_rules=[
            (classifier, "understand your frustration", json.dumps({"escalation_trigger": 1, "anger": 2, "trust": -1})),
            (
                classifier,
                "double charge",
                json.dumps({"deescalation_point": 0, "anger": -2, "trust": 1, "progress": 1}),
            ),
            (hint, "", HINT),
        ],
    )


def _type(page, text: str) -> None:
    page.locator("#message-input").fill(text)
    page.locator("#send-message").click()
    line = page.locator("#transcript .transcript-line[data-speaker='trainee']").filter(has_text=text)
    expect(line).to_be_visible()


def test_meter_moves_in_the_call_and_the_curve_shows_on_the_feedback_page(
    app_server, agent_worker, provider_standin, db_url, playwright_instance, tmp_path
):
    provider_standin.reset(_script())
    make_user(db_url, "mood-browser")
    # no microphone permission: the page says so and the trainee types (as in test_voice_browser)
    browser = launch_chromium(
        playwright_instance, ["--use-fake-device-for-media-stream", "--allow-loopback-in-peer-connection"]
    )
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(20_000)
    try:
        login(page, app_server, "mood-browser")
        page.goto(f"{app_server}/scenarios/{PERSONA_ID}")
        page.locator("#start-call").click()
        page.wait_for_url(re.compile(r"/call/\d+$"))
        session_id = int(page.url.rstrip("/").rsplit("/", 1)[-1])

        anger = page.locator("#mood-meter [data-level='anger']")
        expect(anger).to_have_attribute("data-value", "8", timeout=30_000)  # the persona file's start
        greeting = page.locator("#transcript .transcript-line[data-speaker='persona']").first
        expect(greeting).to_have_attribute("data-final", "true", timeout=30_000)  # the opening line was heard
        expect(page.locator("#agent-state")).to_have_attribute("data-phase", "listening", timeout=30_000)
        _type(page, TRIGGER)
        expect(anger).to_have_attribute("data-value", "10", timeout=30_000)
        expect(page.locator("#mood-phase")).to_have_text("Escalating")
        page.screenshot(path=str(tmp_path / "mood-1-escalated.png"))
        expect(page.locator("#agent-state")).to_have_attribute("data-phase", "listening", timeout=30_000)
        _type(page, CALMING)
        expect(anger).to_have_attribute("data-value", "8", timeout=30_000)
        expect(page.locator("#mood-meter [data-level='trust']")).to_have_attribute("data-value", "3")
        expect(page.locator("#mood-phase")).to_have_text("Calming down")

        page.locator("#hint-button").click()
        expect(page.locator("#hint-text")).to_contain_text(HINT, timeout=30_000)
        page.screenshot(path=str(tmp_path / "mood-2-hint.png"))

        page.locator("#end-call").click()
        page.wait_for_url(re.compile(rf"/sessions/{session_id}/feedback$"))
        expect(page.locator("#call-mode")).to_have_attribute("data-mode", "practice")
        expect(page.locator("#mood-curve .recharts-line")).to_have_count(4)  # anger, trust, progress, markers
        markers = page.locator("#mood-markers .mood-marker")
        expect(markers).to_have_count(2)
        expect(markers.first).to_have_attribute("data-kind", "trigger")
        expect(markers.nth(1)).to_have_attribute("data-kind", "deescalation")
        expect(markers.first).to_contain_text("anger 8 \u2192 10")
        expect(page.locator("#help-used .help-event[data-kind='hint']")).to_contain_text(HINT)
        page.screenshot(path=str(tmp_path / "mood-3-feedback.png"), full_page=True)

        seq = markers.first.get_attribute("data-seq")
        markers.first.click()
        page.wait_for_url(re.compile(rf"#turn-{seq}$"))
        expect(page.locator(f"#turn-{seq}")).to_contain_text(TRIGGER)
        # the second marker's dot on the curve goes to the calming turn
        dots = page.locator("#mood-curve .recharts-line-dots").last.locator(".recharts-dot")  # the markers line
        expect(dots).to_have_count(2)
        dots.nth(1).click()
        calm_seq = markers.nth(1).get_attribute("data-seq")
        page.wait_for_url(re.compile(rf"#turn-{calm_seq}$"))
        expect(page.locator(f"#turn-{calm_seq}")).to_contain_text(CALMING)
        with Session(make_engine(db_url)) as db:
            assert [e["kind"] for e in db.get(PracticeSession, session_id).help_events] == ["hint"]
    finally:
        browser.close()
