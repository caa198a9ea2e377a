"""Webhook events: which exist, what their JSON says, and how they enter the outbox in the transaction that made them.

Every state change writes a :class:`~app.workflow.models.TransitionEvent` (the engine's audit path, whatever fired
it: the API, a page, the scheduler, an import). When a flush writes such events, :func:`_enqueue_transitions` writes
one delivery per matching active subscription, on the same connection and so in the same transaction: a rolled-back
transition leaves no message, a committed one always has its messages. A reminder recorded ``sent`` does the same
through :data:`app.reminders.claims.SENT_HOOKS`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, event, insert, select
from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.reminders import claims
from app.reminders.models import Reminder
from app.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from app.workflow import definition
from app.workflow.models import TransitionEvent

TRANSITION = "workflow.transition"
AGREEMENT_SIGNED = "agreement.signed"
OBLIGATION_OVERDUE = "obligation.overdue"
REMINDER_SENT = "reminder.sent"
TEST = "webhook.test"
EVENT_TYPES = (TRANSITION, AGREEMENT_SIGNED, OBLIGATION_OVERDUE, REMINDER_SENT, TEST)
"""Every event a subscription may ask for (``*`` asks for all)."""
WILDCARD = "*"
ENTERED_GROUP = {AGREEMENT_SIGNED: ("agreement", "signed_and_in_force"), OBLIGATION_OVERDUE: ("obligation", "late")}
"""Events that mean an entity entered a group of states of its workflow (from a state outside it)."""
PLURAL = {"agreement": "agreements", "partnership": "partnerships", "obligation": "obligations"}


def new_message_id() -> str:
    """A fresh Standard Webhooks message id (``webhook-id``)."""
    return f"msg_{uuid.uuid4().hex}"


def wants(event_types: Iterable[str], event_type: str) -> bool:
    """Whether a subscription to ``event_types`` receives ``event_type``."""
    return any(wanted in (WILDCARD, event_type) for wanted in event_types)


def body_of(event_type: str, at: datetime, data: dict[str, Any]) -> str:
    """The JSON text of one message: ``{"type", "timestamp", "data"}``."""
    stamp = at.isoformat().replace("+00:00", "Z")
    return json.dumps({"type": event_type, "timestamp": stamp, "data": data}, ensure_ascii=False, sort_keys=True)


def links(kind: str, entity_id: int) -> dict[str, str]:
    """Where a person (``page``) and a program (``api``) find the entity."""
    base = get_settings().base_url.rstrip("/")
    plural = PLURAL.get(kind, f"{kind}s")
    return {"api": f"{base}/api/v1/{plural}/{entity_id}", "page": f"{base}/{plural}/{entity_id}"}


def _entered(kind: str, group: str, transition: TransitionEvent) -> bool:
    """Whether ``transition`` moved an entity of ``kind`` into ``group`` from outside it."""
    if transition.entity_type != kind:
        return False
    states = definition.get_workflow(kind).group(group)
    return transition.to_state in states and transition.from_state not in states


def transition_messages(transition: TransitionEvent) -> list[tuple[str, dict[str, Any]]]:
    """The events one state change makes: always a transition, and a signing or an overdue when it is one."""
    data: dict[str, Any] = {
        "workflow": transition.entity_type,
        "entity_id": transition.entity_id,
        "from_state": transition.from_state,
        "to_state": transition.to_state,
        "trigger": transition.trigger,
        "actor": {"type": "user", "id": transition.actor_id} if transition.actor_id else {"type": "system"},
        "comment": transition.comment,
        "transition_event_id": transition.id,
        "links": links(transition.entity_type, transition.entity_id),
    }
    messages = [(TRANSITION, data)]
    for event_type, (kind, group) in ENTERED_GROUP.items():
        if _entered(kind, group, transition):
            messages.append((event_type, {f"{kind}_id": transition.entity_id, **data}))
    return messages


def _subscriptions(connection: Connection | Session) -> list[tuple[int, list[str]]]:
    """The active subscriptions and the events each wants."""
    table = WebhookSubscription.__table__
    rows = connection.execute(select(table.c.id, table.c.event_types).where(table.c.active.is_(True)))
    return [(row.id, list(row.event_types or [])) for row in rows]


def delivery_rows(
    subscriptions: list[tuple[int, list[str]]], messages: list[tuple[str, dict[str, Any]]], at: datetime
) -> list[dict[str, Any]]:
    """One outbox row per message and subscription that wants it, each with its own ``webhook-id``."""
    return [
        {
            "subscription_id": subscription_id,
            "message_id": new_message_id(),
            "event_type": event_type,
            "body": body_of(event_type, at, data),
            "status": DeliveryStatus.PENDING.value,
            "attempts": 0,
            "next_attempt_at": at,
            "created_at": at,
            "updated_at": at,
        }
        for event_type, data in messages
        for subscription_id, wanted in subscriptions
        if wants(wanted, event_type)
    ]


def enqueue(connection: Connection | Session, messages: list[tuple[str, dict[str, Any]]]) -> int:
    """Write the deliveries of ``messages`` to every active subscription that wants them; how many were written."""
    if not messages:
        return 0
    subscriptions = _subscriptions(connection)
    if not subscriptions:
        return 0
    rows = delivery_rows(subscriptions, messages, clock.now())
    if rows:
        connection.execute(insert(WebhookDelivery.__table__), rows)
    return len(rows)


@event.listens_for(Session, "after_flush")
def _enqueue_transitions(session: Session, _context: Any) -> None:
    """The flush wrote state changes: write their messages, in the same transaction."""
    written = [obj for obj in session.new if isinstance(obj, TransitionEvent)]
    if not written:
        return
    messages = [message for transition in written for message in transition_messages(transition)]
    enqueue(session.connection(), messages)


# reminders ---------------------------------------------------------------------------------------------------


def _reminder_wanted(connection: Connection | Session) -> bool:
    """Whether an active subscription wants reminders sent (checked once per dispatch batch)."""
    return any(wants(wanted, REMINDER_SENT) for _id, wanted in _subscriptions(connection))


def _reminder_sent(connection: Connection | Session, reminder_id: int, at: datetime) -> None:
    """A reminder was just recorded sent: write its message, in the same transaction."""
    table = Reminder.__table__
    row = connection.execute(
        select(
            table.c.id, table.c.kind, table.c.subject_type, table.c.subject_id, table.c.partnership_id,
            table.c.due_on, table.c.recipient_user_id, table.c.message_id,
        ).where(table.c.id == reminder_id)
    ).first()  # fmt: skip
    if row is None:
        return
    data = {
        "reminder_id": row.id,
        "kind": str(row.kind.value if hasattr(row.kind, "value") else row.kind),
        "subject_type": row.subject_type,
        "subject_id": row.subject_id,
        "partnership_id": row.partnership_id,
        "due_on": row.due_on.isoformat(),
        "recipient_user_id": row.recipient_user_id,
        "email_message_id": row.message_id,
        "sent_at": at.isoformat().replace("+00:00", "Z"),
        "links": links(row.subject_type, row.subject_id),
    }
    enqueue(connection, [(REMINDER_SENT, data)])


claims.SENT_HOOKS.append(claims.SentHook(wanted=_reminder_wanted, record=_reminder_sent))
