"""The webhook dispatcher: claims due deliveries from the outbox and POSTs them, signed, to their subscriptions.

Three steps, like the reminders' (``app.reminders.dispatcher``). (1) One short transaction reclaims deliveries whose
claim outlived its lease (a crashed worker) and claims a batch of due ones (``sending``): on PostgreSQL with
``FOR UPDATE SKIP LOCKED`` so that two workers take disjoint batches, on SQLite inside its single writer. (2) Each
message is POSTed, the URL checked again and the connection made to the address that was checked. (3) Each outcome is
recorded in a transaction of its own right away: ``delivered`` on a 2xx answer; otherwise ``pending`` again after an
exponential back-off with jitter, or ``failed`` after the last attempt (a 410 Gone also turns the subscription off).

Delivery is at least once: a worker that dies between the receiver's answer and step (3) leaves the delivery
``sending`` until its lease expires, and it is sent again with the same ``webhook-id``, by which a receiver
recognises it.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import ssl
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit

import certifi
import httpx
from sqlalchemy import case, select
from sqlalchemy.orm import Session, sessionmaker

from app import __version__, clock
from app.config import Settings, get_settings
from app.db import unit_of_work
from app.webhooks import outbox, signing
from app.webhooks.addresses import RefusedAddress, Target, check_url
from app.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription

log = logging.getLogger(__name__)

MAX_BACKOFF_SECONDS = 6 * 3600
MAX_RESPONSE_BYTES = 64 * 1024
MAX_ERROR_LENGTH = 500
DELIVERY_COUNTS = {"delivered": 0, "retried": 0, "failed": 0}
"""Attempts this process made, by outcome (read by ``/metrics``)."""
LEASE_EXPIRED = "the dispatcher that claimed it stopped before recording the outcome (lease expired)"


@dataclass(frozen=True)
class Claimed:
    """A claimed delivery and what sending it needs."""

    id: int
    message_id: str
    body: str
    attempts: int
    subscription_id: int
    url: str
    secret: str
    allow_private: bool


@dataclass
class WebhookReport:
    """What one dispatch did."""

    delivered: int = 0
    retried: int = 0
    failed: int = 0
    reclaimed: int = 0
    released: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    @property
    def claimed(self) -> int:
        """How many deliveries this dispatch took on."""
        return self.delivered + self.retried + self.failed + self.released


def default_worker_id() -> str:
    """A worker id unique to this process and call."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff_seconds(attempts: int, base: float, jitter: float | None = None) -> float:
    """The wait after ``attempts`` failed attempts: ``base * 2**(attempts-1)`` at most 6 hours, ±20 % jitter."""
    wait = min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS)
    spread = random.uniform(-0.2, 0.2) if jitter is None else jitter
    return wait * (1 + spread)


# claiming ----------------------------------------------------------------------------------------------------

_table = WebhookDelivery.__table__


def reclaim_expired(session: Session, now: datetime, settings: Settings) -> int:
    """Make deliveries stuck in ``sending`` past their lease due again (counting the lost attempt); flush only."""
    cutoff = now - timedelta(seconds=settings.webhook_lease_seconds)
    last = _table.c.attempts + 1 >= settings.webhook_max_attempts
    stmt = outbox.move_statement(
        [DeliveryStatus.SENDING],
        case((last, DeliveryStatus.FAILED.value), else_=DeliveryStatus.PENDING.value),
        _table.c.claimed_at < cutoff,
        possible=(DeliveryStatus.FAILED, DeliveryStatus.PENDING),
        attempts=_table.c.attempts + 1,
        last_error=LEASE_EXPIRED,
        claimed_by=None,
        claimed_at=None,
        next_attempt_at=now,
        updated_at=now,
    )
    return session.execute(stmt).rowcount or 0


def claim_due(session: Session, worker_id: str, now: datetime, limit: int) -> list[Claimed]:
    """Claim up to ``limit`` due deliveries of active subscriptions for ``worker_id``, oldest first; flush only.

    PostgreSQL locks the due rows with ``FOR UPDATE SKIP LOCKED`` (concurrent workers take disjoint batches without
    waiting); SQLite claims them with a conditional UPDATE inside its single-writer transaction.
    """
    subscriptions = WebhookSubscription.__table__
    active = select(subscriptions.c.id).where(subscriptions.c.active.is_(True))
    due = (
        select(_table.c.id)
        .where(
            _table.c.status == DeliveryStatus.PENDING.value,
            _table.c.next_attempt_at <= now,
            _table.c.subscription_id.in_(active),
        )
        .order_by(_table.c.next_attempt_at, _table.c.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        locked = due.with_for_update(skip_locked=True, of=_table).cte("due").prefix_with("MATERIALIZED")
        due_ids = _table.c.id.in_(select(locked.c.id))
    else:
        due_ids = _table.c.id.in_(due.correlate(None).scalar_subquery())
    claim = outbox.move_statement(
        [DeliveryStatus.PENDING], DeliveryStatus.SENDING, due_ids, claimed_by=worker_id, claimed_at=now, updated_at=now
    )
    if not session.execute(claim).rowcount:
        return []
    mine = (
        select(
            _table.c.id, _table.c.message_id, _table.c.body, _table.c.attempts, _table.c.subscription_id,
            subscriptions.c.url, subscriptions.c.secret, subscriptions.c.allow_private,
        )
        .join(subscriptions, subscriptions.c.id == _table.c.subscription_id)
        .where(_table.c.status == DeliveryStatus.SENDING.value, _table.c.claimed_by == worker_id)
        .order_by(_table.c.next_attempt_at, _table.c.id)
    )  # fmt: skip
    return [Claimed(**row._mapping) for row in session.execute(mine)]


# sending -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """The receiver's answer (a status code) or why there was none."""

    status_code: int | None
    error: str | None

    @property
    def delivered(self) -> bool:
        """A 2xx answer."""
        return self.status_code is not None and 200 <= self.status_code < 300


def _pinned_url(target: Target) -> str:
    """``target.url`` with its host replaced by the checked address (the Host header and SNI keep the name)."""
    parts = urlsplit(target.url)
    address = f"[{target.address}]" if target.address.version == 6 else str(target.address)
    path = parts.path or "/"
    return f"{target.scheme}://{address}:{target.port}{path}" + (f"?{parts.query}" if parts.query else "")


def _host_header(target: Target) -> str:
    """The Host header of the original URL."""
    host = f"[{target.host}]" if ":" in target.host else target.host
    default = 443 if target.scheme == "https" else 80
    return host if target.port == default else f"{host}:{target.port}"


@cache
def _tls() -> ssl.SSLContext:
    """The TLS settings of every delivery (certificates checked against certifi's roots), built once: building
    them loads the roots, which costs more than a small request."""
    return ssl.create_default_context(cafile=certifi.where())


def post(target: Target, headers: dict[str, str], body: str, timeout: float) -> Outcome:
    """POST ``body`` to the checked address of ``target``: no redirects, no proxy, a bounded answer read."""
    request_headers = {
        **headers,
        "Host": _host_header(target),
        "Content-Type": "application/json",
        "User-Agent": f"agreements-webhooks/{__version__}",
    }
    extensions: dict[str, Any] = {"sni_hostname": target.host} if target.scheme == "https" else {}
    try:
        with (
            httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False, verify=_tls()) as client,
            client.stream(
                "POST", _pinned_url(target), content=body.encode("utf-8"), headers=request_headers,
                extensions=extensions,
            ) as response,
        ):  # fmt: skip
            read = 0
            excerpt = b""
            for chunk in response.iter_raw():
                if len(excerpt) < 200:
                    excerpt += chunk[: 200 - len(excerpt)]
                read += len(chunk)
                if read >= MAX_RESPONSE_BYTES:
                    break
            if 200 <= response.status_code < 300:
                return Outcome(response.status_code, None)
            said = excerpt.decode("utf-8", "replace").strip()
            return Outcome(response.status_code, f"HTTP {response.status_code}" + (f": {said}" if said else ""))
    except httpx.HTTPError as exc:
        return Outcome(None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH])


def send(claimed: Claimed, at: datetime, settings: Settings) -> Outcome:
    """Check the subscription's URL again (its addresses may have changed) and POST the signed message."""
    try:
        target = check_url(claimed.url, claimed.allow_private)
    except RefusedAddress as exc:
        return Outcome(None, f"refused: the URL {exc}"[:MAX_ERROR_LENGTH])
    headers = signing.headers_for(claimed.secret, claimed.message_id, at, claimed.body)
    return post(target, headers, claimed.body, settings.webhook_timeout_seconds)


# recording ---------------------------------------------------------------------------------------------------


def record(
    factory: sessionmaker[Session], claimed: Claimed, outcome: Outcome, worker_id: str, at: datetime, settings: Settings
) -> DeliveryStatus | None:
    """Record one attempt's outcome in a transaction of its own; the delivery's new status (None if not ours)."""
    attempts = claimed.attempts + 1
    with unit_of_work(factory) as session:
        if outcome.delivered:
            stmt = outbox.move_statement(
                # also when the claim was lost meanwhile (lease expired): the receiver did accept it
                [DeliveryStatus.SENDING, DeliveryStatus.PENDING, DeliveryStatus.FAILED],
                DeliveryStatus.DELIVERED,
                _table.c.id == claimed.id,
                attempts=attempts,
                last_status_code=outcome.status_code,
                last_error=None,
                delivered_at=at,
                claimed_by=None,
                claimed_at=None,
                updated_at=at,
            )
            return DeliveryStatus.DELIVERED if session.execute(stmt).rowcount else None
        gone = outcome.status_code == 410
        dest = DeliveryStatus.FAILED if gone or attempts >= settings.webhook_max_attempts else DeliveryStatus.PENDING
        stmt = outbox.move_statement(
            [DeliveryStatus.SENDING],
            dest,
            _table.c.id == claimed.id,
            _table.c.claimed_by == worker_id,
            attempts=attempts,
            last_status_code=outcome.status_code,
            last_error=(outcome.error or "")[:MAX_ERROR_LENGTH],
            next_attempt_at=at + timedelta(seconds=backoff_seconds(attempts, settings.webhook_retry_base_seconds)),
            claimed_by=None,
            claimed_at=None,
            updated_at=at,
        )
        if not session.execute(stmt).rowcount:
            return None
        if gone:  # the receiver says this endpoint is gone for good: stop sending to it
            subscription = session.get(WebhookSubscription, claimed.subscription_id)
            if subscription is not None:
                subscription.active = False
        return dest


def release(factory: sessionmaker[Session], ids: list[int], worker_id: str, at: datetime) -> None:
    """Hand unsent claims back untouched (no attempt counted), when the lease is running out or on shutdown."""
    with unit_of_work(factory) as session:
        mine = (_table.c.id.in_(ids), _table.c.claimed_by == worker_id)
        untouched = {"claimed_by": None, "claimed_at": None, "updated_at": at}
        session.execute(outbox.move_statement([DeliveryStatus.SENDING], DeliveryStatus.PENDING, *mine, **untouched))


def dispatch_webhooks(
    factory: sessionmaker[Session],
    settings: Settings | None = None,
    worker_id: str | None = None,
    now: datetime | None = None,
    stopping: threading.Event | None = None,
) -> WebhookReport:
    """Deliver one batch of due webhook messages; each claimed one ends delivered, retried later, failed or released.

    ``now`` fixes the instant for the whole dispatch (tests travel in time); by default the clock is asked. Once
    ``stopping`` is set (shutdown), the message in flight finishes and the rest of the batch is released at once.
    """
    settings = settings or get_settings()
    worker_id = worker_id or default_worker_id()
    stamp = (lambda: now) if now is not None else clock.now
    report = WebhookReport()
    with unit_of_work(factory) as session:
        report.reclaimed = reclaim_expired(session, stamp(), settings)
        batch = claim_due(session, worker_id, stamp(), settings.webhook_batch_size)
    started = time.monotonic()
    for position, claimed in enumerate(batch):
        shutting_down = stopping is not None and stopping.is_set()
        if shutting_down or time.monotonic() - started > settings.webhook_lease_seconds / 2:
            rest = [other.id for other in batch[position:]]
            release(factory, rest, worker_id, stamp())
            report.released += len(rest)
            break
        at = stamp()
        outcome = send(claimed, at, settings)
        status = record(factory, claimed, outcome, worker_id, stamp(), settings)
        if status == DeliveryStatus.DELIVERED:
            report.delivered += 1
            DELIVERY_COUNTS["delivered"] += 1
            continue
        report.errors.append((claimed.id, outcome.error or ""))
        if status == DeliveryStatus.FAILED:
            report.failed += 1
            DELIVERY_COUNTS["failed"] += 1
            log.error("webhook delivery %s failed and will not be tried again: %s", claimed.id, outcome.error)
        else:
            report.retried += 1
            DELIVERY_COUNTS["retried"] += 1
            log.warning("webhook delivery %s failed, it will be tried again: %s", claimed.id, outcome.error)
    return report
