"""Rules for obligations once recorded: looking them up, listing them, and moving them through their workflow."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, contains_eager

from app.agreements.models import Agreement
from app.db import get_for_update
from app.errors import NotFound, invalid
from app.listing import PageParams, Slice, order_by, paginate, sort_keys
from app.obligations.models import Obligation, ObligationStatus
from app.obligations.schemas import ObligationFilter
from app.organisations.service import check_version
from app.users.models import User
from app.workflow import engine
from app.workflow.models import TransitionEvent

WORKFLOW = "obligation"
SORTABLE = {"due_date": Obligation.due_date, "status": Obligation.status, "id": Obligation.id}
SortKey = sort_keys(SORTABLE)


def get_obligation(session: Session, obligation_id: int) -> Obligation:
    """The obligation with this id, or ``NotFound``."""
    obligation = session.get(Obligation, obligation_id)
    if obligation is None:
        raise NotFound(f"obligation {obligation_id} does not exist")
    return obligation


def list_obligations(
    session: Session,
    params: PageParams,
    *,
    status: str | None = None,
    partnership_id: int | None = None,
    due_before: date | None = None,
) -> Slice:
    """Obligations across agreements, by due date; ``status=overdue`` is what needs chasing."""
    filters = ObligationFilter.model_construct(status=status, partnership_id=partnership_id, due_before=due_before)
    return paginate(session, selection(filters, params.sort), params)


def selection(filters: ObligationFilter, sort: str | None = None) -> Select[tuple[Obligation]]:
    """The obligations matching ``filters`` in the list's order (unknown status or sort field refused)."""
    stmt = select(Obligation)
    if filters.status:
        if filters.status not in {member.value for member in ObligationStatus}:
            status = filters.status
            raise invalid("status", f"unknown status {status!r}; choose one of: {', '.join(ObligationStatus)}")
        stmt = stmt.where(Obligation.status == filters.status)
    if filters.partnership_id:
        stmt = stmt.where(Obligation.agreement.has(Agreement.partnership_id == filters.partnership_id))
    if filters.due_before:
        stmt = stmt.where(Obligation.due_date < filters.due_before)
    return order_by(stmt, sort, SORTABLE, default=[Obligation.due_date, Obligation.id])


def overdue(session: Session, *, partnerships: Select[Any] | None = None, limit: int = 25) -> Slice:
    """Overdue obligations, longest overdue first; ``partnerships`` (a SELECT of ids) narrows them."""
    stmt = select(Obligation).join(Agreement, Obligation.agreement_id == Agreement.id)
    stmt = stmt.where(Obligation.status == ObligationStatus.OVERDUE)
    if partnerships is not None:
        stmt = stmt.where(Agreement.partnership_id.in_(partnerships))
    stmt = stmt.options(contains_eager(Obligation.agreement).selectinload(Agreement.partnership))
    return paginate(session, stmt.order_by(Obligation.due_date, Obligation.id), PageParams(page_size=limit))


def available_transitions(session: Session, obligation_id: int, user: User) -> list[engine.Availability]:
    """What ``user`` may do with the obligation now, with the reasons for what is blocked."""
    return engine.available(session, WORKFLOW, get_obligation(session, obligation_id), user)


def transition_obligation(
    session: Session,
    obligation_id: int,
    trigger: str,
    actor: User,
    comment: str | None = None,
    payload: dict[str, Any] | None = None,
    expected_version: int | None = None,
) -> Obligation:
    """Fulfil, waive, reopen… an obligation through the workflow engine; refuse if ``expected_version`` is stale."""
    obligation = get_for_update(session, Obligation, obligation_id, "obligation")
    check_version("obligation", obligation.version, expected_version)
    engine.fire(session, WORKFLOW, obligation, trigger, actor.id, comment, actor=actor, payload=payload)
    return obligation


def obligation_history(session: Session, obligation_id: int) -> list[TransitionEvent]:
    """Every status change of the obligation, oldest first."""
    get_obligation(session, obligation_id)
    return engine.history(session, WORKFLOW, obligation_id)
