"""Personal API tokens: created by the user, shown once, stored as sha256, revocable."""

from __future__ import annotations

import hashlib
import secrets

from sqlmodel import Session, select

from coach_app.models import ApiToken, User, utcnow
from coach_app.textlimits import TOKEN_NAME_MAX, TextTooLong, check_text

TOKEN_PREFIX = "coach_"
MAX_TOKENS_PER_USER = 20


class TokenError(ValueError):
    pass


def hash_api_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the stored row and the plaintext token (show it once; it is not kept)."""
    try:
        name = check_text(name, TOKEN_NAME_MAX, "Token name", required=True)
    except TextTooLong as exc:
        raise TokenError(str(exc)) from None
    active = session.exec(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at == None)  # noqa: E711
    ).all()
    if len(active) >= MAX_TOKENS_PER_USER:
        raise TokenError(f"You already have {MAX_TOKENS_PER_USER} active tokens; revoke one first.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user_id=user.id, name=name, token_hash=hash_api_token(token), prefix=token[:12])
    session.add(row)
    session.flush()
    return row, token


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(
        session.exec(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())).all()
    )


def revoke_api_token(session: Session, user: User, token_id: int) -> bool:
    """Revoke one of `user`'s own tokens. False when it is not theirs or does not exist."""
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        return False
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)
    return True


def user_for_api_token(session: Session, token: str | None) -> User | None:
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == hash_api_token(token))).first()
    if row is None or row.revoked_at is not None:
        return None
    user = session.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    row.last_used_at = utcnow()
    session.add(row)
    return user
