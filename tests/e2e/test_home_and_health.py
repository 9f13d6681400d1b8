"""The home page and /api/health, in a real Chromium against the running app."""

import json

import pytest

pytestmark = pytest.mark.e2e


def test_home_page_shows_product_and_navigation(app_server, page):
    page.goto(app_server + "/")
    assert page.locator("#product-name").inner_text() == "Coach"
    nav = page.locator("#main-nav")
    for label in ("Scenarios", "My sessions"):
        assert nav.get_by_role("link", name=label).is_visible()
    # "Review" is for managers only (tests/e2e/test_auth_pages.py checks it appears for them).
    assert nav.get_by_role("link", name="Review").count() == 0


def test_health_reports_database_livekit_and_providers_to_admins_only(app_server, livekit, db_url, page):
    from tests.support.auth import login, make_user

    page.goto(app_server + "/api/health")
    assert json.loads(page.locator("body").inner_text()) == {"status": "ok"}  # anyone: ok or not, no details
    make_user(db_url, "health-admin", "admin", password="health-admin-pw")
    login(page, app_server, "health-admin", "health-admin-pw")
    page.goto(app_server + "/api/health")
    report = json.loads(page.locator("body").inner_text())
    assert report["database"]["ok"] is True
    assert report["livekit"]["ok"] is True
    assert report["livekit"]["url"] == livekit.url
    assert set(report["providers"]) == {"stt", "llm", "tts"}
    assert livekit.api_secret not in json.dumps(report)
