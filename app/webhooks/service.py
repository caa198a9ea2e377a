"""Webhook subscriptions, their delivery log, replays and test messages: admins only (``Action.MANAGE_WEBHOOKS``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app import clock
from app.db import get_for_update
from app.errors import NotFound, PreconditionFailed, invalid
from app.i18n import MESSAGES
from app.users.models import User
from app.users.policy import Action, require
from app.webhooks import events, signing
from app.webhooks.addresses import RefusedAddress, check_url
from app.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from app.webhooks.schemas import SubscriptionCreate, SubscriptionUpdate
from app.workflow.actor import Actor


def _check_url(url: str, allow_private: bool) -> None:
    """Refuse a URL that may not be used, naming the field."""
    try:
        check_url(url, allow_private)
    except RefusedAddress as exc:
        raise invalid("url", str(exc)) from None


def _event_types(event_types: list[str]) -> list[str]:
    """The event types, each once, in the order given."""
    return list(dict.fromkeys(event_types))


def create_subscription(
    session: Session, data: SubscriptionCreate, *, actor: User | Actor
) -> tuple[WebhookSubscription, str]:
    """Add a subscription with a fresh secret; returns it and the secret (shown once)."""
    require(actor, Action.MANAGE_WEBHOOKS)
    _check_url(data.url, data.allow_private)
    secret = signing.new_secret()
    subscription = WebhookSubscription(
        url=data.url,
        description=data.description,
        event_types=_event_types(list(data.event_types)),
        secret=secret,
        active=data.active,
        allow_private=data.allow_private,
        created_by_id=getattr(actor, "id", None) if isinstance(actor, User) else actor.user_id,
    )
    session.add(subscription)
    session.flush()
    return subscription, secret


def list_subscriptions(session: Session, *, actor: User | Actor) -> list[WebhookSubscription]:
    """Every subscription, newest first."""
    require(actor, Action.MANAGE_WEBHOOKS)
    return list(session.scalars(select(WebhookSubscription).order_by(WebhookSubscription.id.desc())))


def get_subscription(session: Session, subscription_id: int, *, actor: User | Actor) -> WebhookSubscription:
    """One subscription, or ``NotFound``."""
    require(actor, Action.MANAGE_WEBHOOKS)
    subscription = session.get(WebhookSubscription, subscription_id)
    if subscription is None:
        raise NotFound(MESSAGES.gettext("webhook {id} does not exist", id=subscription_id))
    return subscription


def _locked(session: Session, subscription_id: int, expected_version: int | None) -> WebhookSubscription:
    """The subscription, locked, checked against the version the client last saw."""
    subscription = get_for_update(session, WebhookSubscription, subscription_id, "webhook")
    if expected_version is not None and subscription.version != expected_version:
        raise PreconditionFailed(
            MESSAGES.gettext(
                "the webhook changed since you read it (version {version}); read it again", version=subscription.version
            )
        )
    return subscription


def update_subscription(
    session: Session,
    subscription_id: int,
    data: SubscriptionUpdate,
    expected_version: int | None = None,
    *,
    actor: User | Actor,
) -> WebhookSubscription:
    """Change a subscription's URL, events, description, active flag or private allowance (the URL checked again)."""
    require(actor, Action.MANAGE_WEBHOOKS)
    subscription = _locked(session, subscription_id, expected_version)
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude_none=True)
    url = changes.get("url", subscription.url)
    allow_private = changes.get("allow_private", subscription.allow_private)
    if "url" in changes or "allow_private" in changes:
        _check_url(url, allow_private)
    if "event_types" in changes:
        changes["event_types"] = _event_types(changes["event_types"])
    for name, value in changes.items():
        setattr(subscription, name, value)
    session.flush()
    return subscription


def renew_secret(
    session: Session, subscription_id: int, expected_version: int | None = None, *, actor: User | Actor
) -> tuple[WebhookSubscription, str]:
    """Give a subscription a new secret (the old one stops signing at once); returns it, shown once."""
    require(actor, Action.MANAGE_WEBHOOKS)
    subscription = _locked(session, subscription_id, expected_version)
    subscription.secret = signing.new_secret()
    session.flush()
    return subscription, subscription.secret


def delete_subscription(
    session: Session, subscription_id: int, expected_version: int | None = None, *, actor: User | Actor
) -> None:
    """Remove a subscription and its delivery log."""
    require(actor, Action.MANAGE_WEBHOOKS)
    subscription = _locked(session, subscription_id, expected_version)
    session.delete(subscription)
    session.flush()


def deliveries(subscription_id: int, status: DeliveryStatus | None = None) -> Select[tuple[WebhookDelivery]]:
    """The delivery log of one subscription (newest first), optionally of one status."""
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return stmt.order_by(WebhookDelivery.id.desc())


def get_delivery(session: Session, subscription_id: int, delivery_id: int, *, actor: User | Actor) -> WebhookDelivery:
    """One delivery of one subscription, or ``NotFound``."""
    require(actor, Action.MANAGE_WEBHOOKS)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != subscription_id:
        raise NotFound(MESSAGES.gettext("webhook delivery {id} does not exist", id=delivery_id))
    return delivery


def replay(session: Session, subscription_id: int, delivery_id: int, *, actor: User | Actor) -> WebhookDelivery:
    """Send a message again, by hand: a new delivery of the same body, due now, with a new ``webhook-id``.

    The original stays in the log as it was (``replay_of_id`` links the two). A new id, because a receiver that
    deduplicates by ``webhook-id`` would otherwise drop the very message an admin asked to send again.
    """
    original = get_delivery(session, subscription_id, delivery_id, actor=actor)
    now = clock.now()
    copy = WebhookDelivery(
        subscription_id=original.subscription_id,
        message_id=events.new_message_id(),
        event_type=original.event_type,
        body=original.body,
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        replay_of_id=original.id,
    )
    session.add(copy)
    session.flush()
    return copy


def send_test(session: Session, subscription_id: int, *, actor: User | Actor) -> WebhookDelivery:
    """Queue a ``webhook.test`` message to one subscription (whatever events it asked for)."""
    subscription = get_subscription(session, subscription_id, actor=actor)
    now = clock.now()
    data = {"subscription_id": subscription.id, "message": "a test message sent by an administrator"}
    delivery = WebhookDelivery(
        subscription_id=subscription.id,
        message_id=events.new_message_id(),
        event_type=events.TEST,
        body=events.body_of(events.TEST, now, data),
        status=DeliveryStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
    )
    session.add(delivery)
    session.flush()
    return delivery
