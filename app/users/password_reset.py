"""Setting a forgotten password: from the command line, or through a single-use link an administrator issues.

A link carries a random secret; only its SHA-256 is stored (like API tokens). It expires after
``password_reset_hours``, works once, and issuing a new one for the same user retires the earlier ones. Setting a
password ends the user's browser sessions, so whoever held the old password is signed out.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from pydantic import ValidationError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app import clock
from app.config import Settings
from app.errors import Conflict, DomainError, NotFound, invalid
from app.i18n import MESSAGES
from app.users.models import ApiToken, PasswordReset, User
from app.users.policy import Action, require
from app.users.schemas import PASSWORD_MIN_LENGTH, NewPassword
from app.users.service import LOGIN_TOKEN_NAME, hash_token, set_password_hash
from app.workflow.actor import Actor

RESET_PATH = "/reset-password/"


class ResetLinkRefused(DomainError):
    """The reset link is unknown, already used or expired; the message says which and what to do."""

    status = 410
    title = "Gone"


def set_password(session: Session, user: User, password: str) -> User:
    """Give ``user`` a new password (the rules of a new user's) and end their browser sessions; flush only."""
    try:
        checked = NewPassword.model_validate({"password": password})
    except ValidationError as exc:
        too_long = exc.errors()[0]["type"] == "string_too_long"
        reason = (
            MESSAGES.gettext("must be at most 200 characters")
            if too_long
            else MESSAGES.gettext("must be at least {n} characters", n=PASSWORD_MIN_LENGTH)
        )
        raise invalid("password", reason) from None
    set_password_hash(user, checked.password)
    now = clock.now()
    sessions = select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.name == LOGIN_TOKEN_NAME, ApiToken.revoked_at.is_(None)
    )
    for token in session.scalars(sessions):
        token.revoked_at = now
    session.flush()
    return user


def issue_reset_link(
    session: Session, user_id: int, settings: Settings, *, actor: User | Actor
) -> tuple[PasswordReset, str]:
    """A new reset link for a user (administrators only): the row and the link's URL, never stored; flush only."""
    require(actor, Action.MANAGE_USERS)
    if not settings.password_sign_in:
        raise Conflict(MESSAGES.gettext("passwords are turned off here: people sign in through single sign-on"))
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(MESSAGES.gettext("user {user_id} does not exist", user_id=user_id))
    if not user.is_active:
        raise Conflict(
            MESSAGES.gettext(
                "{email} is deactivated; activate the account before resetting its password", email=user.email
            )
        )
    now = clock.now()
    session.execute(  # one live link per user: an earlier one, perhaps sent to the wrong place, stops working
        update(PasswordReset)
        .where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None), PasswordReset.expires_at > now)
        .values(expires_at=now)
    )
    secret = secrets.token_urlsafe(32)
    reset = PasswordReset(
        user=user,
        token_hash=hash_token(secret),
        issued_by_id=None if isinstance(actor, Actor) else actor.id,
        created_at=now,
        expires_at=now + timedelta(hours=settings.password_reset_hours),
    )
    session.add(reset)
    session.flush()
    return reset, f"{settings.base_url.rstrip('/')}{RESET_PATH}{secret}"


def live_reset(session: Session, secret: str) -> PasswordReset:
    """The reset link whose secret this is, if it can still be used; ``ResetLinkRefused`` saying why otherwise."""
    reset = session.scalar(select(PasswordReset).where(PasswordReset.token_hash == hash_token(secret)))
    if reset is None:
        raise ResetLinkRefused("this password reset link is not valid; ask an administrator for a new one")
    if reset.used_at is not None:
        raise ResetLinkRefused("this password reset link was already used; ask an administrator for a new one")
    if reset.expires_at <= clock.now() or not reset.user.is_active:
        raise ResetLinkRefused("this password reset link has expired; ask an administrator for a new one")
    return reset


def reset_password(session: Session, secret: str, password: str) -> User:
    """Set the password of the user a live reset link is for, and use the link up; flush only."""
    reset = live_reset(session, secret)
    set_password(session, reset.user, password)
    reset.used_at = clock.now()
    session.flush()
    return reset.user
