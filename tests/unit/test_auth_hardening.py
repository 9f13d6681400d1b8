"""Issue 12 hardening of logins and accounts (no browser): address throttle not reset by an own
login, set-password revokes API tokens, sliding idle expiry, purging, LiveKit credentials."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from coach_app.auth import logins, tokens, users
from coach_app.clock import utc
from coach_app.db import get_engine
from coach_app.models import AuthSession, LoginAttempt, utcnow
from coach_app.settings import Settings, get_settings


@pytest.fixture
def db(fresh_db):
    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


def test_an_own_successful_login_does_not_reset_the_address_counter(fresh_db, monkeypatch):
    """Password spraying from one address with one own account: the own logins in between
    must not wipe the address's failures."""
    monkeypatch.setenv("LOGIN_MAX_FAILURES_PER_ADDRESS", "6")
    get_settings.cache_clear()
    with Session(get_engine(), expire_on_commit=False) as db:
        users.create_user(db, "sprayer", "own-password-1")
        users.create_user(db, "victim", "victim-password-1")
        db.commit()
        addr = "198.51.100.9"
        for i in range(6):
            assert logins.attempt_login(db, f"target{i}", "Summer2026!", addr).error == logins.LOGIN_FAILED
            # the attacker's own account logs in fine in between...
            if i < 5:
                assert logins.attempt_login(db, "sprayer", "own-password-1", addr).user is not None
        # ...but the address has used up its failures: the next guess is refused without a check.
        assert logins.attempt_login(db, "victim", "victim-password-1", addr).error == logins.LOGIN_THROTTLED
        # The account counter is still reset by its own login (other address).
        assert logins.attempt_login(db, "sprayer", "own-password-1", "198.51.100.10").user is not None


def test_set_password_revokes_api_tokens_and_ends_logins(db):
    u = users.create_user(db, "pia", "old-password-1")
    db.commit()
    login = logins.attempt_login(db, "pia", "old-password-1", "10.4.0.1")
    _, api_token = tokens.create_api_token(db, u, "nightly export")
    db.commit()
    assert tokens.user_for_api_token(db, api_token).id == u.id

    users.set_password(db, "pia", "new-password-1")
    db.commit()
    assert tokens.user_for_api_token(db, api_token) is None
    assert logins.user_for_login_token(db, login.token) is None
    assert all(t.revoked_at is not None for t in tokens.list_api_tokens(db, u))


def _row(db, token: str) -> AuthSession:
    return db.exec(select(AuthSession).where(AuthSession.token_hash == logins.hash_token(token))).one()


def test_a_login_ends_after_the_idle_time_and_each_use_pushes_that_on(fresh_db, monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("SESSION_TTL_HOURS", "24")
    get_settings.cache_clear()
    with Session(get_engine(), expire_on_commit=False) as db:
        u = users.create_user(db, "quinn", "password-1")
        token = logins.start_login(db, u)
        db.commit()
        row = _row(db, token)
        # A fresh login lasts the idle time, not the whole lifetime.
        assert timedelta(minutes=29) < utc(row.expires_at) - utcnow() <= timedelta(minutes=30)

        # Used 20 minutes later (10 left): the deadline moves to 30 minutes from now.
        row.expires_at = utcnow() + timedelta(minutes=10)
        db.add(row)
        db.commit()
        assert logins.user_for_login_token(db, token).id == u.id
        db.commit()
        db.refresh(row)
        assert utc(row.expires_at) - utcnow() > timedelta(minutes=29)

        # Idle past the deadline: over, even though the absolute lifetime has hours left.
        row.expires_at = utcnow() - timedelta(seconds=1)
        db.add(row)
        db.commit()
        assert logins.user_for_login_token(db, token) is None


def test_sliding_never_passes_the_absolute_lifetime(fresh_db, monkeypatch):
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "120")
    monkeypatch.setenv("SESSION_TTL_HOURS", "1")
    get_settings.cache_clear()
    with Session(get_engine(), expire_on_commit=False) as db:
        u = users.create_user(db, "rosa", "password-1")
        token = logins.start_login(db, u)
        db.commit()
        row = _row(db, token)
        row.created_at = utcnow() - timedelta(minutes=59)
        row.expires_at = utcnow() + timedelta(seconds=30)
        db.add(row)
        db.commit()
        assert logins.user_for_login_token(db, token).id == u.id
        db.commit()
        db.refresh(row)
        assert utc(row.expires_at) <= utc(row.created_at) + timedelta(hours=1)


def test_expired_logins_and_old_attempts_are_purged_at_login(db):
    u = users.create_user(db, "sam", "password-1")
    old = logins.start_login(db, u)
    row = _row(db, old)
    row.expires_at = utcnow() - timedelta(minutes=1)
    db.add(row)
    db.add(LoginAttempt(username="sam", address="10.5.0.1", success=False, created_at=utcnow() - timedelta(days=2)))
    db.commit()
    logins.attempt_login(db, "sam", "password-1", "10.5.0.2")
    db.commit()
    hashes = {r.token_hash for r in db.exec(select(AuthSession)).all()}
    assert logins.hash_token(old) not in hashes and len(hashes) == 1
    attempts = db.exec(select(LoginAttempt)).all()
    assert [(a.address, a.success) for a in attempts] == [("10.5.0.2", True)]


def test_livekit_url_without_key_or_secret_refuses_to_start(monkeypatch):
    monkeypatch.setenv("LIVEKIT_URL", "wss://prod.example.livekit.cloud")
    with pytest.raises(ValueError, match="LIVEKIT_URL is set .* but LIVEKIT_API_KEY and/or LIVEKIT_API_SECRET are not"):
        Settings(_env_file=None)
    monkeypatch.setenv("LIVEKIT_API_KEY", "APIabc")
    with pytest.raises(ValueError, match="LIVEKIT_API_SECRET"):
        Settings(_env_file=None)
    monkeypatch.setenv("LIVEKIT_API_SECRET", "s3cr3t")
    assert Settings(_env_file=None).lk_api_secret == "s3cr3t"


def test_a_throttled_login_is_refused_before_any_password_hash(fresh_db, monkeypatch):
    """Argon2 costs ~0.5 s of a core: an attempt the throttle refuses must not cost one."""
    import asyncio

    import argon2

    calls = []
    real_verify = argon2.PasswordHasher.verify

    def counting_verify(self, *args, **kwargs):  # a spy on the library: the real hash still runs
        calls.append(1)
        return real_verify(self, *args, **kwargs)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting_verify)
    with Session(get_engine(), expire_on_commit=False) as db:
        users.create_user(db, "tess", "password-1")
        db.commit()
    limit = get_settings().login_max_failures_per_account
    for i in range(limit):
        assert asyncio.run(logins.attempt_login_async("tess", f"wrong-{i}", "10.6.0.1")).error == logins.LOGIN_FAILED
    assert len(calls) == limit
    refused = asyncio.run(logins.attempt_login_async("tess", "password-1", "10.6.0.2"))
    assert refused.error == logins.LOGIN_THROTTLED and len(calls) == limit
