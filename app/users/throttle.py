"""Sign-in throttling: exponential back-off per account, per client address and per account from one address.

Every attempt is counted as a failure *before* the password is checked, in a short transaction of its own,
with the counter rows locked (``db.get_for_update``): the check and the increment are one step, so concurrent
attempts cannot slip past the limit, and a success afterwards gives the provisional failure back.

After ``free`` failures under a key, each further attempt under it must wait 1 s, then 2, 4, … up to a cap.
The account as a whole has a low cap (nobody can lock a user out for long); an address the user signed in
from lately is not held by the account's or the address's counters at all, only by its own (account, address)
counter, so failures from elsewhere never keep the real user out. Failures are forgotten after
``FAILURE_MEMORY`` without one.

Keys never hold what was typed as the e-mail (it may be a password typed in the wrong box), only a salted
SHA-256 digest of it. Refused and failed attempts are also counted per alert window, across accounts and per
account, so that the administrators hear of a burst once per window (see ``app.users.sign_in``).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import ip_address, ip_network
from typing import Any

from sqlalchemy import case, delete, null, or_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import get_for_update
from app.users.models import SignInThrottle

FAILURE_MEMORY = timedelta(minutes=15)
KNOWN_CLIENT_FOR = timedelta(days=30)
_SALT = b"agreements/sign-in-throttle/v1:"
_TABLE = SignInThrottle.__table__


def account_digest(email: str) -> str:
    """A salted digest of what was typed as the e-mail, normalised as accounts are (never the text itself)."""
    return hashlib.sha256(_SALT + email.strip().lower().encode("utf-8", "replace")).hexdigest()[:32]


def client_part(address: str) -> str:
    """The part of a client address that is counted: the address, or its /64 for IPv6 (one subscriber's block)."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return address[:64]
    if parsed.version == 6 and parsed.ipv4_mapped is not None:
        return str(parsed.ipv4_mapped)
    return str(ip_network(f"{parsed}/64", strict=False)) if parsed.version == 6 else str(parsed)


@dataclass(frozen=True)
class Keys:
    """The counters one sign-in attempt is counted under."""

    digest: str
    account: str
    client: str
    pair: str


def keys_for(email: str, address: str) -> Keys:
    """The keys of an attempt to sign in as ``email`` from ``address``."""
    digest, client = account_digest(email), client_part(address)
    return Keys(digest, f"account:{digest}", f"client:{client}", f"pair:{digest}:{client}")


def backoff_seconds(failures: int, free: int, cap: int) -> int:
    """The wait after ``failures`` failures: none before ``free`` of them, then 1 s doubling, at most ``cap``."""
    if failures < free:
        return 0
    return min(2 ** min(failures - free, 30), cap)


def _limits(keys: Keys, key: str, settings: Settings) -> tuple[int, int]:
    if key == keys.account:
        return settings.sign_in_free_failures, settings.sign_in_account_max_delay_seconds
    if key == keys.client:
        return settings.sign_in_free_failures_per_client, settings.sign_in_max_delay_seconds
    return settings.sign_in_free_failures, settings.sign_in_max_delay_seconds


def _insert(session: Session) -> Any:
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def _wait(row: SignInThrottle, now: datetime) -> int:
    if row.blocked_until is None or row.blocked_until <= now:
        return 0
    return max(1, math.ceil((row.blocked_until - now).total_seconds()))


def claim_attempt(session: Session, keys: Keys, now: datetime, settings: Settings) -> int:
    """Count an attempt as failed under each key, unless one that applies is in back-off; the seconds to wait.

    0 means the attempt may go ahead (and has been counted); otherwise nothing was counted. Flush only: the
    caller commits at once, before checking the password, so that concurrent attempts see the count.
    """
    ordered = sorted([keys.account, keys.client, keys.pair])  # one lock order for everyone: no deadlock
    fresh = [{"key": key, "failures": 0, "updated_at": now} for key in ordered]
    session.execute(_insert(session)(SignInThrottle).values(fresh).on_conflict_do_nothing(index_elements=["key"]))
    rows = {key: get_for_update(session, SignInThrottle, key, "sign-in counter") for key in ordered}
    pair = rows[keys.pair]
    known_client = pair.last_success_at is not None and now - pair.last_success_at <= KNOWN_CLIENT_FOR
    applying = [keys.pair] if known_client else ordered
    wait = max(_wait(rows[key], now) for key in applying)
    if wait:
        return wait
    for key, row in rows.items():
        if row.last_failure_at is None or now - row.last_failure_at > FAILURE_MEMORY:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = row.updated_at = now
        delay = backoff_seconds(row.failures, *_limits(keys, key, settings))
        row.blocked_until = now + timedelta(seconds=delay) if delay else None
    session.flush()
    return 0


def record_success(session: Session, keys: Keys, now: datetime, settings: Settings) -> None:
    """Give back the failure counted ahead of a good password, clear the pair and remember it as the user's."""
    for key in sorted([keys.account, keys.client, keys.pair]):
        if key == keys.pair:
            values: dict[str, Any] = {"failures": 0, "blocked_until": None, "last_success_at": now}
        else:
            free, _ = _limits(keys, key, settings)
            values = {
                "failures": case((_TABLE.c.failures > 0, _TABLE.c.failures - 1), else_=0),
                "blocked_until": case((_TABLE.c.failures - 1 < free, null()), else_=_TABLE.c.blocked_until),
            }
        session.execute(update(_TABLE).where(_TABLE.c.key == key).values(updated_at=now, **values))


def _bump(session: Session, key: str, now: datetime) -> int:
    """Add one to a counter created on first use, atomically; the new count."""
    stmt = _insert(session)(SignInThrottle).values(key=key, failures=1, last_failure_at=now, updated_at=now)
    stmt = stmt.on_conflict_do_update(
        index_elements=["key"],
        set_={"failures": _TABLE.c.failures + 1, "last_failure_at": now, "updated_at": now},
    )
    return session.execute(stmt.returning(_TABLE.c.failures)).scalar_one()


@dataclass(frozen=True)
class Burst:
    """A burst of failed sign-ins that has just crossed its threshold (reported once per window)."""

    window_start: datetime
    threshold: int
    account_digest: str | None  # None: across all accounts


def count_failure(session: Session, keys: Keys, now: datetime, settings: Settings) -> list[Burst]:
    """Count a failed or refused attempt in the alert window; the bursts it makes cross their threshold."""
    window = settings.sign_in_alert_window_minutes * 60
    index = int(now.timestamp()) // window
    start = datetime.fromtimestamp(index * window, tz=now.tzinfo)
    bursts = []
    if _bump(session, f"burst:all:{index}", now) == settings.sign_in_alert_failures:
        bursts.append(Burst(start, settings.sign_in_alert_failures, None))
    if _bump(session, f"burst:{keys.digest}:{index}", now) == settings.sign_in_alert_account_failures:
        bursts.append(Burst(start, settings.sign_in_alert_account_failures, keys.digest))
    return bursts


def prune_once_per_window(session: Session, now: datetime, settings: Settings) -> int:
    """Delete counters nobody needs any more, the first time this is called in an alert window; rows deleted."""
    window = settings.sign_in_alert_window_minutes * 60
    tick = {"key": f"prune:{int(now.timestamp()) // window}", "failures": 0, "updated_at": now}
    claim_tick = _insert(session)(SignInThrottle).values(tick).on_conflict_do_nothing(index_elements=["key"])
    first = session.execute(claim_tick)
    if not first.rowcount:
        return 0
    longest = max(settings.sign_in_max_delay_seconds, settings.sign_in_account_max_delay_seconds, 2 * window)
    idle = now - max(FAILURE_MEMORY, timedelta(seconds=longest))
    stale = delete(_TABLE).where(
        _TABLE.c.updated_at < idle,
        or_(_TABLE.c.last_success_at.is_(None), _TABLE.c.last_success_at < now - KNOWN_CLIENT_FOR),
    )
    return session.execute(stale).rowcount or 0
