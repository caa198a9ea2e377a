"""HTTP endpoints for webhooks (admins): subscriptions, their delivery log, replays and test messages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status

from app.api.deps import CurrentUser, DbSession, ExpectedVersion, TransactionalRoute, set_etag
from app.api.paging import page_response
from app.listing import Page, Paging, page_of, paginate
from app.schemas import MAX_ID
from app.webhooks import service
from app.webhooks.models import WebhookSubscription
from app.webhooks.schemas import (
    DeliveryFilter,
    DeliveryRead,
    SubscriptionCreate,
    SubscriptionRead,
    SubscriptionUpdate,
    SubscriptionWithSecret,
)

router = APIRouter(route_class=TransactionalRoute, tags=["webhooks"])
WebhookId = Annotated[int, Path(gt=0, le=MAX_ID, description="Webhook subscription id")]
DeliveryId = Annotated[int, Path(gt=0, le=MAX_ID, description="Webhook delivery id")]


class DeliveryQuery(DeliveryFilter, Paging):
    """Filters and paging of a delivery log."""


def _with_secret(subscription: WebhookSubscription, secret: str) -> SubscriptionWithSecret:
    return SubscriptionWithSecret.model_validate(
        {**SubscriptionRead.model_validate(subscription).model_dump(), "secret": secret}
    )


@router.get("/webhooks", response_model=Page[SubscriptionRead])
def list_webhooks(session: DbSession, user: CurrentUser, paging: Annotated[Paging, Query()]) -> Response:
    """Every webhook subscription, newest first (admins; secrets are never shown again)."""
    found = page_of(service.list_subscriptions(session, actor=user), paging)
    return page_response(Page[SubscriptionRead].of(found, SubscriptionRead.model_validate))


@router.post("/webhooks", response_model=SubscriptionWithSecret, status_code=status.HTTP_201_CREATED)
def create_webhook(
    session: DbSession, user: CurrentUser, body: SubscriptionCreate, response: Response
) -> SubscriptionWithSecret:
    """Subscribe a URL to events (admins); the signing secret is in this response only."""
    subscription, secret = service.create_subscription(session, body, actor=user)
    response.headers["Location"] = f"/api/v1/webhooks/{subscription.id}"
    set_etag(response, subscription.version)
    return _with_secret(subscription, secret)


@router.get("/webhooks/{webhook_id}", response_model=SubscriptionRead)
def get_webhook(session: DbSession, user: CurrentUser, webhook_id: WebhookId, response: Response) -> SubscriptionRead:
    """One webhook subscription (admins)."""
    subscription = service.get_subscription(session, webhook_id, actor=user)
    set_etag(response, subscription.version)
    return SubscriptionRead.model_validate(subscription)


@router.patch("/webhooks/{webhook_id}", response_model=SubscriptionRead)
def update_webhook(
    session: DbSession,
    user: CurrentUser,
    webhook_id: WebhookId,
    body: SubscriptionUpdate,
    expected_version: ExpectedVersion,
    response: Response,
) -> SubscriptionRead:
    """Change a subscription's URL, events, description or flags (admins); ``If-Match`` refuses a stale write."""
    subscription = service.update_subscription(session, webhook_id, body, expected_version, actor=user)
    set_etag(response, subscription.version)
    return SubscriptionRead.model_validate(subscription)


@router.delete("/webhooks/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_webhook(
    session: DbSession, user: CurrentUser, webhook_id: WebhookId, expected_version: ExpectedVersion
) -> Response:
    """Remove a subscription and its delivery log (admins)."""
    service.delete_subscription(session, webhook_id, expected_version, actor=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/webhooks/{webhook_id}/secret", response_model=SubscriptionWithSecret)
def renew_webhook_secret(
    session: DbSession, user: CurrentUser, webhook_id: WebhookId, expected_version: ExpectedVersion, response: Response
) -> SubscriptionWithSecret:
    """Give a subscription a new signing secret (admins); it is in this response only."""
    subscription, secret = service.renew_secret(session, webhook_id, expected_version, actor=user)
    set_etag(response, subscription.version)
    return _with_secret(subscription, secret)


@router.get("/webhooks/{webhook_id}/deliveries", response_model=Page[DeliveryRead])
def list_deliveries(
    session: DbSession, user: CurrentUser, webhook_id: WebhookId, query: Annotated[DeliveryQuery, Query()]
) -> Response:
    """The delivery log of one subscription, newest first: status, attempts, last answer or error (admins)."""
    service.get_subscription(session, webhook_id, actor=user)
    found = paginate(session, service.deliveries(webhook_id, query.status), query)
    return page_response(Page[DeliveryRead].of(found, DeliveryRead.model_validate))


@router.get("/webhooks/{webhook_id}/deliveries/{delivery_id}", response_model=DeliveryRead)
def get_delivery(session: DbSession, user: CurrentUser, webhook_id: WebhookId, delivery_id: DeliveryId) -> DeliveryRead:
    """One delivery of one subscription (admins)."""
    return DeliveryRead.model_validate(service.get_delivery(session, webhook_id, delivery_id, actor=user))


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/replay",
    response_model=DeliveryRead,
    status_code=status.HTTP_201_CREATED,
)
def replay_delivery(
    session: DbSession, user: CurrentUser, webhook_id: WebhookId, delivery_id: DeliveryId
) -> DeliveryRead:
    """Send a message again at the next dispatch, as a new delivery with a new webhook-id (admins)."""
    return DeliveryRead.model_validate(service.replay(session, webhook_id, delivery_id, actor=user))


@router.post("/webhooks/{webhook_id}/test", response_model=DeliveryRead, status_code=status.HTTP_201_CREATED)
def send_test_event(session: DbSession, user: CurrentUser, webhook_id: WebhookId) -> DeliveryRead:
    """Queue a webhook.test message to this subscription, sent at the next dispatch (admins)."""
    return DeliveryRead.model_validate(service.send_test(session, webhook_id, actor=user))
