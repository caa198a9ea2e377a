"""The portfolio report: partnerships by modality, area, partner kind and place; the funnel; what is expiring or late.

Every figure is an aggregate query of ``sections`` (run side by side); this module shapes their small results into
the report. Modalities, the funnel and what counts as expiring or late are state groups of ``app/workflows/*.yaml``.
Conventions, also written into the report's ``notes``:

- a partnership with two areas of engagement counts in both areas (a row's total counts it once);
- a partnership with partners of two kinds, regions or countries counts under each of them;
- multi-actor means two or more partner parties;
- the funnel (the ``funnel`` group) counts the partnerships that ever entered a stage, from their transition history;
- the median time in a stage counts the stays that ended; the current, still open stay is left out;
- expiring and end dates: agreements in the ``running`` group (active); overdue: obligations marked overdue, or still
  open after their due date (``app.obligations.service.late_condition``).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.reports.dialect import run_sections
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
from app.reports.sections import (
    EXPIRY_WINDOWS,
    SECTIONS,
    SLOWEST,
    TIMELINE_MONTHS,
    WORKFLOW,
    Scope,
    funnel_stages,
    month_after,
    scope_of,
)
from app.schemas import country_name
from app.workflow.definition import get_workflow

__all__ = ["SECTIONS", "Scope", "assemble", "kind_label", "label", "modalities", "modality_of", "portfolio"]

MODALITY_GROUP = "modality_"
"""The modalities of a relationship (the issue's words) are the partnership state groups named ``modality_<key>``."""
OTHER = "other"
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


def modalities() -> list[tuple[str, str, tuple[str, ...]]]:
    """Each modality: its key, its label and its stages (in the order the workflow file declares them)."""
    workflow = get_workflow(WORKFLOW)
    found = []
    for group, members in workflow.groups.items():
        if group.startswith(MODALITY_GROUP):
            key = group.removeprefix(MODALITY_GROUP)
            stages = tuple(stage for stage in workflow.states if stage in members)
            found.append((key, _modality_label(key, stages), stages))
    return found


def _modality_label(key: str, stages: tuple[str, ...]) -> str:
    """``Formal (incl. formalising)`` when the key is one of its stages, ``Inactive (dormant, …)`` otherwise."""
    others = [label(stage).lower() for stage in stages if stage != key]
    if not others:
        return label(key)
    return f"{label(key)} ({'incl. ' if key in stages else ''}{', '.join(others)})"


def modality_of(stage: str, known: list[tuple[str, str, tuple[str, ...]]] | None = None) -> str:
    """The modality key of a stage (``other`` for a stage no modality names)."""
    return next((key for key, _, stages in known or modalities() if stage in stages), OTHER)


REPORT_LOCALE = "en_GB"
DAYS_PER_MONTH = 365.25 / 12

# --- the report ---------------------------------------------------------------------------------------------------


def portfolio(
    session: Session, today: date | None = None, filters: ReportFilter | None = None, locale: str = REPORT_LOCALE
) -> PortfolioReport:
    """The portfolio report for ``today`` (default: today in the organisation's timezone), optionally filtered.

    Countries are named in ``locale`` (a Babel locale such as ``en_GB`` or ``fr``).
    """
    today = today or clock.today(get_settings().zone)
    return assemble(run_sections(session, _sections(today, filters)), today, filters, locale)


def duration_words(days: float | None) -> str:
    """A duration as people read it: whole days up to two months ("12 days"), whole months beyond ("21 months")."""
    if days is None:
        return "—"
    whole = round(days)
    if whole < 61:
        return "1 day" if whole == 1 else f"{whole} days"
    months = round(days / DAYS_PER_MONTH)
    return f"{months} months"


def _sections(today: date, filters: ReportFilter | None) -> dict[str, Callable[[Session], Any]]:
    """Each section as a function of the session it runs in (the slowest first, so they start first)."""

    def bound(section: Callable[[Scope], Any]) -> Callable[[Session], Any]:
        return lambda session: section(scope_of(session, today, filters))

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


def assemble(
    raw: dict[str, Any], today: date, filters: ReportFilter | None, locale: str = REPORT_LOCALE
) -> PortfolioReport:
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
    rows = modalities()
    others = tuple(stage for stage in states if modality_of(stage, rows) == OTHER)
    if others:
        rows.append((OTHER, "Other", others))

    distribution = raw["party_distribution"]
    with_parties = sum(distribution.values())
    parties = [PartyCount(parties=0, partnerships=total - with_parties)] if total > with_parties else []
    parties += [PartyCount(parties=n, partnerships=distribution[n]) for n in sorted(distribution)]
    multi = sum(count for n, count in distribution.items() if n >= 2)

    reached = raw["funnel"]
    funnel_order = funnel_stages()
    first = reached.get(funnel_order[0], 0) if funnel_order else 0
    funnel = [
        FunnelStep(
            stage=stage,
            label=label(stage),
            ever_reached=reached.get(stage, 0),
            current=stages.get(stage, 0),
            share_of_first=_share(reached.get(stage, 0), first),
            share_of_previous=_share(reached.get(stage, 0), reached.get(funnel_order[i - 1], 0)) if i else None,
        )
        for i, stage in enumerate(funnel_order)
    ]
    medians = raw["stage_medians"]
    durations = [
        StageDuration(
            stage=stage,
            label=label(stage),
            median_days=round(medians[stage][0]) if stage in medians else None,
            median=duration_words(medians[stage][0] if stage in medians else None),
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
        start = month_after(today, offset)
        key = f"{start.year:04d}-{start.month:02d}"
        months.append(
            MonthCount(
                month=key, label=f"{calendar.month_abbr[start.month]} {start.year}", count=raw["end_dates"].get(key, 0)
            )
        )
    overdue_total, overdue_parties, top = raw["late_obligations"]
    us = get_settings().organisation_name
    return PortfolioReport(
        today=today,
        generated_at=clock.now(),
        filters=filters.chosen() if filters else {},
        total_partnerships=total,
        stages=[
            StageCount(stage=stage, label=label(stage), modality=modality_of(stage, rows), count=stages.get(stage, 0))
            for stage in states
        ],
        modalities=[
            Modality(key=key, label=text, stages=list(members), count=sum(stages.get(s, 0) for s in members))
            for key, text, members in rows
        ],
        areas=area_columns,
        modality_by_area=_matrix(rows, cells, stages, columns),
        stage_by_area=_matrix([(s, label(s), (s,)) for s in states], cells, stages, columns),
        by_partner_kind=[
            Count(key=str(kind), label=kind_label(str(kind)), count=n) for kind, n in raw["partners_by_kind"]
        ],
        partnerships_without_partner=total - with_parties,
        by_region=[Count(key=region, label=region or "No region", count=n) for region, n in raw["partners_by_region"]],
        by_country=[
            Count(key=code, label=country_name(code, locale) if code else "No country", count=n)
            for code, n in raw["partners_by_country"]
        ],
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
