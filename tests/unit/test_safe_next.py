"""`/login?next=...` only ever sends people to a path on this site."""

import pytest

from coach_app.state.auth import safe_next


@pytest.mark.parametrize("target", ["/", "/scenarios", "/sessions/7/feedback?tab=transcript", "/account/tokens/"])
def test_paths_on_this_site_are_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize(
    "target",
    [
        None,
        "",
        "scenarios",
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/\r/evil.example",
        "javascript:alert(1)",
        "/login",
        "/login/",
        "/logout",
    ],
)
def test_anything_else_goes_home(target):
    assert safe_next(target) == "/"
