"""/account/tokens in Chromium: login redirect, create (shown once), use with Bearer, revoke.
The token name is user-typed text: markup in it must show as text and never run."""

import httpx
import pytest

from tests.support.auth import make_user

pytestmark = pytest.mark.e2e

XSS_NAME = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


def test_token_lifecycle_and_name_rendered_as_text(app_server, db_url, page):
    make_user(db_url, "tok-user", "trainee", team="blue", password="tok-user-pass")
    page.goto(app_server + "/account/tokens")
    page.wait_for_url("**/login?next=%2Faccount%2Ftokens*", wait_until="commit")
    page.locator("#login-username").fill("tok-user")
    page.locator("#login-password").fill("tok-user-pass")
    page.locator("#login-submit").click()
    page.wait_for_url(lambda u: "/login" not in u and "/account/tokens" in u, wait_until="commit")

    page.locator("#token-name").fill(XSS_NAME)
    page.locator("#create-token").click()
    token = page.locator("#new-token").inner_text().strip()
    assert token.startswith("coach_")

    # The name shows literally; nothing in it ran or became an element.
    assert page.locator(".token-name").first.inner_text() == XSS_NAME
    assert page.evaluate("window.__xss") is None
    assert page.locator("#token-table img").count() == 0

    me = httpx.get(app_server + "/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json()["username"] == "tok-user"

    # Shown once: after a reload only the prefix is listed.
    page.reload()
    page.locator(".token-name").first.wait_for()
    assert page.locator("#new-token").count() == 0
    assert token not in page.content()

    page.locator(".revoke-token").first.click()
    page.locator(".token-status", has_text="revoked").first.wait_for()
    me = httpx.get(app_server + "/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 401 and "error" in me.json()


def test_overlong_token_name_gets_a_clear_message(app_server, db_url, page):
    from tests.support.auth import login

    make_user(db_url, "tok-long", "trainee", password="tok-long-pass")
    login(page, app_server, "tok-long", "tok-long-pass", next_path="/account/tokens")
    # Bypass the input's maxlength the way a crafted request would.
    page.locator("#token-name").evaluate("el => el.removeAttribute('maxlength')")
    page.locator("#token-name").fill("n" * 200)
    page.locator("#create-token").click()
    assert page.locator("#token-error").inner_text() == "Token name is too long: 200 characters, the limit is 80."
    assert page.locator("#new-token").count() == 0
