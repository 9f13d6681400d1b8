"""Login, logout and the header in a real Chromium against the running app."""

import httpx
import pytest

from tests.support.auth import login, logout, make_user

pytestmark = pytest.mark.e2e


def _submit_login(page, base, username, password):
    page.goto(base + "/login")
    page.locator("#login-username").fill(username)
    page.locator("#login-password").fill(password)
    page.locator("#login-submit").click()
    return page.locator("#login-error")


def test_login_shows_name_hides_review_from_trainee_and_logout_ends_the_session(app_server, db_url, page):
    make_user(db_url, "auth-trainee", "trainee", team="blue", password="trainee-pass-1", display_name="Tia Trainee")
    login(page, app_server, "auth-trainee", "trainee-pass-1", next_path="/?from=login")
    assert page.url.endswith("/?from=login")
    assert page.locator("#account-name").inner_text() == "Tia Trainee"
    assert page.locator("#main-nav").get_by_role("link", name="Review").count() == 0

    cookie = next(c for c in page.context.cookies() if c["name"] == "coach_session")
    me = httpx.get(app_server + "/api/me", cookies={"coach_session": cookie["value"]})
    assert me.status_code == 200 and me.json()["username"] == "auth-trainee"

    logout(page)
    page.goto(app_server + "/")
    assert page.locator("#login-link").is_visible()
    # The old cookie value no longer opens anything.
    me = httpx.get(app_server + "/api/me", cookies={"coach_session": cookie["value"]})
    assert me.status_code == 401


def test_manager_sees_review_link(app_server, db_url, page):
    make_user(db_url, "auth-manager", "manager", team="blue", password="manager-pass-1")
    login(page, app_server, "auth-manager", "manager-pass-1")
    assert page.locator("#main-nav").get_by_role("link", name="Review").is_visible()
    assert page.locator("#account-name").inner_text() == "auth-manager"


def test_failed_login_message_is_the_same_for_wrong_password_and_unknown_user(app_server, db_url, page):
    make_user(db_url, "auth-known", "trainee", password="known-pass-1")
    err = _submit_login(page, app_server, "auth-known", "wrong-password")
    err.wait_for(state="visible")
    wrong_password = err.inner_text()
    err = _submit_login(page, app_server, "auth-nobody", "wrong-password")
    err.wait_for(state="visible")
    assert err.inner_text() == wrong_password == "Wrong username or password."
    assert "/login" in page.url
    assert not any(c["name"] == "coach_session" and c["value"] for c in page.context.cookies())


def test_login_refuses_offsite_next(app_server, db_url, page):
    make_user(db_url, "auth-next", "trainee", password="next-pass-12")
    login(page, app_server, "auth-next", "next-pass-12", next_path="//evil.example/")
    assert page.url.rstrip("/") == app_server


def test_repeated_failures_lock_the_account_with_a_message_that_says_so(app_server, db_url, page):
    from sqlmodel import Session, select

    from coach_app.auth.logins import LOGIN_THROTTLED
    from coach_app.db import make_engine
    from coach_app.models import LoginAttempt
    from coach_app.settings import get_settings

    make_user(db_url, "auth-throttle", "trainee", password="throttle-pass-1")
    for i in range(get_settings().login_max_failures_per_account):
        err = _submit_login(page, app_server, "auth-throttle", f"wrong-{i}")
        err.wait_for(state="visible")
        assert err.inner_text() == "Wrong username or password."
    err = _submit_login(page, app_server, "auth-throttle", "throttle-pass-1")
    page.get_by_text(LOGIN_THROTTLED).wait_for()
    assert "/login" in page.url
    with Session(make_engine(db_url)) as s:
        attempts = s.exec(select(LoginAttempt).where(LoginAttempt.username == "auth-throttle")).all()
    # Each attempt is recorded with the browser's address, which the per-address limit counts.
    assert attempts and all(a.address == "127.0.0.1" for a in attempts)
