"""Fixtures of the webhook tests: a receiver on loopback and subscriptions to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from sqlalchemy.orm import Session

from app.config import Settings, load_settings
from app.webhooks import service
from app.webhooks.models import WebhookSubscription
from app.webhooks.schemas import SubscriptionCreate
from tests.builders import SET_UP
from tests.webhooks.receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A receiver listening on 127.0.0.1 (its secret set by ``subscribe``)."""
    running = Receiver().start()
    yield running
    running.stop()


@pytest.fixture
def hook_settings(database_url: str) -> Settings:
    """Settings with short back-offs and timeouts."""
    return load_settings(
        database_url=database_url, webhook_retry_base_seconds=60, webhook_max_attempts=4, webhook_timeout_seconds=5
    )


@pytest.fixture
def subscribe(session: Session, receiver: Receiver) -> Callable[..., WebhookSubscription]:
    """Subscribe the receiver (loopback and http: allowed by an admin) to events; the receiver learns the secret."""

    def make(*event_types: str, url: str | None = None) -> WebhookSubscription:
        data = SubscriptionCreate(url=url or receiver.url, event_types=list(event_types), allow_private=True)
        subscription, secret = service.create_subscription(session, data, actor=SET_UP)
        receiver.secrets.append(secret)
        session.commit()
        return subscription

    return make
