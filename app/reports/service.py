"""The portfolio report: partnerships by modality, area, partner kind and place; the funnel; what is expiring or late.

Every figure is an aggregate query (GROUP BY, window functions); no partnership row is loaded into Python. The few
expressions that differ between SQLite and PostgreSQL (the median, day arithmetic, months) are in ``dialect``.
Conventions, also written into the report's ``notes``:

- a partnership with two areas of engagement counts in both areas (a row's total counts it once);
- a partnership with partners of two kinds, regions or countries counts under each of them;
- multi-actor means two or more partner parties;
- the funnel counts the partnerships that ever entered a stage, from their transition history;
- the median time in a stage counts the stays that ended; the current, still open stay is left out;
- expiring and end dates: agreements whose status is ``active``; overdue: obligations marked overdue, or still
  open after their due date.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, String, case, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement
from app.config import get_settings
from app.obligations.models import Obligation, ObligationStatus
from app.organisations.models import AreaOfEngagement, Organisation
from app.partnerships.models import Partnership, PartnershipParty, partnership_areas
from app.partnerships.schemas import PartnershipFilter
from app.partnerships.service import matching
from app.reports.dialect import days_between, median_by_group, run_sections, year_month
from app.reports.schemas import (
    AreaColumn,
    Count,
    ExpiryWindow,
    FunnelStep,
    MatrixRow,
    Modality,
    MonthCount,
    MultiActor,
    Overdue,
    OverdueParty,
    PartyCount,
    PortfolioReport,
    ReportFilter,
    StageCount,
    StageDuration,
)
from app.workflow.engine import get_workflow
from app.workflow.models import TransitionEvent

WORKFLOW = "partnership"
# The modality of a relationship (the words) and the stages of the workflow that express it.
MODALITIES: list[tuple[str, str, tuple[str, ...]]] = [
    ("ad_hoc", "Ad hoc", ("ad_hoc",)),
    ("informal", "Informal", ("informal",)),
    ("formal", "Formal (incl. formalising)", ("formalising", "formal")),
    ("inactive", "Inactive (dormant, ended, closed)", ("dormant", "ended", "closed")),
]
FUNNEL = ("ad_hoc", "informal", "formalising", "formal")
EXPIRY_WINDOWS = (30, 60, 90)
TIMELINE_MONTHS = 24
OVERDUE_PARTIES_SHOWN = 20
NO_AREA = "No area"
NOTES = [
    "A partnership with several areas of engagement counts in each of them; row totals count it once.",
    "A partnership with partners of several kinds, regions or countries counts under each of them.",
    "Multi-actor partnerships have two or more partner parties.",
    "The funnel counts the partnerships that ever entered each stage, from their transition history.",
    "Median time in a stage: stays that ended only; the current, still open stay of each partnership is left out.",
    "Expiring agreements and end dates: agreements whose status is active.",
    "Overdue obligations: marked overdue, or still open after their due date.",
]


def label(value: str) -> str:
    """A machine name in words: ``ad_hoc`` -> ``Ad hoc``."""
    return value.replace("_", " ").capitalize()


def kind_label(kind: str) -> str:
    """An organisation kind in words, with its acronyms: ``un_agency`` -> ``UN agency``."""
    words = label(kind).replace("cso", "CSO").replace("Un ", "UN ")
    return words


def modality_of(stage: str) -> str:
    """The modality key of a stage (``other`` for a stage no modality names)."""
    return next((key for key, _, stages in MODALITIES if stage in stages), "other")


@dataclass(frozen=True)
class Scope:
    """What a section needs: the session, the day the report is for and the partnerships it covers."""

    session: Session
    today: date
    ids: Select[Any] | None  # SELECT of partnership ids, or None for all

    def only(self, column: Any) -> list[Any]:
        """The condition limiting ``column`` (a partnership id) to the scope, as a list of zero or one."""
        return [] if self.ids is None else [column.in_(self.ids)]


def _scope(session: Session, today: date, filters: ReportFilter | None) -> Scope:
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
        .where(event.entity_type == WORKFLOW, event.to_state.in_(FUNNEL))
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
        .where(Agreement.status == "active", end >= scope.today, end <= last)
        .where(*scope.only(Agreement.partnership_id))
    )
    row = scope.session.execute(stmt).one()
    return {days: int(value) for days, value in zip(EXPIRY_WINDOWS, row, strict=True)}


def _month_after(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def end_dates(scope: Scope) -> dict[str, int]:
    """Active agreements ending per month, from today to the end of the 24th month (this one included)."""
    last = _month_after(scope.today, TIMELINE_MONTHS) - timedelta(days=1)
    month = year_month(scope.session, Agreement.end_date)
    stmt = (
        select(month, func.count())
        .where(Agreement.status == "active", Agreement.end_date >= scope.today, Agreement.end_date <= last)
        .where(*scope.only(Agreement.partnership_id))
        .group_by(month)
    )
    return {str(key): count for key, count in scope.session.execute(stmt)}


def _overdue_condition(today: date) -> Any:
    late = (Obligation.status == ObligationStatus.OPEN) & (Obligation.due_date < today)
    return (Obligation.status == ObligationStatus.OVERDUE) | late


def overdue(scope: Scope) -> tuple[int, int, list[tuple[int | None, str | None, int]]]:
    """Overdue obligations: total, number of parties owing them, and the parties owing the most."""
    base = (
        select(PartnershipParty.organisation_id.label("organisation_id"), func.count().label("count"))
        .select_from(Obligation)
        .outerjoin(PartnershipParty, PartnershipParty.id == Obligation.party_id)
        .where(_overdue_condition(scope.today))
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
    "overdue": overdue,
    "areas": areas,
}


SLOWEST = ("stage_medians", "partners_by_kind", "partners_by_region", "partners_by_country")
"""The sections that dominate at 100k partnerships (see bench/bench_report.py); started first."""


# --- the report ---------------------------------------------------------------------------------------------------


def portfolio(session: Session, today: date | None = None, filters: ReportFilter | None = None) -> PortfolioReport:
    """The portfolio report for ``today`` (default: today in the organisation's timezone), optionally filtered."""
    today = today or clock.today(get_settings().zone)
    return assemble(run_sections(session, _sections(today, filters)), today, filters)


def _sections(today: date, filters: ReportFilter | None) -> dict[str, Callable[[Session], Any]]:
    """Each section as a function of the session it runs in (the slowest first, so they start first)."""

    def bound(section: Callable[[Scope], Any]) -> Callable[[Session], Any]:
        return lambda session: section(_scope(session, today, filters))

    order = sorted(SECTIONS, key=lambda name: name not in SLOWEST)
    return {name: bound(SECTIONS[name]) for name in order}


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0


def _matrix(
    rows: list[tuple[str, str, tuple[str, ...]]],
    cells: dict[tuple[str, int | None], int],
    stages: dict[str, int],
    columns: list[int | None],
) -> list[MatrixRow]:
    return [
        MatrixRow(
            key=key,
            label=text,
            cells=[sum(cells.get((stage, column), 0) for stage in members) for column in columns],
            total=sum(stages.get(stage, 0) for stage in members),
        )
        for key, text, members in rows
    ]


def assemble(raw: dict[str, Any], today: date, filters: ReportFilter | None) -> PortfolioReport:
    """Shape the sections' raw figures into the report (only small, already aggregated data here)."""
    stages: dict[str, int] = raw["stages"]
    states = list(get_workflow(WORKFLOW).states)
    states += sorted(set(stages) - set(states))  # a stage no longer in the workflow still shows
    total = sum(stages.values())
    cells: dict[tuple[str, int | None], int] = raw["stage_by_area"]
    columns: list[int | None] = [area_id for area_id, _, _ in raw["areas"]] + [None]
    area_columns = [
        AreaColumn(code=code, name=name, count=sum(v for (_, a), v in cells.items() if a == area_id))
        for area_id, code, name in raw["areas"]
    ] + [AreaColumn(code=None, name=NO_AREA, count=sum(v for (_, a), v in cells.items() if a is None))]
    modalities = list(MODALITIES)
    others = tuple(stage for stage in states if modality_of(stage) == "other")
    if others:
        modalities.append(("other", "Other", others))

    distribution = raw["party_distribution"]
    with_parties = sum(distribution.values())
    parties = [PartyCount(parties=0, partnerships=total - with_parties)] if total > with_parties else []
    parties += [PartyCount(parties=n, partnerships=distribution[n]) for n in sorted(distribution)]
    multi = sum(count for n, count in distribution.items() if n >= 2)

    reached = raw["funnel"]
    first = reached.get(FUNNEL[0], 0)
    funnel = [
        FunnelStep(
            stage=stage,
            label=label(stage),
            ever_reached=reached.get(stage, 0),
            current=stages.get(stage, 0),
            share_of_first=_share(reached.get(stage, 0), first),
            share_of_previous=_share(reached.get(stage, 0), reached.get(FUNNEL[i - 1], 0)) if i else None,
        )
        for i, stage in enumerate(FUNNEL)
    ]
    medians = raw["stage_medians"]
    durations = [
        StageDuration(
            stage=stage,
            label=label(stage),
            median_days=round(medians[stage][0], 1) if stage in medians else None,
            completed_stays=medians.get(stage, (0, 0))[1],
            open_stays=stages.get(stage, 0),
        )
        for stage in states
    ]
    within = raw["expiring"]
    windows, previous = [], 0
    for days in EXPIRY_WINDOWS:
        first_day = today + timedelta(days=previous + 1 if previous else 0)
        text = f"Within {days} days" if not previous else f"In {previous + 1} to {days} days"
        count = within[days] - (within[previous] if previous else 0)
        windows.append(
            ExpiryWindow(
                days=days,
                label=text,
                first_day=first_day,
                last_day=today + timedelta(days=days),
                count=count,
                within=within[days],
            )
        )
        previous = days
    months = []
    for offset in range(TIMELINE_MONTHS):
        start = _month_after(today, offset)
        key = f"{start.year:04d}-{start.month:02d}"
        months.append(
            MonthCount(
                month=key, label=f"{calendar.month_abbr[start.month]} {start.year}", count=raw["end_dates"].get(key, 0)
            )
        )
    overdue_total, overdue_parties, top = raw["overdue"]
    us = get_settings().organisation_name
    return PortfolioReport(
        today=today,
        generated_at=clock.now(),
        filters=filters.chosen() if filters else {},
        total_partnerships=total,
        stages=[
            StageCount(stage=stage, label=label(stage), modality=modality_of(stage), count=stages.get(stage, 0))
            for stage in states
        ],
        modalities=[
            Modality(key=key, label=text, stages=list(members), count=sum(stages.get(s, 0) for s in members))
            for key, text, members in modalities
        ],
        areas=area_columns,
        modality_by_area=_matrix(modalities, cells, stages, columns),
        stage_by_area=_matrix([(s, label(s), (s,)) for s in states], cells, stages, columns),
        by_partner_kind=[
            Count(key=str(kind), label=kind_label(str(kind)), count=n) for kind, n in raw["partners_by_kind"]
        ],
        partnerships_without_partner=total - with_parties,
        by_region=[Count(key=region, label=region or "No region", count=n) for region, n in raw["partners_by_region"]],
        by_country=[Count(key=code, label=code, count=n) for code, n in raw["partners_by_country"]],
        multi_actor=MultiActor(count=multi, share=_share(multi, total), total=total, distribution=parties),
        funnel=funnel,
        stage_durations=durations,
        expiring=windows,
        end_dates_by_month=months,
        overdue=Overdue(
            total=overdue_total,
            parties=overdue_parties,
            by_party=[
                OverdueParty(
                    organisation_id=org_id,
                    name=f"{us} (ourselves)" if org_id is None else name or f"Organisation {org_id}",
                    count=n,
                )
                for org_id, name, n in top
            ],
        ),
        notes=list(NOTES),
    )
