"""The sections of the portfolio report: one aggregate query each, run side by side.

No partnership row is loaded into Python; the few expressions that differ between SQLite and PostgreSQL (the median,
months) are in ``dialect``. Which stages and statuses a section counts are state groups of ``app/workflows/*.yaml``,
asked when it runs. ``app.reports.service`` shapes their raw figures into the report.

Stages, the funnel and the median stage times read the stage stays the engine keeps (``app.workflow.stays``), never
the transition history, and are taken as of the report's day: what happened after that day (its end, in the
organisation's timezone: the ``cutoff``) is not counted, and a stay open then is open in the report even if it
ended since. A report for a past day counts only the partnerships that existed on it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, Select, String, case, cast, func, select, type_coerce, union_all
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement
from app.config import get_settings
from app.obligations.models import Obligation
from app.organisations.models import AreaOfEngagement, Organisation
from app.partnerships.models import Partnership, PartnershipParty, partnership_areas
from app.partnerships.schemas import PartnershipFilter
from app.partnerships.service import matching
from app.reports.dialect import median_by_group, middle_of, year_month
from app.reports.schemas import ReportFilter
from app.workflow.definition import get_workflow, states
from app.workflow.stays import StageStay

WORKFLOW = "partnership"
EXPIRY_WINDOWS = (30, 60, 90)
TIMELINE_MONTHS = 24
OVERDUE_PARTIES_SHOWN = 20


def funnel_stages() -> tuple[str, ...]:
    """The stages of the funnel (the ``funnel`` group), in the order the workflow declares its states."""
    group = states(WORKFLOW, group="funnel")
    return tuple(stage for stage in get_workflow(WORKFLOW).states if stage in group)


def _running_agreement() -> Any:
    """SQL: the agreement is in force and not suspended (the ``running`` group): its end date is coming."""
    return Agreement.status.in_(sorted(states("agreement", group="running")))


def cutoff_of(today: date) -> datetime:
    """The instant a report for ``today`` is taken at: the end of that day in the organisation's timezone (UTC)."""
    return datetime.combine(today + timedelta(days=1), time(0), tzinfo=get_settings().zone).astimezone(UTC)


@dataclass(frozen=True)
class Scope:
    """What a section needs: the session, the day the report is for and the partnerships it covers."""

    session: Session
    today: date
    ids: Select[Any] | None  # SELECT of partnership ids, or None for all
    cutoff: datetime | None = None  # the end of ``today``; None: today's end

    @property
    def until(self) -> datetime:
        return self.cutoff or cutoff_of(self.today)

    @property
    def past(self) -> bool:
        """Whether the report is for a day already over: then only the partnerships that existed are counted."""
        return self.until <= clock.now()

    @property
    def whole(self) -> bool:
        """Whether the report covers the whole portfolio as it is now (read from the running counts)."""
        return self.ids is None and not self.past

    def only(self, column: Any) -> list[Any]:
        """The condition limiting ``column`` (a partnership id) to the scope, as a list of zero or one."""
        return [] if self.ids is None else [column.in_(self.ids)]

    def existing(self, column: Any) -> list[Any]:
        """The scope's condition, and on a past day that the partnership existed then (created before its end)."""
        if not self.past:
            return self.only(column)
        ids = select(Partnership.id).where(Partnership.created_at < self.until)
        if self.ids is not None:
            ids = ids.where(Partnership.id.in_(self.ids))
        return [column.in_(ids)]


def scope_of(session: Session, today: date, filters: ReportFilter | None) -> Scope:
    chosen = filters.model_dump(exclude_none=True) if filters else {}
    conditions = matching(session, PartnershipFilter(**chosen)) if chosen else []
    ids = select(Partnership.id).where(*conditions) if conditions else None
    return Scope(session, today, ids, cutoff_of(today))


def _stays(scope: Scope) -> list[Any]:
    """The partnerships' stays entered by the report's cutoff (within the scope)."""
    return [
        StageStay.workflow == WORKFLOW,
        StageStay.entered_at < scope.until,
        *scope.only(StageStay.entity_id),
    ]


def stage_at_cutoff(scope: Scope) -> Any:
    """Subquery ``(entity_id, stage)``: each partnership's stage at the cutoff (its stay open then)."""
    still_open = select(StageStay.entity_id, StageStay.stage).where(*_stays(scope), StageStay.left_at.is_(None))
    left_since = select(StageStay.entity_id, StageStay.stage).where(
        *_stays(scope), StageStay.left_at.is_not(None), StageStay.left_at >= scope.until
    )
    return union_all(still_open, left_since).subquery("at_cutoff")


# --- sections ---------------------------------------------------------------------------------------------------


def stage_counts(scope: Scope) -> dict[str, int]:
    """Partnerships per stage at the cutoff (their open stays; on a past day, also those ended since)."""
    counts: dict[str, int] = {}
    for left in (StageStay.left_at.is_(None), StageStay.left_at >= scope.until):
        stmt = select(StageStay.stage, func.count()).where(*_stays(scope), left).group_by(StageStay.stage)
        for stage, count in scope.session.execute(stmt):
            counts[stage] = counts.get(stage, 0) + count
    return counts


def stage_area_counts(scope: Scope) -> dict[tuple[str, int | None], int]:
    """Partnerships per (stage at the cutoff, area id); area ``None`` for those without an area."""
    current = stage_at_cutoff(scope)
    stmt = (
        select(current.c.stage, partnership_areas.c.area_id, func.count())
        .select_from(current)
        .outerjoin(partnership_areas, partnership_areas.c.partnership_id == current.c.entity_id)
        .group_by(current.c.stage, partnership_areas.c.area_id)
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
            .where(*scope.existing(PartnershipParty.partnership_id))
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
        .where(*scope.existing(PartnershipParty.partnership_id))
        .group_by(PartnershipParty.partnership_id)
        .subquery()
    )
    stmt = select(per.c.parties, func.count()).group_by(per.c.parties)
    return {int(parties): count for parties, count in scope.session.execute(stmt)}


def reached_counts(scope: Scope, stages: tuple[str, ...] | None = None) -> dict[str, int]:
    """Partnerships that entered each stage (of ``stages``, or any) by the cutoff, from their stays.

    A partnership revived or renewed enters a stage again: it counts once. ``COUNT(DISTINCT …)`` grouped by the
    stage reads ``ix_stage_stays_reached`` in order, without hashing every stay.
    """
    chosen = [] if stages is None else [StageStay.stage.in_(stages)]
    stmt = (
        select(StageStay.stage, func.count(StageStay.entity_id.distinct()))
        .where(*_stays(scope), *chosen)
        .group_by(StageStay.stage)
    )
    return {stage: count for stage, count in scope.session.execute(stmt)}


def funnel_reached(scope: Scope) -> dict[str, int]:
    """Partnerships that ever entered each funnel stage by the cutoff."""
    return reached_counts(scope, funnel_stages())


def _ended(scope: Scope) -> list[Any]:
    return [*_stays(scope), StageStay.left_at.is_not(None), StageStay.left_at < scope.until]


def ended_counts(scope: Scope) -> dict[str, int]:
    """Stays ended by the cutoff, per stage."""
    stmt = select(StageStay.stage, func.count()).where(*_ended(scope)).group_by(StageStay.stage)
    return {stage: count for stage, count in scope.session.execute(stmt)}


def stage_medians(scope: Scope, counts: dict[str, int] | None = None) -> dict[str, tuple[float, int]]:
    """Median days and number of stays ended by the cutoff, per stage (a stay still open then is left out).

    Over the whole portfolio each median is read from ``ix_stage_stays_ended`` in the order of the days: the count
    of ended stays (``counts``, when the running counts give it), then the middle one or two. A report narrowed by
    a filter takes the median of its partnerships' stays.
    """
    ended = _ended(scope)
    if scope.ids is not None:
        stays = select(StageStay.stage.label("key"), StageStay.days.label("value")).where(*ended).subquery()
        return median_by_group(scope.session, stays)
    found = {}
    for stage, count in (ended_counts(scope) if counts is None else counts).items():
        middle = (
            select(StageStay.days)
            .where(*ended, StageStay.stage == stage)
            .order_by(StageStay.days)
            .offset((count - 1) // 2)
            .limit(2 - count % 2)
        )
        found[stage] = (middle_of(scope.session, list(scope.session.scalars(middle))), int(count))
    return found


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


def _late_branches(scope: Scope) -> list[Select[Any]]:
    """``late_condition`` as two disjoint conditions, each read from ``ix_obligations_status_due_date`` alone: marked
    late, or still open (and not marked) after the due date."""
    late = states("obligation", group="late")
    branches = [
        Obligation.status.in_(sorted(late)),
        Obligation.status.in_(sorted(states("obligation", group="open") - late)) & (Obligation.due_date < scope.today),
    ]
    found = []
    for condition in branches:
        stmt = select(Obligation.party_id).where(condition)
        if scope.ids is not None:
            stmt = stmt.join(Agreement, Agreement.id == Obligation.agreement_id).where(
                Agreement.partnership_id.in_(scope.ids)
            )
        found.append(stmt)
    return found


def late_obligations(scope: Scope) -> tuple[int, int, list[tuple[int | None, str | None, int]]]:
    """Overdue obligations: total, number of parties owing them, and the parties owing the most."""
    owing = union_all(*_late_branches(scope)).subquery()
    per_party_row = select(owing.c.party_id, func.count().label("n")).group_by(owing.c.party_id).subquery()
    # Each owing party row finds its organisation by key (they are few; the parties are many).
    owner = select(PartnershipParty.organisation_id).where(PartnershipParty.id == per_party_row.c.party_id)
    owners = select(owner.scalar_subquery().label("organisation_id"), per_party_row.c.n).subquery()
    per_party = (
        select(owners.c.organisation_id, cast(func.sum(owners.c.n), Integer).label("count"))
        .group_by(owners.c.organisation_id)
        .subquery()
    )
    # One pass: every owing party with its count, most first; the totals are summed here, the top kept.
    stmt = (
        select(per_party.c.organisation_id, Organisation.legal_name, per_party.c.count)
        .outerjoin(Organisation, Organisation.id == per_party.c.organisation_id)
        .order_by(per_party.c.count.desc(), Organisation.legal_name, per_party.c.organisation_id)
    )
    rows = [(org, name, int(n)) for org, name, n in scope.session.execute(stmt)]
    return sum(row[2] for row in rows), len(rows), rows[:OVERDUE_PARTIES_SHOWN]


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
