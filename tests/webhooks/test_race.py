"""Two dispatchers at once, each on its own connections: every message delivered exactly once."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.db import make_engine, unit_of_work
from app.users.schemas import UserCreate
from app.users.service import create_user
from app.webhooks import events, service
from app.webhooks.delivery import claim_due, dispatch_webhooks
from app.webhooks.models import DeliveryStatus, WebhookDelivery
from app.webhooks.schemas import SubscriptionCreate
from tests.builders import SET_UP
from tests.support import scratch_database
from tests.webhooks.reminder_support import send_one_reminder

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def live(database_url, settings, tmp_path) -> Iterator[sessionmaker[Session]]:
    """A session factory of a migrated database of this test's own."""
    with scratch_database(database_url, tmp_path) as url:
        migrate.upgrade(url)
        bound = make_engine(url)
        yield sessionmaker(bind=bound, expire_on_commit=False)
        bound.dispose()


def _fill(factory: sessionmaker[Session], url: str, count: int) -> str:
    """``count`` due messages to one subscription at ``url``; its secret."""
    with unit_of_work(factory) as session:
        data = SubscriptionCreate(url=url, event_types=["webhook.test"], allow_private=True)
        subscription, secret = service.create_subscription(session, data, actor=SET_UP)
        at = NOW - timedelta(minutes=1)
        rows = events.delivery_rows(
            [(subscription.id, ["webhook.test"])], [("webhook.test", {"n": n}) for n in range(count)], at
        )
        session.execute(insert(WebhookDelivery), rows)
    return secret


def _counts(factory: sessionmaker[Session]) -> dict[DeliveryStatus, int]:
    with factory() as session:
        return dict(
            session.execute(select(WebhookDelivery.status, func.count()).group_by(WebhookDelivery.status)).all()
        )


def test_two_dispatchers_at_once_deliver_each_message_exactly_once(live, receiver, hook_settings):
    receiver.secrets.append(_fill(live, receiver.url, 200))
    receiver.now = NOW
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            barrier.wait(10)
            while dispatch_webhooks(live, hook_settings, worker_id=name, now=NOW).claimed:
                pass
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"worker-{n}",)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    ids = Counter(item.headers["webhook-id"] for item in receiver.received)
    assert len(ids) == 200 and max(ids.values()) == 1
    assert all(item.verified for item in receiver.received)
    assert _counts(live) == {DeliveryStatus.DELIVERED: 200}


def test_concurrent_claims_are_disjoint_on_this_backend(live, receiver, backend):
    _fill(live, receiver.url, 10)
    first = live()
    mine = claim_due(first, "first", NOW, 4)  # claimed, not yet committed
    result: dict[str, list[int]] = {}

    def second() -> None:
        with unit_of_work(live) as session:
            result["ids"] = [row.id for row in claim_due(session, "second", NOW, 100)]

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(1.0)
    if backend == "postgresql":
        assert not thread.is_alive(), "SKIP LOCKED: the second worker must not wait for the first"
    else:
        assert thread.is_alive(), "SQLite: the second worker waits for the first one's write transaction"
    first.commit()
    first.close()
    thread.join(20)
    assert len(mine) == 4 and len(result["ids"]) == 6
    assert not {row.id for row in mine} & set(result["ids"])
    assert _counts(live) == {DeliveryStatus.SENDING: 10}


def test_a_reminder_sent_by_a_worker_on_its_own_connection_is_one_message_in_the_same_transaction(live, hook_settings):
    """The dispatcher's held connection (PostgreSQL: one-statement transactions when nobody listens) writes the
    reminder's message with its record of ``sent`` once a subscription wants it."""
    numbers = iter(range(1, 100))
    with live() as session:
        data = SubscriptionCreate(url="http://127.0.0.1:9/hook", event_types=["reminder.sent"], allow_private=True)
        subscription, _ = service.create_subscription(session, data, actor=SET_UP)
        session.commit()
        subscription_id = subscription.id

        def make_user(*roles):
            email = f"live{next(numbers)}@example.org"
            user = create_user(session, UserCreate(email=email, full_name="Live", roles=list(roles)), actor=SET_UP)
            session.commit()
            return user

        reminder_id = send_one_reminder(session, live, make_user, hook_settings)
    with live() as session:
        bodies = session.scalars(
            select(WebhookDelivery.body).where(WebhookDelivery.subscription_id == subscription_id)
        ).all()
    assert [json.loads(body)["data"]["reminder_id"] for body in bodies] == [reminder_id]
