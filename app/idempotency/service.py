"""Keys that make a retried request safe: the first answer is kept and given again, the work is not redone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.db import savepoint
from app.errors import invalid
from app.i18n import MESSAGES
from app.idempotency.models import IdempotentRequest

KEEP_FOR = timedelta(hours=24)
HEADER = "Idempotency-Key"


def _find(session: Session, user_id: int, key: str) -> IdempotentRequest | None:
    stmt = select(IdempotentRequest).where(IdempotentRequest.user_id == user_id, IdempotentRequest.key == key)
    return session.scalars(stmt.execution_options(populate_existing=True)).first()


def claim(session: Session, user_id: int, key: str, fingerprint: str) -> IdempotentRequest:
    """The record for ``key``: a new, unanswered one for the caller to fill, or the one answered before.

    A concurrent request with the same key waits on the unique index until the first one commits, then
    gets the first one's answer.
    """
    existing = _find(session, user_id, key)
    if existing is None:
        record = IdempotentRequest(user_id=user_id, key=key, fingerprint=fingerprint)
        try:
            with savepoint(session):
                session.add(record)
            return record
        except IntegrityError:
            existing = _find(session, user_id, key)
            if existing is None:  # pragma: no cover - the other request's row must be visible by now
                raise
    if existing.fingerprint != fingerprint:
        raise invalid(
            HEADER, MESSAGES.gettext("was already used for a different request; send a new key with each new request")
        )
    return existing


def complete(record: IdempotentRequest, status_code: int, body: Any, headers: dict[str, str]) -> None:
    """Keep the answer given to the request, in the same transaction as the work it did."""
    record.status_code = status_code
    record.response_body = body
    record.response_headers = headers


def purge(session: Session, now: datetime | None = None) -> int:
    """Forget keys older than a day; returns how many were removed."""
    cutoff = (now or clock.now()) - KEEP_FOR
    return session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_at < cutoff)).rowcount or 0
