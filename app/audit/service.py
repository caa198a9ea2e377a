"""Reading the audit log: every write, newest first, for those who may read it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit.models import AuditEntry
from app.listing import Paging, Slice, order_by, paginate
from app.users.models import User
from app.users.policy import Action, require


def audit_entries(
    session: Session,
    params: Paging,
    *,
    actor: User,
    entity_type: str | None = None,
    entity_id: str | None = None,
    actor_id: int | None = None,
    since: datetime | None = None,
) -> Slice:
    """One page of the audit log, newest first, narrowed by the filters given (admins only)."""
    require(actor, Action.READ_AUDIT_LOG)
    stmt = select(AuditEntry)
    if entity_type:
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    if actor_id:
        stmt = stmt.where(AuditEntry.actor_id == actor_id)
    if since:
        stmt = stmt.where(AuditEntry.occurred_at >= since)
    return paginate(session, order_by(stmt, None, {}, default=[AuditEntry.id.desc()]), params)
