"""HTTP endpoint for the audit log (admins only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import Field

from app.api.deps import CurrentUser, DbSession, TransactionalRoute
from app.api.paging import page_response
from app.audit import service
from app.listing import Page, Paging
from app.schemas import Id, OutputModel, QueryModel

router = APIRouter(route_class=TransactionalRoute, tags=["audit"])


class AuditEntryRead(OutputModel):
    """One write: who, when, what, and the changed fields as [before, after]."""

    id: int
    occurred_at: datetime
    actor_id: int | None
    action: str
    entity_type: str
    entity_id: str
    changes: dict[str, Any]


class AuditFilter(QueryModel):
    """Filters for the audit log (text refused with NUL characters, like every input)."""

    entity_type: str | None = Field(None, max_length=60, description="A table, e.g. partnerships")
    entity_id: str | None = Field(None, max_length=60)
    actor_id: Id | None = None
    since: datetime | None = None


class AuditQuery(AuditFilter, Paging):
    """Filters, paging for the audit log."""


@router.get("/audit", response_model=Page[AuditEntryRead])
def audit_log(session: DbSession, user: CurrentUser, query: Annotated[AuditQuery, Query()]) -> Response:
    """Every write, newest first: who, when, what changed (before and after)."""
    found = service.audit_entries(
        session,
        query,
        actor=user,
        entity_type=query.entity_type,
        entity_id=query.entity_id,
        actor_id=query.actor_id,
        since=query.since,
    )
    return page_response(Page[AuditEntryRead].of(found, AuditEntryRead.model_validate))
