"""The portfolio as of a past day: every partnership and agreement as it stood at the end of that day, from the
stays the workflow engine keeps (``app.workflow.stays``, derived from ``transition_events``), never from the records'
current columns. A state on a day is the stay open at the end of that day in the organisation's timezone; a record
without a stay entered by then did not exist yet. See ``app.reports.history``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session, lazyload

from app import clock
from app.agreements.models import Agreement
from app.config import get_settings
from app.errors import invalid
from app.i18n import REPORTS
from app.listing import PageParams, Slice, order_by, paginate
from app.partnerships.models import Partnership
from app.partnerships.schemas import PartnershipFilter
from app.partnerships.service import matching
from app.reports.schemas import (
    AsOfAgreement,
    AsOfFilter,
    AsOfPartnership,
    ReportFilter,
)
from app.reports.sections import cutoff_of
from app.workflow.definition import get_workflow
from app.workflow.stays import StageStay

PARTNERSHIP = "partnership"
AGREEMENT = "agreement"
_ = REPORTS.gettext

__all__ = ["agreements_as_of", "check_day", "matching_partnerships", "partnerships_as_of", "start_of"]


def start_of(day: date) -> datetime:
    """The first instant of ``day`` in the organisation's timezone, in UTC."""
    return datetime.combine(day, time(0), tzinfo=get_settings().zone).astimezone(UTC)


# --- as of a past day ---------------------------------------------------------------------------------------------


def check_day(day: date, field: str) -> datetime:
    """The end of ``day`` (UTC); a day after today is refused (nothing is known of it yet)."""
    today = clock.today(get_settings().zone)
    if day > today:
        raise invalid(
            field,
            REPORTS.gettext("{day} is in the future; choose today or a day before", day=day.isoformat()),
        )
    return cutoff_of(day)


def _check_state(workflow: str, state: str | None) -> None:
    known = get_workflow(workflow).states
    if state is not None and state not in known:
        raise invalid(
            "stage",
            REPORTS.gettext(
                "unknown state {state}; choose one of: {values}", state=repr(state), values=", ".join(known)
            ),
        )


def _stay_at(workflow: str, cutoff: datetime) -> list[ColumnElement[bool]]:
    """SQL: the stay of an entity of ``workflow`` open at ``cutoff`` (entered before it, not left by then)."""
    return [
        StageStay.workflow == workflow,
        StageStay.entered_at < cutoff,
        or_(StageStay.left_at.is_(None), StageStay.left_at >= cutoff),
    ]


def _existing_at(workflow: str, entity_id: Any, cutoff: datetime, state: str | None) -> ColumnElement[bool]:
    """SQL: the entity existed at ``cutoff`` (a stay open then), in ``state`` if given."""
    chosen = [] if state is None else [StageStay.stage == state]
    return select(StageStay.id).where(StageStay.entity_id == entity_id, *_stay_at(workflow, cutoff), *chosen).exists()


def matching_partnerships(session: Session, filters: ReportFilter) -> list[ColumnElement[bool]]:
    """The report's filters (area, partner kind, region, country, owner) as conditions on ``Partnership``."""
    chosen = ReportFilter.model_validate(filters.model_dump(include=set(ReportFilter.model_fields))).model_dump(
        exclude_none=True
    )
    return matching(session, PartnershipFilter(**chosen)) if chosen else []


def _states_at(session: Session, workflow: str, ids: list[int], cutoff: datetime) -> dict[int, tuple[str, datetime]]:
    """Each entity's state at ``cutoff`` and when it entered it."""
    if not ids:
        return {}
    stmt = select(StageStay.entity_id, StageStay.stage, StageStay.entered_at).where(
        StageStay.entity_id.in_(ids), *_stay_at(workflow, cutoff)
    )
    return {entity_id: (stage, entered) for entity_id, stage, entered in session.execute(stmt)}


def _page_as_of(
    session: Session, model: Any, workflow: str, cutoff: datetime, filters: AsOfFilter, params: PageParams,
    *conditions: Any,
) -> tuple[Slice, dict[int, tuple[str, datetime]]]:  # fmt: skip
    """The page of ``model``'s records that existed at ``cutoff`` (in ``filters.stage`` then, if given) and meet
    ``conditions``, newest first by keyset on ``(created_at, id)``, and each one's state then."""
    stmt = select(model).options(lazyload("*"))
    stmt = stmt.where(model.created_at < cutoff, *conditions, _existing_at(workflow, model.id, cutoff, filters.stage))
    ordered = order_by(stmt, None, {}, default=[model.created_at.desc(), model.id.desc()])
    found = paginate(session, ordered, params)
    return found, _states_at(session, workflow, [record.id for record in found.items], cutoff)


def _label(workflow: str, state: str) -> str:
    """The state's short label (a state a workflow no longer has keeps its name)."""
    known = get_workflow(workflow)
    return known.short_label(state) if state in known.states else state


def partnerships_as_of(session: Session, filters: AsOfFilter, params: PageParams) -> Slice:
    """The partnerships that existed at the end of ``filters.on``, each with its stage then, newest first.

    Filtered like the list (area, kind of partner, region, country, owner; ``stage`` is the stage on that day) and
    paged by keyset on ``(created_at, id)``: the walk starts at the last partnership created by then.
    """
    cutoff = check_day(filters.on, "on")
    _check_state(PARTNERSHIP, filters.stage)
    conditions = matching_partnerships(session, filters)
    found, at = _page_as_of(session, Partnership, PARTNERSHIP, cutoff, filters, params, *conditions)
    found.items = [
        AsOfPartnership(
            id=p.id,
            reference=p.reference,
            title=p.title,
            stage=at[p.id][0],
            stage_label=_label(PARTNERSHIP, at[p.id][0]),
            since=at[p.id][1],
            stage_now=p.stage,
        )
        for p in found.items
        if p.id in at
    ]
    return found


def agreements_as_of(session: Session, filters: AsOfFilter, params: PageParams) -> Slice:
    """The agreements that existed at the end of ``filters.on``, each with its status then, newest first.

    The filters are the partnership's (area, kind of partner, region, country, owner); ``stage`` is the agreement's
    status on that day.
    """
    cutoff = check_day(filters.on, "on")
    _check_state(AGREEMENT, filters.stage)
    conditions = matching_partnerships(session, filters)
    of_partnerships = [Agreement.partnership_id.in_(select(Partnership.id).where(*conditions))] if conditions else []
    found, at = _page_as_of(session, Agreement, AGREEMENT, cutoff, filters, params, *of_partnerships)
    found.items = [
        AsOfAgreement(
            id=a.id,
            reference=a.reference,
            title=a.title,
            kind=str(a.kind.value if hasattr(a.kind, "value") else a.kind),
            partnership_id=a.partnership_id,
            status=at[a.id][0],
            status_label=_label(AGREEMENT, at[a.id][0]),
            since=at[a.id][1],
            status_now=a.status,
        )
        for a in found.items
        if a.id in at
    ]
    return found
