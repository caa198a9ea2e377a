"""Screens an organisation against the current list before the transaction that creates or renames it commits.

Every flush notes the organisations created or whose legal name, short name or country changed; they are screened
before commit (``before_commit``), in the same transaction, whoever wrote them (API, pages, imports, the CLI).
A transaction that never commits has nothing to keep; the approval guard screens an unscreened party anyway.
Imported by ``app.models``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, SessionTransaction

from app.organisations.models import Organisation

PENDING = "screening_pending"
WATCHED = ("legal_name", "short_name", "country_code")


@event.listens_for(Session, "after_flush")
def _note(session: Session, _context: Any) -> None:
    ids = session.info.setdefault(PENDING, set())
    for obj in session.new:
        if isinstance(obj, Organisation) and obj.id is not None:
            ids.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Organisation) and any(inspect(obj).attrs[name].history.has_changes() for name in WATCHED):
            ids.add(obj.id)


@event.listens_for(Session, "before_commit")
def _screen_before_commit(session: Session) -> None:
    if session.new or session.dirty:
        session.flush()
    ids = session.info.pop(PENDING, None)
    if ids:
        from app.screening import service  # a listener of every session: the service is loaded only when needed

        service.screen_organisations(session, ids)
        session.flush()
        session.info.pop(PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)
