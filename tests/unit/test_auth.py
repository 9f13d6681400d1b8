"""Accounts, passwords, browser logins, rate limiting, API tokens and access rules (no browser)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from coach_app.auth import access, logins, tokens, users
from coach_app.auth.passwords import PasswordPolicyError
from coach_app.db import get_engine
from coach_app.models import ApiToken, AuthSession, PracticeSession, User, utcnow
from coach_app.settings import get_settings


@pytest.fixture
def db(fresh_db):
    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


def test_password_is_stored_as_argon2id_hash_and_checked(db):
    u = users.create_user(db, "Alice", "a-long-password", role="trainee", team="blue", display_name="Alice A")
    db.commit()
    assert u.username == "alice"
    assert u.password_hash.startswith("$argon2id$") and "a-long-password" not in u.password_hash
    assert users.authenticate(db, "ALICE ", "a-long-password").id == u.id
    assert users.authenticate(db, "alice", "a-long-passworD") is None
    assert users.authenticate(db, "nobody", "a-long-password") is None


def test_operator_mistakes_get_clear_messages(db):
    users.create_user(db, "bob", "password-1")
    with pytest.raises(users.UserError, match="already exists"):
        users.create_user(db, "bob", "password-2")
    with pytest.raises(users.UserError, match="Unknown role 'boss'"):
        users.create_user(db, "carol", "password-1", role="boss")
    with pytest.raises(users.UserError, match="Invalid username"):
        users.create_user(db, "no spaces please", "password-1")
    with pytest.raises(users.UserError, match="manager needs a team"):
        users.create_user(db, "dave", "password-1", role="manager")
    with pytest.raises(PasswordPolicyError, match="at least 8"):
        users.create_user(db, "erin", "short")


def test_deactivated_user_cannot_log_in_and_existing_logins_and_tokens_stop(db):
    u = users.create_user(db, "frank", "password-1")
    db.commit()
    result = logins.attempt_login(db, "frank", "password-1", "10.0.0.1")
    _, api_token = tokens.create_api_token(db, u, "script")
    db.commit()
    assert logins.user_for_login_token(db, result.token).id == u.id
    assert tokens.user_for_api_token(db, api_token).id == u.id

    users.deactivate(db, "frank")
    db.commit()
    assert logins.user_for_login_token(db, result.token) is None
    assert tokens.user_for_api_token(db, api_token) is None
    again = logins.attempt_login(db, "frank", "password-1", "10.0.0.1")
    assert again.user is None and again.error == logins.LOGIN_FAILED


def test_login_token_is_random_stored_hashed_and_expires(db):
    u = users.create_user(db, "gina", "password-1")
    r1 = logins.attempt_login(db, "gina", "password-1", "10.0.0.2")
    r2 = logins.attempt_login(db, "gina", "password-1", "10.0.0.2")
    db.commit()
    assert r1.token != r2.token and len(r1.token) >= 40
    rows = db.exec(select(AuthSession).where(AuthSession.user_id == u.id)).all()
    assert len(rows) == 2 and all(r1.token not in r.token_hash for r in rows)
    assert logins.user_for_login_token(db, "made-up-token") is None
    assert logins.user_for_login_token(db, "") is None

    row = db.exec(select(AuthSession).where(AuthSession.token_hash == logins.hash_token(r1.token))).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.add(row)
    db.commit()
    assert logins.user_for_login_token(db, r1.token) is None
    assert logins.user_for_login_token(db, r2.token).id == u.id
    logins.end_login(db, r2.token)
    db.commit()
    assert logins.user_for_login_token(db, r2.token) is None


def test_failed_logins_are_rate_limited_per_account(db):
    limit = get_settings().login_max_failures_per_account
    users.create_user(db, "hank", "password-1")
    users.create_user(db, "ivy", "password-1")
    db.commit()
    for i in range(limit):
        r = logins.attempt_login(db, "hank", f"wrong-{i}", f"10.1.0.{i}")
        assert r.error == logins.LOGIN_FAILED
    db.commit()
    # Even the right password is refused now, from any address, with a message that says why.
    blocked = logins.attempt_login(db, "hank", "password-1", "10.9.9.9")
    assert blocked.user is None and blocked.error == logins.LOGIN_THROTTLED
    # An unknown account is throttled the same way (no hint whether it exists).
    for i in range(limit):
        logins.attempt_login(db, "ghost", f"wrong-{i}", f"10.2.0.{i}")
    assert logins.attempt_login(db, "ghost", "x", "10.9.9.8").error == logins.LOGIN_THROTTLED
    # Other accounts are unaffected.
    assert logins.attempt_login(db, "ivy", "password-1", "10.9.9.9").user is not None


def test_a_successful_login_resets_the_account_counter(db):
    limit = get_settings().login_max_failures_per_account
    users.create_user(db, "jack", "password-1")
    for _ in range(limit - 1):
        logins.attempt_login(db, "jack", "nope", "10.3.0.1")
    assert logins.attempt_login(db, "jack", "password-1", "10.3.0.1").user is not None
    for _ in range(limit - 1):
        logins.attempt_login(db, "jack", "nope", "10.3.0.1")
    assert logins.attempt_login(db, "jack", "password-1", "10.3.0.1").user is not None


def test_failed_logins_are_rate_limited_per_address(fresh_db, monkeypatch):
    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_ADDRESS", "6")
    get_settings.cache_clear()
    with Session(get_engine(), expire_on_commit=False) as db:
        users.create_user(db, "kate", "password-1")
        db.commit()
        for i in range(6):  # spread over accounts so no single account hits its own limit
            assert logins.attempt_login(db, f"user{i}", "guess", "192.0.2.7").error == logins.LOGIN_FAILED
        assert logins.attempt_login(db, "kate", "password-1", "192.0.2.7").error == logins.LOGIN_THROTTLED
        assert logins.attempt_login(db, "kate", "password-1", "192.0.2.8").user is not None


def test_api_tokens_shown_once_stored_hashed_and_revocable(db):
    u = users.create_user(db, "liam", "password-1")
    other = users.create_user(db, "mia", "password-1")
    row, token = tokens.create_api_token(db, u, "  my script ")
    db.commit()
    assert token.startswith("coach_") and len(token) > 40
    assert row.name == "my script" and row.token_hash != token and token not in row.token_hash
    assert row.prefix == token[:12]
    assert tokens.user_for_api_token(db, token).id == u.id
    assert tokens.user_for_api_token(db, token + "x") is None
    assert db.get(ApiToken, row.id).last_used_at is not None
    # Nobody else can revoke it.
    assert tokens.revoke_api_token(db, other, row.id) is False
    assert tokens.user_for_api_token(db, token).id == u.id
    assert tokens.revoke_api_token(db, u, row.id) is True
    db.commit()
    assert tokens.user_for_api_token(db, token) is None
    with pytest.raises(tokens.TokenError, match="Token name is too long"):
        tokens.create_api_token(db, u, "x" * 81)
    with pytest.raises(tokens.TokenError, match="cannot be empty"):
        tokens.create_api_token(db, u, "   ")


def _people(db):
    p = {
        "trainee_a": users.create_user(db, "ta", "password-1", team="blue"),
        "trainee_b": users.create_user(db, "tb", "password-1", team="green"),
        "trainee_a2": users.create_user(db, "ta2", "password-1", team="blue"),
        "manager_a": users.create_user(db, "ma", "password-1", role="manager", team="blue"),
        "manager_a2": users.create_user(db, "ma2", "password-1", role="manager", team="blue"),  # a peer
        "manager_b": users.create_user(db, "mb", "password-1", role="manager", team="green"),
        "admin": users.create_user(db, "root", "password-1", role="admin"),
    }
    ps = {}
    for key in ("trainee_a", "trainee_b", "trainee_a2", "manager_a", "manager_a2"):
        row = PracticeSession(user_id=p[key].id, persona_id="x")
        db.add(row)
        ps[key] = row
    db.commit()
    return p, ps


# who -> (sessions they may view, sessions they may manage). Managers manage their team's trainees;
# a manager's own sessions and their peers' are for admins (a manager still sees their own).
EVERYONE = {"trainee_a", "trainee_b", "trainee_a2", "manager_a", "manager_a2"}
ACCESS = {
    "trainee_a": ({"trainee_a"}, set()),
    "trainee_b": ({"trainee_b"}, set()),
    "manager_a": ({"trainee_a", "trainee_a2", "manager_a"}, {"trainee_a", "trainee_a2"}),
    "manager_a2": ({"trainee_a", "trainee_a2", "manager_a2"}, {"trainee_a", "trainee_a2"}),
    "manager_b": ({"trainee_b"}, {"trainee_b"}),
    "admin": (EVERYONE, EVERYONE),
}


@pytest.mark.parametrize("who", sorted(ACCESS))
def test_access_rules_for_sessions(db, who):
    people, sessions = _people(db)
    user = people[who]
    may_view, may_manage = ACCESS[who]
    for owner, ps in sessions.items():
        assert access.can_view_session(user, ps) is (owner in may_view), (who, owner)
        assert access.can_manage_session(user, ps) is (owner in may_manage), (who, owner)
        assert access.can_join_session(user, ps) is (owner == who), (who, owner)
    listed = {row.id for row in db.exec(access.visible_sessions(user)).all()}
    assert listed == {sessions[o].id for o in may_view}


def test_nobody_and_deactivated_users_see_nothing(db):
    people, sessions = _people(db)
    users.deactivate(db, "ma")
    db.commit()
    ma = db.get(User, people["manager_a"].id)
    for ps in sessions.values():
        assert not access.can_view_session(None, ps)
        assert not access.can_view_session(ma, ps)
    assert db.exec(access.visible_sessions(None)).all() == []
    assert db.exec(access.visible_sessions(ma)).all() == []
