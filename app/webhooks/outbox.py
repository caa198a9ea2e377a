"""The webhook outbox's states and the moves allowed between them, declared once; every change of
``WebhookDelivery.status`` goes through :func:`move_statement` (a checked UPDATE) or :func:`move` (one loaded row).

A delivery is written ``pending`` in the transaction of its event. A dispatcher claims it (``sending``) and
records the outcome: ``delivered`` (a 2xx answer), back to ``pending`` with a later ``next_attempt_at`` (any other
answer, or none), or ``failed`` after the last attempt. A failed or delivered delivery is never sent again by
itself: an admin's replay writes a new delivery (see :func:`app.webhooks.service.replay`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from types import MappingProxyType
from typing import Any

from sqlalchemy import ColumnElement, Update, update

from app.webhooks.models import DeliveryStatus, WebhookDelivery

PENDING, SENDING = DeliveryStatus.PENDING, DeliveryStatus.SENDING
DELIVERED, FAILED = DeliveryStatus.DELIVERED, DeliveryStatus.FAILED

MOVES: Mapping[DeliveryStatus, frozenset[DeliveryStatus]] = MappingProxyType(
    {
        # claimed; or recorded delivered after its lease expired while the request was in fact answered
        PENDING: frozenset({SENDING, DELIVERED}),
        # the outcome of a claim: delivered, back to pending (retry, release, lease expired) or failed (last attempt)
        SENDING: frozenset({DELIVERED, PENDING, FAILED}),
        FAILED: frozenset({DELIVERED}),  # its lease expired meanwhile, yet the receiver answered 2xx
        DELIVERED: frozenset(),  # a message a receiver accepted is never sent again by itself
    }
)
"""From each state, the states a delivery may move to."""


class UndeclaredMove(Exception):
    """A change of ``WebhookDelivery.status`` that :data:`MOVES` does not declare: a programming error."""


def check_move(source: DeliveryStatus, dest: DeliveryStatus) -> None:
    """Raise :class:`UndeclaredMove` unless ``source -> dest`` is declared."""
    if dest not in MOVES[DeliveryStatus(source)]:
        raise UndeclaredMove(f"a {source} webhook delivery cannot become {dest}")


def move_statement(
    sources: Collection[DeliveryStatus], dest: DeliveryStatus | Any, *where: ColumnElement[bool], **values: Any
) -> Update:
    """An UPDATE moving the deliveries in ``sources`` matching ``where`` to ``dest`` (checked), setting ``values``.

    ``dest`` may be a SQL expression choosing per row; ``targets`` in ``values`` is not allowed: pass the
    possible destinations as ``possible`` instead.
    """
    possible = values.pop("possible", None) or (dest,)
    for source in sources:
        for target in possible:
            check_move(source, target)
    table = WebhookDelivery.__table__
    status = dest.value if isinstance(dest, DeliveryStatus) else dest
    return (
        update(table)
        .where(table.c.status.in_([source.value for source in sources]), *where)
        .values(status=status, **values)
        .execution_options(synchronize_session=False)
    )
