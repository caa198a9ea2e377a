"""Issuing, finding and revoking a user's calendar subscription URL (the secret is the feed's only credential).

Like API tokens, a subscription's secret is random and only its SHA-256 is stored: it is shown once, when it is
issued. Issuing a new one retires the previous one at once (regenerating is how a leaked URL is replaced), and a
revoked or unknown secret is answered exactly alike.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.calendars.models import CalendarSubscription
from app.config import Settings
from app.db import get_for_update
from app.errors import invalid
from app.i18n import MESSAGES
from app.users.models import User
from app.users.service import hash_token

SECRET_PREFIX = "cal_"
FEED_PATH = "/calendar/"
FEED_SUFFIX = ".ics"


def feed_url(settings: Settings, secret: str) -> str:
    """The https (or http) address of the feed of ``secret``: what a calendar program subscribes to."""
    return f"{settings.base_url.rstrip('/')}{FEED_PATH}{secret}{FEED_SUFFIX}"


def webcal_url(url: str) -> str:
    """``url`` with the ``webcal://`` scheme, which opens the subscription dialog of most calendar programs."""
    parts = urlsplit(url)
    return urlunsplit(("webcal", *parts[1:]))


def live_subscription(session: Session, user: User) -> CalendarSubscription | None:
    """The subscription of ``user`` that works now (their newest one not revoked), or ``None``."""
    stmt = select(CalendarSubscription).where(
        CalendarSubscription.user_id == user.id, CalendarSubscription.revoked_at.is_(None)
    )
    return session.scalars(stmt.order_by(CalendarSubscription.id.desc())).first()


def issue_subscription(session: Session, user: User) -> tuple[CalendarSubscription, str]:
    """A new subscription for ``user``, retiring any earlier one; returns it and its secret (never shown again)."""
    if not user.is_active:
        raise invalid("user", MESSAGES.gettext("{email} is deactivated", email=user.email))
    get_for_update(session, User, user.id, "user")  # two regenerations at once leave one live URL
    now = clock.now()
    for earlier in session.scalars(
        select(CalendarSubscription).where(
            CalendarSubscription.user_id == user.id, CalendarSubscription.revoked_at.is_(None)
        )
    ):
        earlier.revoked_at = now
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    subscription = CalendarSubscription(
        user_id=user.id, prefix=secret[: len(SECRET_PREFIX) + 6], token_hash=hash_token(secret), created_at=now
    )
    session.add(subscription)
    session.flush()
    return subscription, secret


def revoke_subscription(session: Session, user: User) -> CalendarSubscription | None:
    """Stop ``user``'s feed URL from working now; returns what was revoked (``None``: there was none)."""
    live = live_subscription(session, user)
    if live is not None:
        live.revoked_at = clock.now()
        session.flush()
    return live


def subscriber(session: Session, secret: str) -> User | None:
    """The active user whose live subscription ``secret`` is; ``None`` for anything else, whatever the reason."""
    if not secret.startswith(SECRET_PREFIX) or len(secret) > 100:
        return None
    found = session.scalars(
        select(CalendarSubscription).where(CalendarSubscription.token_hash == hash_token(secret))
    ).first()
    if found is None or found.revoked_at is not None or not found.user.is_active:
        return None
    return found.user
