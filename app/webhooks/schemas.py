"""What the webhook API reads and writes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from app.schemas import InputModel, OutputModel, QueryModel
from app.webhooks.models import DeliveryStatus

EventType = Literal[
    "*", "workflow.transition", "agreement.signed", "obligation.overdue", "reminder.sent", "webhook.test"
]
WebhookUrl = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]


class SubscriptionCreate(InputModel):
    """A new subscription: where to send which events."""

    url: WebhookUrl = Field(description="An https:// URL of a public address (http or private with allow_private).")
    event_types: list[EventType] = Field(min_length=1, max_length=10, description="The events to send ('*': all).")
    description: Description = ""
    active: bool = True
    allow_private: bool = Field(
        False, description="Allow plain http and private, loopback or link-local addresses (tests, an intranet)."
    )


class SubscriptionUpdate(InputModel):
    """Changes to a subscription; what is left out stays as it is."""

    url: WebhookUrl | None = None
    event_types: list[EventType] | None = Field(None, min_length=1, max_length=10)
    description: Description | None = None
    active: bool | None = None
    allow_private: bool | None = None


class SubscriptionRead(OutputModel):
    """A subscription, without its secret (shown once, when it is created or renewed)."""

    id: int
    url: str
    description: str
    event_types: list[str]
    active: bool
    allow_private: bool
    created_by_id: int | None
    created_at: datetime
    updated_at: datetime
    version: int


class SubscriptionWithSecret(SubscriptionRead):
    """A subscription just created or whose secret was just renewed: the only time the secret is shown."""

    secret: str = Field(description="The signing secret (whsec_…): keep it, it is not shown again.")


class DeliveryRead(OutputModel):
    """One message to one subscription and how its delivery went."""

    id: int
    subscription_id: int
    message_id: str = Field(description="The webhook-id header: the same on every attempt.")
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    replay_of_id: int | None
    created_at: datetime
    body: str = Field(description="The JSON text sent (and signed).")


class DeliveryFilter(QueryModel):
    """Which deliveries to list."""

    status: DeliveryStatus | None = None
