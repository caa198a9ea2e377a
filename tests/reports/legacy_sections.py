"""The portfolio report's sections as they were before stage stays (issue 20): from the transition history and the
current stages. Kept only here, so that a test can check that the report computed from the stays gives the very same
figures for today.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Float, Select, String, case, cast, extract, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from app.agreements.models import Agreement
from app.obligations.models import Obligation
from app.obligations.service import late_condition
from app.organisations.models import AreaOfEngagement, Organisation
from app.partnerships.models import Partnership, PartnershipParty, partnership_areas
from app.partnerships.schemas import PartnershipFilter
from app.partnerships.service import matching
from app.reports.dialect import median_by_group, year_month
from app.reports.schemas import ReportFilter
from app.workflow.definition import get_workflow, states
from app.workflow.models import TransitionEvent

WORKFLOW = "partnership"
EXPIRY_WINDOWS = (30, 60, 90)
TIMELINE_MONTHS = 24
OVERDUE_PARTIES_SHOWN = 20


def days_between(session: Session, later: Any, earlier: Any) -> Any:
    """``later - earlier`` in days, with fractions, as SQL (as app.reports.dialect had it)."""
    if session.get_bind().dialect.name == "postgresql":
        return extract("epoch", later - earlier) / 86400.0
    return cast(func.julianday(later) - func.julianday(earlier), Float)


def funnel_stages() -> tuple[str, ...]:
    """The stages of the funnel (the ``funnel`` group), in the order the workflow declares its states."""
    group = states(WORKFLOW, group="funnel")
    return tuple(stage for stage in get_workflow(WORKFLOW).states if stage in group)


def _running_agreement() -> Any:
    """SQL: the agreement is in force and not suspended (the ``running`` group): its end date is coming."""
    return Agreement.status.in_(sorted(states("agreement", group="running")))


@dataclass(frozen=True)
class Scope:
    """What a section needs: the session, the day the report is for and the partnerships it covers."""

    session: Session
    today: date
    ids: Select[Any] | None  # SELECT of partnership ids, or None for all

    def only(self, column: Any) -> list[Any]:
        """The condition limiting ``column`` (a partnership id) to the scope, as a list of zero or one."""
        return [] if self.ids is None else [column.in_(self.ids)]


def scope_of(session: Session, today: date, filters: ReportFilter | None) -> Scope:
    chosen = filters.model_dump(exclude_none=True) if filters else {}
    conditions = matching(session, PartnershipFilter(**chosen)) if chosen else []
    return Scope(session, today, select(Partnership.id).where(*conditions) if conditions else None)


# --- sections ---------------------------------------------------------------------------------------------------


def stage_counts(scope: Scope) -> dict[str, int]:
    """Partnerships per current stage."""
    stmt = select(Partnership.stage, func.count()).where(*scope.only(Partnership.id)).group_by(Partnership.stage)
    return {stage: count for stage, count in scope.session.execute(stmt)}


def stage_area_counts(scope: Scope) -> dict[tuple[str, int | None], int]:
    """Partnerships per (stage, area id); area ``None`` for those without an area."""
    stmt = (
        select(Partnership.stage, partnership_areas.c.area_id, func.count())
        .select_from(Partnership)
        .outerjoin(partnership_areas, partnership_areas.c.partnership_id == Partnership.id)
        .where(*scope.only(Partnership.id))
        .group_by(Partnership.stage, partnership_areas.c.area_id)
    )
    return {(stage, area): count for stage, area, count in scope.session.execute(stmt)}


PARTNER_DIMENSIONS = {
    "kind": type_coerce(Organisation.kind, String),
    "region": Organisation.region,
    "country": Organisation.country_code,
}


def partners_by(dimension: str) -> Callable[[Scope], list[tuple[Any, int]]]:
    """The section counting distinct partnerships per value of one partner ``dimension`` (biggest first).

    Each dimension is its own statement, so that on PostgreSQL the three run side by side; two partners of one
    kind count the partnership once under that kind.
    """
    column = PARTNER_DIMENSIONS[dimension]

    def section(scope: Scope) -> list[tuple[Any, int]]:
        pairs = (
            select(PartnershipParty.partnership_id, column.label("value"))
            .join(Organisation, Organisation.id == PartnershipParty.organisation_id)
            .where(*scope.only(PartnershipParty.partnership_id))
            .distinct()
            .subquery()
        )
        stmt = select(pairs.c.value, func.count()).group_by(pairs.c.value)
        rows = [(value, count) for value, count in scope.session.execute(stmt)]
        return sorted(rows, key=lambda row: (-row[1], row[0] is None, str(row[0])))

    section.__name__ = f"partners_by_{dimension}"
    return section


def party_distribution(scope: Scope) -> dict[int, int]:
    """How many partnerships have 1, 2, 3… partner parties (those without any are not in it)."""
    per = (
        select(PartnershipParty.partnership_id, func.count().label("parties"))
        .where(*scope.only(PartnershipParty.partnership_id))
        .group_by(PartnershipParty.partnership_id)
        .subquery()
    )
    stmt = select(per.c.parties, func.count()).group_by(per.c.parties)
    return {int(parties): count for parties, count in scope.session.execute(stmt)}


def funnel_reached(scope: Scope) -> dict[str, int]:
    """Partnerships that ever entered each funnel stage, from the transition history.

    A partnership revived or renewed enters a stage again: it counts once. ``COUNT(DISTINCT …)`` grouped by the
    state reads ``ix_transition_events_entered`` in order, without hashing every event.
    """
    event = TransitionEvent
    stmt = (
        select(event.to_state, func.count(event.entity_id.distinct()))
        .where(event.entity_type == WORKFLOW, event.to_state.in_(funnel_stages()))
        .where(*scope.only(event.entity_id))
        .group_by(event.to_state)
    )
    return {stage: count for stage, count in scope.session.execute(stmt)}


def stage_medians(scope: Scope) -> dict[str, tuple[float, int]]:
    """Median days and number of ended stays per stage, from consecutive stage changes of each partnership."""
    event = TransitionEvent
    changes = (
        select(
            event.to_state.label("stage"),
            event.occurred_at.label("entered"),
            func.lead(event.occurred_at)
            .over(partition_by=event.entity_id, order_by=(event.occurred_at, event.id))
            .label("left"),
        )
        .where(event.entity_type == WORKFLOW)
        # A second undertaking moves informal -> informal: the stay goes on, it is not a new one.
        .where(or_(event.from_state.is_(None), event.from_state != event.to_state))
        .where(*scope.only(event.entity_id))
        .subquery()
    )
    stays = (
        select(
            changes.c.stage.label("key"), days_between(scope.session, changes.c.left, changes.c.entered).label("value")
        )
        .where(changes.c.left.is_not(None))
        .subquery()
    )
    return median_by_group(scope.session, stays)


def expiring(scope: Scope) -> dict[int, int]:
    """Active agreements ending from today to today + 30, 60, 90 days (cumulative), in one query."""
    end = Agreement.end_date
    last = scope.today + timedelta(days=max(EXPIRY_WINDOWS))
    columns = [
        func.coalesce(func.sum(case((end <= scope.today + timedelta(days=days), 1), else_=0)), 0)
        for days in EXPIRY_WINDOWS
    ]
    stmt = (
        select(*columns)
        .where(_running_agreement(), end >= scope.today, end <= last)
        .where(*scope.only(Agreement.partnership_id))
    )
    row = scope.session.execute(stmt).one()
    return {days: int(value) for days, value in zip(EXPIRY_WINDOWS, row, strict=True)}


def month_after(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def end_dates(scope: Scope) -> dict[str, int]:
    """Active agreements ending per month, from today to the end of the 24th month (this one included)."""
    last = month_after(scope.today, TIMELINE_MONTHS) - timedelta(days=1)
    month = year_month(scope.session, Agreement.end_date)
    stmt = (
        select(month, func.count())
        .where(_running_agreement(), Agreement.end_date >= scope.today, Agreement.end_date <= last)
        .where(*scope.only(Agreement.partnership_id))
        .group_by(month)
    )
    return {str(key): count for key, count in scope.session.execute(stmt)}


def late_obligations(scope: Scope) -> tuple[int, int, list[tuple[int | None, str | None, int]]]:
    """Overdue obligations: total, number of parties owing them, and the parties owing the most."""
    base = (
        select(PartnershipParty.organisation_id.label("organisation_id"), func.count().label("count"))
        .select_from(Obligation)
        .outerjoin(PartnershipParty, PartnershipParty.id == Obligation.party_id)
        .where(late_condition(scope.today))
        .group_by(PartnershipParty.organisation_id)
    )
    if scope.ids is not None:
        base = base.join(Agreement, Agreement.id == Obligation.agreement_id).where(
            Agreement.partnership_id.in_(scope.ids)
        )
    per_party = base.subquery()
    totals = select(func.coalesce(func.sum(per_party.c.count), 0), func.count())
    total, parties = scope.session.execute(totals).one()
    top = (
        select(per_party.c.organisation_id, Organisation.legal_name, per_party.c.count)
        .outerjoin(Organisation, Organisation.id == per_party.c.organisation_id)
        .order_by(per_party.c.count.desc(), Organisation.legal_name, per_party.c.organisation_id)
        .limit(OVERDUE_PARTIES_SHOWN)
    )
    return int(total), int(parties), [tuple(row) for row in scope.session.execute(top)]


def areas(scope: Scope) -> list[tuple[int, str, str]]:
    """Every area of engagement: id, code and name, in their seeded order."""
    stmt = select(AreaOfEngagement.id, AreaOfEngagement.code, AreaOfEngagement.name).order_by(AreaOfEngagement.id)
    return [tuple(row) for row in scope.session.execute(stmt)]  # type: ignore[misc]


# Each section by name, so the benchmark can time them one by one.
SECTIONS: dict[str, Callable[[Scope], Any]] = {
    "stages": stage_counts,
    "stage_by_area": stage_area_counts,
    **{f"partners_by_{name}": partners_by(name) for name in PARTNER_DIMENSIONS},
    "party_distribution": party_distribution,
    "funnel": funnel_reached,
    "stage_medians": stage_medians,
    "expiring": expiring,
    "end_dates": end_dates,
    "late_obligations": late_obligations,
    "areas": areas,
}


SLOWEST = ("stage_medians", "partners_by_kind", "partners_by_region", "partners_by_country")
"""The sections that dominate at 100k partnerships (see bench/bench_report.py); started first."""
