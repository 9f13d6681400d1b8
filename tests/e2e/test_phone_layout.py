"""On a phone (390 x 844, Chromium): the catalogue, the brief and the call page fit the screen.

(The feedback page the call leads to is checked for sideways scrolling as well.)

No page may scroll sideways, and the controls a trainee needs are on screen: the scenario cards,
the Start button, the End button and the transcript with its reply box.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import launch_chromium
from tests.support.auth import login, make_user

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
PERSONA = "billing-dispute-gold"
# Screenshots for a person to look at (set COACH_TEST_SCREENSHOTS=<dir>).
SHOTS = os.environ.get("COACH_TEST_SCREENSHOTS")

# Elements wider than the viewport, for the failure message.
OVERFLOW_JS = """
() => {
  const doc = document.documentElement;
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > doc.clientWidth + 0.5) {
      wide.push((el.id ? '#' + el.id : el.tagName.toLowerCase() + '.' + (el.className || '').toString().split(' ')[0])
                + ' right=' + Math.round(r.right));
    }
  }
  return {scroll: doc.scrollWidth, client: doc.clientWidth, wide: wide.slice(0, 12)};
}
"""


@pytest.fixture
def phone(playwright_instance):
    # A fake microphone (silence) granted without a prompt, as a phone user who allowed it.
    browser = launch_chromium(
        playwright_instance, ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
    )
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()
    browser.close()


def assert_fits(page, name: str) -> None:
    page.wait_for_load_state("networkidle")
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"phone-{name}.png"), full_page=True)
    m = page.evaluate(OVERFLOW_JS)
    assert m["scroll"] <= m["client"], f"{name} scrolls sideways at {PHONE['width']} px: {m}"


def assert_on_screen(locator) -> None:
    """Visible, and horizontally inside the viewport (not cut off at the right edge)."""
    expect(locator).to_be_visible()
    box = locator.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def test_catalogue_brief_and_call_fit_a_phone(app_server, db_url, phone):
    make_user(db_url, "phone_paula", display_name="Paula Phone-Trainee")
    login(phone, app_server, "phone_paula")

    phone.goto(f"{app_server}/scenarios")
    card = phone.locator(f"#scenario-card-{PERSONA}")
    expect(card).to_be_visible()
    assert_fits(phone, "scenarios")
    assert_on_screen(card)
    assert_on_screen(phone.locator("#scenario-search"))
    assert_on_screen(phone.locator("#account-name"))

    card.click()
    phone.wait_for_url(f"**/scenarios/{PERSONA}")
    expect(phone.locator("#persona-name")).to_be_visible()
    assert_fits(phone, "scenario")
    start = phone.locator("#start-call")
    start.scroll_into_view_if_needed()
    assert_on_screen(start)

    start.click()
    phone.wait_for_url("**/call/*")
    end = phone.locator("#end-call")
    expect(end).to_be_visible()
    assert_fits(phone, "call")
    assert_on_screen(end)
    for control in ("#transcript", "#message-input", "#send-message"):
        phone.locator(control).scroll_into_view_if_needed()
        assert_on_screen(phone.locator(control))

    end.click()  # leave no live call behind; End leads to the feedback page, which fits too
    phone.wait_for_url("**/feedback")
    expect(phone.locator("#feedback-page")).to_be_visible()
    assert_fits(phone, "feedback")
