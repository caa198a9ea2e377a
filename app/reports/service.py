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

Every word of the report is in the language in use (``app.i18n.current_language``: the request's, or ``language``):
the report's own sentences from the ``reports`` catalog, stages, modalities, areas and kinds of partner from the
``vocab`` catalog, countries, months and durations by Babel. Codes (``stage``, ``key``, ``code``) stay codes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.i18n import REPORTS, country_name, format_date, format_duration, use_language, vocab
from app.reports import tallies
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
    cutoff_of,
    funnel_stages,
    month_after,
    scope_of,
)
from app.workflow.definition import get_workflow

__all__ = ["SECTIONS", "Scope", "assemble", "kind_label", "label", "modalities", "modality_of", "notes", "portfolio"]

MODALITY_GROUP = "modality_"
"""The modalities of a relationship (the issue's words) are the partnership state groups named ``modality_<key>``."""
OTHER = "other"
_ = REPORTS.gettext


def notes() -> list[str]:
    """How to read the report, in the language in use."""
    return [
        _("A partnership with several areas of engagement counts in each of them; row totals count it once."),
        _("A partnership with partners of several kinds, regions or countries counts under each of them."),
        _("Multi-actor partnerships have two or more partner parties."),
        _("The funnel counts the partnerships that ever entered each stage, from their transition history."),
        _(
            "Median time in a stage: stays that ended only; the current, still open stay of each partnership is left "
            "out."
        ),
        _("Expiring agreements and end dates: agreements whose status is active."),
        _("Overdue obligations: marked overdue, or still open after their due date."),
    ]


def label(value: str) -> str:
    """A partnership stage in a word or two, in the language in use ("Ad hoc", "Formalising"); a code the
    workflow no longer declares in words."""
    workflow = get_workflow(WORKFLOW)
    return workflow.short_label(value) if value in workflow.states else vocab.words(value)


def kind_label(kind: str) -> str:
    """An organisation kind in words, in the language in use: ``un_agency`` -> "UN agency"."""
    return vocab.organisation_kind(kind)


def modalities() -> list[tuple[str, str, tuple[str, ...]]]:
    """Each modality: its key, its label and its stages (in the order the workflow file declares them)."""
    workflow = get_workflow(WORKFLOW)
    found = []
    for group, members in workflow.groups.items():
        if group.startswith(MODALITY_GROUP):
            key = group.removeprefix(MODALITY_GROUP)
            stages = tuple(stage for stage in workflow.states if stage in members)
            found.append((key, _modality_label(group, key, stages), stages))
    return found


def _modality_label(group: str, key: str, stages: tuple[str, ...]) -> str:
    """The group's label in the workflow file; else ``Formal (incl. formalising)`` or ``Inactive (dormant, …)``."""
    workflow = get_workflow(WORKFLOW)
    if group in workflow.group_labels:
        return workflow.group_label(group)
    name = label(key)
    others = ", ".join(label(stage).lower() for stage in stages if stage != key)
    if not others:
        return name
    if key in stages:
        return _("{modality} (incl. {stages})", modality=name, stages=others)
    return _("{modality} ({stages})", modality=name, stages=others)


def modality_of(stage: str, known: list[tuple[str, str, tuple[str, ...]]] | None = None) -> str:
    """The modality key of a stage (``other`` for a stage no modality names)."""
    return next((key for key, _label, stages in known or modalities() if stage in stages), OTHER)


# --- the report ---------------------------------------------------------------------------------------------------


def portfolio(
    session: Session, today: date | None = None, filters: ReportFilter | None = None, locale: str | None = None
) -> PortfolioReport:
    """The portfolio report for ``today`` (default: today in the organisation's timezone), optionally filtered.

    Its words are in ``locale`` ("fr", "es-MX" …) when given, else in the language in use.
    """
    today = today or clock.today(get_settings().zone)
    return assemble(run_sections(session, _sections(today, filters)), today, filters, locale)


def _sections(today: date, filters: ReportFilter | None) -> dict[str, Callable[[Session], Any]]:
    """Each section as a function of the session it runs in (the slowest first, so they start first)."""

    def bound(section: Callable[[Scope], Any]) -> Callable[[Session], Any]:
        return lambda session: section(scope_of(session, today, filters))

    chosen = SECTIONS
    if (filters is None or not filters.chosen()) and scope_of_day(today).whole:
        chosen = SECTIONS | tallies.readers()  # the whole portfolio today: the running counts, kept as records change
    order = sorted(chosen, key=lambda name: name not in SLOWEST)
    return {name: bound(chosen[name]) for name in order}


def scope_of_day(today: date) -> Scope:
    """A scope of the whole portfolio on ``today``, for asking whether it is over (no session needed)."""
    return Scope(None, today, None, cutoff_of(today))  # type: ignore[arg-type]


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
    raw: dict[str, Any], today: date, filters: ReportFilter | None, locale: str | None = None
) -> PortfolioReport:
    """Shape the sections' raw figures into the report, in ``locale`` or the language in use (small data only)."""
    if locale is not None:
        with use_language(locale):
            return assemble(raw, today, filters)
    stages: dict[str, int] = raw["stages"]
    states = list(get_workflow(WORKFLOW).states)
    states += sorted(set(stages) - set(states))  # a stage no longer in the workflow still shows
    total = sum(stages.values())
    cells: dict[tuple[str, int | None], int] = raw["stage_by_area"]
    columns: list[int | None] = [area_id for area_id, _code, _name in raw["areas"]] + [None]
    area_columns = [
        AreaColumn(
            code=code,
            name=vocab.area_name(code, name),
            count=sum(v for (_stage, a), v in cells.items() if a == area_id),
        )
        for area_id, code, name in raw["areas"]
    ] + [AreaColumn(code=None, name=_("No area"), count=sum(v for (_stage, a), v in cells.items() if a is None))]
    rows = modalities()
    others = tuple(stage for stage in states if modality_of(stage, rows) == OTHER)
    if others:
        rows.append((OTHER, _("Other"), others))

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
            median=format_duration(medians[stage][0] if stage in medians else None),
            completed_stays=medians.get(stage, (0, 0))[1],
            open_stays=stages.get(stage, 0),
        )
        for stage in states
    ]
    within = raw["expiring"]
    windows, previous = [], 0
    for days in EXPIRY_WINDOWS:
        first_day = today + timedelta(days=previous + 1 if previous else 0)
        if previous:
            text = _("In {first} to {last} days", first=previous + 1, last=days)
        else:
            text = REPORTS.ngettext("Within {n} day", "Within {n} days", days)
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
        months.append(MonthCount(month=key, label=format_date(start, "MMM y"), count=raw["end_dates"].get(key, 0)))
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
        by_region=[
            Count(key=region, label=vocab.region_name(region) or _("No region"), count=n)
            for region, n in raw["partners_by_region"]
        ],
        by_country=[
            Count(key=code, label=country_name(code) if code else _("No country"), count=n)
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
                    name=_("{organisation} (ourselves)", organisation=us)
                    if org_id is None
                    else name or _("Organisation {id}", id=org_id),
                    count=n,
                )
                for org_id, name, n in top
            ],
        ),
        notes=notes(),
    )
