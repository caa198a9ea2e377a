"""Rules for obligations: recording them under an agreement, looking them up, listing them, and their workflow."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, select
from sqlalchemy.orm import Session, contains_eager

from app.agreements.models import Agreement
from app.agreements.rules import signing_parties
from app.agreements.service import get_agreement, require_on_agreement, require_status
from app.db import get_for_update
from app.errors import NotFound, invalid
from app.i18n import MESSAGES
from app.listing import PageParams, Slice, order_by, paginate, sort_keys
from app.obligations.models import Obligation
from app.obligations.schemas import ObligationCreate, ObligationFilter, ObligationUpdate
from app.reminders.planner import plan_obligation
from app.users.models import User
from app.users.policy import Action
from app.versioning import check_version
from app.workflow import engine
from app.workflow.actor import Actor
from app.workflow.definition import get_workflow, states
from app.workflow.models import TransitionEvent

WORKFLOW = "obligation"
"""Agreement statuses in which obligations may be added."""
SORTABLE = {"due_date": Obligation.due_date, "status": Obligation.status, "id": Obligation.id}
SortKey = sort_keys(SORTABLE)


def get_obligation(session: Session, obligation_id: int) -> Obligation:
    """The obligation with this id, or ``NotFound``."""
    obligation = session.get(Obligation, obligation_id)
    if obligation is None:
        raise NotFound(MESSAGES.gettext("obligation {obligation_id} does not exist", obligation_id=obligation_id))
    return obligation


def check_within_term(agreement: Agreement, due_date: date | None, until: date | None, survives: bool) -> None:
    """Refuse (422) a due date after the agreement's end date, unless the obligation survives termination."""
    end = agreement.end_date
    if survives or end is None:
        return
    for field, day in (("due_date", due_date), ("recurrence_until", until)):
        if day is not None and day > end:
            raise invalid(
                field,
                MESSAGES.gettext(
                    "{day} is after the agreement's end date {end}: an obligation owed after the agreement ends "
                    "must be marked survives_termination",
                    day=day,
                    end=end,
                ),
            )


def _check_party(agreement: Agreement, party_id: int | None) -> None:
    if party_id is not None and party_id not in {party.id for party in signing_parties(agreement)}:
        raise invalid(
            "party_id", MESSAGES.gettext("party {party_id} is not a party bound by this agreement", party_id=party_id)
        )


def add_obligation(session: Session, agreement_id: int, data: ObligationCreate, actor: User | Actor) -> Obligation:
    """Record what a party owes under the agreement (while drafting, or as a milestone while in force).

    ``actor`` is the person recording it, or the system (an obligation recorded with its agreement).
    """
    agreement = get_agreement(session, agreement_id)
    require_on_agreement(actor, agreement, Action.EDIT_PARTNERSHIP)
    require_status(agreement, "takes_obligations", "add an obligation")
    _check_party(agreement, data.party_id)
    check_within_term(agreement, data.due_date, data.recurrence_until, data.survives_termination)
    obligation = Obligation(agreement=agreement, **data.model_dump())
    session.add(obligation)
    by = actor if isinstance(actor, Actor) else Actor.person(actor)
    engine.record_creation(session, WORKFLOW, obligation, by)
    plan_obligation(session, obligation)
    return obligation


def _editable(session: Session, obligation_id: int, actor: User, what: str) -> Obligation:
    obligation = get_for_update(session, Obligation, obligation_id, "obligation")
    require_on_agreement(actor, obligation.agreement, Action.EDIT_PARTNERSHIP)
    require_status(obligation.agreement, "editable", what)
    return obligation


def update_obligation(
    session: Session, obligation_id: int, data: ObligationUpdate, actor: User, expected_version: int | None = None
) -> Obligation:
    """Change an obligation while its agreement is editable (a draft); refused (409) once it is not."""
    obligation = _editable(session, obligation_id, actor, "change an obligation")
    check_version("obligation", obligation.version, expected_version)
    changes = data.model_dump(exclude_unset=True)
    merged = {name: changes.get(name, getattr(obligation, name)) for name in ObligationUpdate.model_fields}
    try:  # the same rules as a new one
        ObligationCreate.model_validate({k: v for k, v in merged.items() if v is not None})
    except ValidationError as exc:
        raise invalid("due_date", exc.errors()[0]["msg"].removeprefix("Value error, ")) from None
    _check_party(obligation.agreement, merged["party_id"])
    check_within_term(
        obligation.agreement, merged["due_date"], merged["recurrence_until"], bool(merged["survives_termination"])
    )
    for name, value in changes.items():
        setattr(obligation, name, value)
    session.flush()
    plan_obligation(session, obligation)
    return obligation


def delete_obligation(session: Session, obligation_id: int, actor: User, expected_version: int | None = None) -> None:
    """Remove an obligation while its agreement is editable (a draft); refused (409) once it is not."""
    obligation = _editable(session, obligation_id, actor, "delete an obligation")
    check_version("obligation", obligation.version, expected_version)
    session.delete(obligation)  # a draft's obligations have no reminders yet (they are planned once it is in force)
    session.flush()


def list_for_agreement(session: Session, agreement_id: int) -> list[Obligation]:
    """The agreement's obligations, by due date."""
    get_agreement(session, agreement_id)
    stmt = select(Obligation).where(Obligation.agreement_id == agreement_id)
    return list(session.scalars(stmt.order_by(Obligation.due_date, Obligation.id)))


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
        known = get_workflow(WORKFLOW).states
        if filters.status not in known:
            status = filters.status
            raise invalid(
                "status",
                MESSAGES.gettext(
                    "unknown status {status}; choose one of: {values}", status=repr(status), values=", ".join(known)
                ),
            )
        stmt = stmt.where(Obligation.status == filters.status)
    if filters.partnership_id:
        stmt = stmt.where(Obligation.agreement.has(Agreement.partnership_id == filters.partnership_id))
    if filters.due_before:
        stmt = stmt.where(Obligation.due_date < filters.due_before)
    return order_by(stmt, sort, SORTABLE, default=[Obligation.due_date, Obligation.id])


def late_condition(today: date) -> Any:
    """SQL: the obligation is late (marked so, or still open after its due date, before the daily job has run)."""
    marked = Obligation.status.in_(sorted(states(WORKFLOW, group="late")))
    return marked | (Obligation.status.in_(sorted(states(WORKFLOW, group="open"))) & (Obligation.due_date < today))


def is_late(obligation: Obligation, today: date) -> bool:
    """Python twin of :func:`late_condition` for an obligation already loaded."""
    if obligation.status in states(WORKFLOW, group="late"):
        return True
    due = obligation.due_date
    return obligation.status in states(WORKFLOW, group="open") and due is not None and due < today


def overdue(session: Session, *, partnerships: Select[Any] | None = None, limit: int = 25) -> Slice:
    """Overdue obligations, longest overdue first; ``partnerships`` (a SELECT of ids) narrows them."""
    stmt = select(Obligation).join(Agreement, Obligation.agreement_id == Agreement.id)
    stmt = stmt.where(Obligation.status.in_(sorted(states(WORKFLOW, group="late"))))
    if partnerships is not None:
        stmt = stmt.where(Agreement.partnership_id.in_(partnerships))
    stmt = stmt.options(contains_eager(Obligation.agreement).selectinload(Agreement.partnership))
    return paginate(session, stmt.order_by(Obligation.due_date, Obligation.id), PageParams(page_size=limit))


def available_transitions(session: Session, obligation_id: int, user: User) -> list[engine.Availability]:
    """What ``user`` may do with the obligation now, with the reasons for what is blocked."""
    return engine.available(session, WORKFLOW, get_obligation(session, obligation_id), Actor.person(user))


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
    require_on_agreement(actor, obligation.agreement, Action.EDIT_PARTNERSHIP)
    check_version("obligation", obligation.version, expected_version)
    engine.fire(session, WORKFLOW, obligation, trigger, Actor.person(actor), comment, payload=payload)
    return obligation


def obligation_history(session: Session, obligation_id: int) -> list[TransitionEvent]:
    """Every status change of the obligation, oldest first."""
    get_obligation(session, obligation_id)
    return engine.history(session, WORKFLOW, obligation_id)
