"""Password sign-in that tells nothing about accounts and cannot be turned against their owners.

- Every failure (unknown e-mail, deactivated account, no password, wrong password) takes one Argon2
  verification and gives the same answer, so neither the time nor the words say whether an account exists.
- Attempts are throttled with exponential back-off (``app.users.throttle``), counted and committed before the
  password is checked; nothing locks an account.
- A burst of failures is reported to the administrators once per window, through the outbox.

Like a job, ``sign_in`` owns its transactions: the count must be committed before the slow password check
(so that concurrent attempts see it), and no write lock is held during the check.
"""

from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app import clock
from app.config import Settings, get_settings
from app.db import unit_of_work
from app.errors import DomainError
from app.reminders.alerts import queue_sign_in_alert
from app.users import throttle
from app.users.models import ApiToken, User
from app.users.service import (
    find_user_by_email,
    issue_session_token,
    needs_rehash,
    password_matches,
    set_password_hash,
)

log = logging.getLogger(__name__)


def in_words(seconds: int) -> str:
    """A wait in words: ``8 seconds``, ``3 minutes`` (rounded up)."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = -(-seconds // 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


class TooManyAttempts(DomainError):
    """Too many failed sign-ins lately; ``retry_after`` says how many seconds to wait."""

    status = 429
    title = "Too many attempts"

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many failed sign-ins; try again in {in_words(retry_after)}")
        self.retry_after = retry_after


def sign_in(
    factory: sessionmaker[Session], email: str, password: str, address: str, settings: Settings | None = None
) -> tuple[ApiToken, str] | None:
    """Check a password and issue a twelve-hour token; ``None`` for any wrong e-mail or password.

    Raises ``TooManyAttempts`` while the account, the address or the account from this address must wait.
    Owns its transactions (see the module's docstring).
    """
    settings = settings or get_settings()
    keys = throttle.keys_for(email, address)
    now = clock.now()
    with unit_of_work(factory) as session:
        throttle.prune_once_per_window(session, now, settings)
        wait = throttle.claim_attempt(session, keys, now, settings)
        if wait:
            _count_failure(session, keys, email, settings)
    if wait:
        raise TooManyAttempts(wait)

    with unit_of_work(factory, write=False) as session:
        # Columns only: loading a User would also load its roles, one query more when the account exists.
        found = session.execute(
            select(User.id, User.password_hash, User.is_active).where(func.lower(User.email) == email.strip().lower())
        ).first()
        user_id, stored_hash = (found.id, found.password_hash if found.is_active else None) if found else (None, None)
    matched = password_matches(stored_hash, password)  # the one Argon2 check, whoever asked; no lock held

    with unit_of_work(factory) as session:
        if not matched:
            _count_failure(session, keys, email, settings)
            return None
        throttle.record_success(session, keys, clock.now(), settings)
        user = session.get(User, user_id)
        if user is None or not user.is_active:  # deactivated during the check
            return None
        if user.password_hash and needs_rehash(user.password_hash):
            set_password_hash(user, password)
        return issue_session_token(session, user)


def _count_failure(session: Session, keys: throttle.Keys, email: str, settings: Settings) -> None:
    """Count a failed or refused attempt towards the alerts, and queue the alerts of the bursts it completes."""
    for burst in throttle.count_failure(session, keys, clock.now(), settings):
        account = find_user_by_email(session, email) if burst.account_digest else None
        scope = "all" if burst.account_digest is None else f"account-{burst.account_digest[:16]}"
        alerts = queue_sign_in_alert(session, burst.window_start, account, burst.account_digest is not None, scope)
        who = "all accounts" if burst.account_digest is None else f"account {burst.account_digest[:8]}"
        if account is not None:
            who += f" (user {account.id})"
        log.warning(
            "sign-in alert: %d failed sign-ins for %s since %s; %d administrator(s) notified",
            burst.threshold,
            who,
            burst.window_start.isoformat(),
            len(alerts),
        )
