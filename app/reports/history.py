"""The portfolio's history: every partnership and agreement as it stood at the end of a past day, and what changed
between two days.

Both are read from the history the workflow engine keeps, never from the records' current columns:

- a state on a day is the stay (``app.workflow.stays``, derived from ``transition_events``) open at the end of that
  day in the organisation's timezone; a record without a stay entered by then did not exist yet;
- a change is a transition event in the period: from the start of the first day to the end of the last one, both in
  the organisation's timezone. Which events count as which change is asked of the workflows' state groups
  (``CATEGORIES``), never of state names.

The breakdowns by area of engagement, region and kind of partner, and the filters, read the partnerships' areas and
partners as they are now (the record today): the history keeps states, not those facts. ``notes()`` says so to the
reader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session, lazyload

from app import clock
from app.agreements.models import Agreement, AgreementKind
from app.config import get_settings
from app.errors import invalid
from app.i18n import REPORTS, vocab
from app.listing import PageParams, Slice, order_by, paginate
from app.organisations.models import AreaOfEngagement, Organisation
from app.partnerships.models import Partnership, PartnershipParty, partnership_areas
from app.partnerships.schemas import PartnershipFilter
from app.partnerships.service import matching
from app.reports.schemas import (
    AsOfAgreement,
    AsOfFilter,
    AsOfPartnership,
    ChangeCategory,
    ChangeCount,
    ChangeRecord,
    ChangesFilter,
    ChangesSummary,
    ReportFilter,
)
from app.reports.sections import cutoff_of
from app.workflow.definition import get_workflow, states
from app.workflow.models import TransitionEvent
from app.workflow.stays import StageStay

PARTNERSHIP = "partnership"
AGREEMENT = "agreement"
_ = REPORTS.gettext

__all__ = [
    "CATEGORIES",
    "agreements_as_of",
    "change_records",
    "changes_between",
    "check_day",
    "notes",
    "partnerships_as_of",
    "start_of",
]


def start_of(day: date) -> datetime:
    """The first instant of ``day`` in the organisation's timezone, in UTC."""
    return datetime.combine(day, time(0), tzinfo=get_settings().zone).astimezone(UTC)


def notes() -> list[str]:
    """How to read the history, in the language in use."""
    zone = get_settings().timezone
    return [
        _("Days are calendar days in the organisation's timezone ({zone}): a day ends at its midnight.", zone=zone),
        _("States on a day and changes come from the transition history, not from the records as they are now."),
        _(
            "Areas of engagement, regions and kinds of partner are the partnerships' as they are now: the history "
            "keeps states, not those facts."
        ),
        _(
            "A partnership or an agreement counts once under each kind of change in the period, even if it changed "
            "that way twice; with several areas, regions or kinds of partner it counts under each of them."
        ),
        _("Formalised: a partnership entered a stage with an agreement in force; signed: an agreement was signed."),
        _("Extended: an extension of the agreement was signed; the agreement extended is the one counted."),
    ]


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


def _matching_partnerships(session: Session, filters: ReportFilter) -> list[ColumnElement[bool]]:
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


def partnerships_as_of(session: Session, filters: AsOfFilter, params: PageParams) -> Slice:
    """The partnerships that existed at the end of ``filters.on``, each with its stage then, newest first.

    Filtered like the list (area, kind of partner, region, country, owner; ``stage`` is the stage on that day) and
    paged by keyset on ``(created_at, id)``: the walk starts at the last partnership created by then.
    """
    cutoff = check_day(filters.on, "on")
    _check_state(PARTNERSHIP, filters.stage)
    stmt = select(Partnership).options(lazyload("*"))
    stmt = stmt.where(
        Partnership.created_at < cutoff,
        *_matching_partnerships(session, filters),
        _existing_at(PARTNERSHIP, Partnership.id, cutoff, filters.stage),
    )
    ordered = order_by(stmt, None, {}, default=[Partnership.created_at.desc(), Partnership.id.desc()])
    found = paginate(session, ordered, params)
    at = _states_at(session, PARTNERSHIP, [p.id for p in found.items], cutoff)
    workflow = get_workflow(PARTNERSHIP)
    found.items = [
        AsOfPartnership(
            id=p.id,
            reference=p.reference,
            title=p.title,
            stage=at[p.id][0],
            stage_label=workflow.short_label(at[p.id][0]) if at[p.id][0] in workflow.states else at[p.id][0],
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
    conditions = _matching_partnerships(session, filters)
    stmt = select(Agreement).options(lazyload("*"))
    stmt = stmt.where(Agreement.created_at < cutoff, _existing_at(AGREEMENT, Agreement.id, cutoff, filters.stage))
    if conditions:
        stmt = stmt.where(Agreement.partnership_id.in_(select(Partnership.id).where(*conditions)))
    ordered = order_by(stmt, None, {}, default=[Agreement.created_at.desc(), Agreement.id.desc()])
    found = paginate(session, ordered, params)
    at = _states_at(session, AGREEMENT, [a.id for a in found.items], cutoff)
    workflow = get_workflow(AGREEMENT)
    found.items = [
        AsOfAgreement(
            id=a.id,
            reference=a.reference,
            title=a.title,
            kind=str(a.kind.value if hasattr(a.kind, "value") else a.kind),
            partnership_id=a.partnership_id,
            status=at[a.id][0],
            status_label=workflow.short_label(at[a.id][0]) if at[a.id][0] in workflow.states else at[a.id][0],
            since=at[a.id][1],
            status_now=a.status,
        )
        for a in found.items
        if a.id in at
    ]
    return found


# --- what changed between two days ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    """A kind of change: which events of which workflow count, and which record each one counts."""

    key: str
    label: Callable[[], str]
    workflow: str
    events: Callable[[], ColumnElement[bool]]  # a condition on TransitionEvent
    extension: bool = False  # counts the agreement an extension extends (its parent)

    @property
    def record(self) -> str:
        return self.workflow


def _entered(workflow: str, group: str) -> ColumnElement[bool]:
    """SQL: the event moved the entity into a state of ``group`` from outside it (or created it there)."""
    members = sorted(states(workflow, group=group))
    return and_(
        TransitionEvent.to_state.in_(members),
        or_(TransitionEvent.from_state.is_(None), TransitionEvent.from_state.not_in(members)),
    )


CATEGORIES: tuple[Category, ...] = (
    Category("new", lambda: _("New partnerships"), PARTNERSHIP, lambda: TransitionEvent.from_state.is_(None)),
    Category(
        "formalised", lambda: _("Formalised partnerships"), PARTNERSHIP, lambda: _entered(PARTNERSHIP, "in_force")
    ),
    Category(
        "agreements_signed",
        lambda: _("Agreements signed"),
        AGREEMENT,
        lambda: _entered(AGREEMENT, "signed_and_in_force"),
    ),
    Category(
        "agreements_extended",
        lambda: _("Agreements extended"),
        AGREEMENT,
        lambda: _entered(AGREEMENT, "signed_and_in_force"),
        extension=True,
    ),
    Category("agreements_expired", lambda: _("Agreements expired"), AGREEMENT, lambda: _entered(AGREEMENT, "lapsed")),
    Category(
        "agreements_terminated",
        lambda: _("Agreements terminated"),
        AGREEMENT,
        lambda: _entered(AGREEMENT, "ended_early"),
    ),
)
"""The kinds of change, in the order they are shown."""


def category(key: str) -> Category:
    """The kind of change ``key``, or a 422 naming ``category``."""
    for found in CATEGORIES:
        if found.key == key:
            return found
    raise invalid(
        "category",
        REPORTS.gettext(
            "unknown kind of change {key}; choose one of: {values}",
            key=repr(key),
            values=", ".join(c.key for c in CATEGORIES),
        ),
    )


def _period(filters: ChangesFilter) -> tuple[datetime, datetime]:
    until = check_day(filters.end, "end")
    if filters.start > filters.end:
        raise invalid(
            "start",
            REPORTS.gettext(
                "the first day {start} is after the last day {end}",
                start=filters.start.isoformat(),
                end=filters.end.isoformat(),
            ),
        )
    return start_of(filters.start), until


def _changes(
    chosen: Category, since: datetime, until: datetime, partnerships: Select[Any] | None
) -> Select[tuple[int, int, datetime]]:
    """SELECT ``(record_id, partnership_id, occurred_at)``: one row per event of the kind in the period.

    The events are read from ``ix_transition_events_period`` (the workflow, then the instant): a narrow period reads
    a narrow range of it, whatever the size of the portfolio.
    """
    event = TransitionEvent
    in_period = [event.entity_type == chosen.workflow, event.occurred_at >= since, event.occurred_at < until]
    if chosen.workflow == PARTNERSHIP:
        stmt = select(
            event.entity_id.label("record_id"), event.entity_id.label("partnership_id"), event.occurred_at
        ).where(*in_period, chosen.events())
        if partnerships is not None:
            stmt = stmt.where(event.entity_id.in_(partnerships))
        return stmt
    record = Agreement.parent_id if chosen.extension else Agreement.id
    stmt = (
        select(record.label("record_id"), Agreement.partnership_id.label("partnership_id"), event.occurred_at)
        .join(Agreement, Agreement.id == event.entity_id)
        .where(*in_period, chosen.events())
    )
    if chosen.extension:
        stmt = stmt.where(Agreement.kind == AgreementKind.EXTENSION, Agreement.parent_id.is_not(None))
    if partnerships is not None:
        stmt = stmt.where(Agreement.partnership_id.in_(partnerships))
    return stmt


def _partnership_ids(session: Session, filters: ReportFilter) -> Select[Any] | None:
    conditions = _matching_partnerships(session, filters)
    return select(Partnership.id).where(*conditions) if conditions else None


def _counts(chosen: Category, changes: Any) -> list[Select[Any]]:
    """The statements counting the records of one kind: in all, by area, by region, by kind of partner."""
    distinct = func.count(changes.c.record_id.distinct())
    key, no_key = literal(chosen.key), cast(literal(None), String)
    region = Organisation.region
    kind = cast(PartnershipParty.organisation_kind, String)
    return [
        select(key, literal("all"), no_key, distinct).select_from(changes),
        select(key, literal("area"), AreaOfEngagement.code, distinct)
        .select_from(changes)
        .outerjoin(partnership_areas, partnership_areas.c.partnership_id == changes.c.partnership_id)
        .outerjoin(AreaOfEngagement, AreaOfEngagement.id == partnership_areas.c.area_id)
        .group_by(AreaOfEngagement.code),
        select(key, literal("region"), region, distinct)
        .select_from(changes)
        .outerjoin(PartnershipParty, PartnershipParty.partnership_id == changes.c.partnership_id)
        .outerjoin(Organisation, Organisation.id == PartnershipParty.organisation_id)
        .group_by(region),
        select(key, literal("partner_kind"), kind, distinct)
        .select_from(changes)
        .outerjoin(PartnershipParty, PartnershipParty.partnership_id == changes.c.partnership_id)
        .group_by(kind),
    ]


def _sorted(rows: list[ChangeCount]) -> list[ChangeCount]:
    return sorted(rows, key=lambda row: (-row.count, row.key is None, row.label.casefold()))


def changes_between(session: Session, filters: ChangesFilter) -> ChangesSummary:
    """What changed between ``filters.start`` and ``filters.end`` (both days included), by kind of change, with each
    count broken down by area of engagement, region and kind of partner — one statement for all of them."""
    since, until = _period(filters)
    partnerships = _partnership_ids(session, filters)
    parts = []
    for chosen in CATEGORIES:
        changes = _changes(chosen, since, until, partnerships).subquery(f"changes_{chosen.key}")
        parts.extend(_counts(chosen, changes))
    found: dict[tuple[str, str], list[tuple[str | None, int]]] = {}
    for key, dimension, value, count in session.execute(union_all(*parts)):
        if count:
            found.setdefault((key, dimension), []).append((None if value is None else str(value), int(count)))
    areas = {code: vocab.area_name(code, name) for code, name in session.execute(
        select(AreaOfEngagement.code, AreaOfEngagement.name))}  # fmt: skip
    labels: dict[str, Callable[[str | None], str]] = {
        "area": lambda code: areas.get(code, code or "") if code else _("No area"),
        "region": lambda region: vocab.region_name(region) if region else _("No region"),
        "partner_kind": lambda kind: vocab.organisation_kind(kind) if kind else _("No partner"),
    }
    chosen_filters = filters.chosen()
    query = "&".join(f"{name}={value}" for name, value in chosen_filters.items() if name not in {"start", "end"})
    categories = []
    for chosen in CATEGORIES:
        total = sum(n for _key, n in found.get((chosen.key, "all"), []))
        by = {}
        for dimension, named in labels.items():
            cells = found.get((chosen.key, dimension), [])
            by[dimension] = _sorted([ChangeCount(key=value, label=named(value), count=n) for value, n in cells])
        url = f"/api/v1/reports/changes/{chosen.key}?start={filters.start}&end={filters.end}"
        categories.append(
            ChangeCategory(
                key=chosen.key,
                label=chosen.label(),
                record=chosen.record,
                count=total,
                by_area=by["area"],
                by_region=by["region"],
                by_partner_kind=by["partner_kind"],
                records_url=url + (f"&{query}" if query else ""),
            )
        )
    return ChangesSummary(
        start=filters.start,
        end=filters.end,
        timezone=get_settings().timezone,
        since=since,
        until=until,
        generated_at=clock.now(),
        filters={k: v for k, v in chosen_filters.items() if k not in {"start", "end"}},
        categories=categories,
        notes=notes(),
    )


def change_records(session: Session, key: str, filters: ChangesFilter, params: PageParams) -> Slice:
    """The records behind one count of ``changes_between`` (kind ``key``, narrowed by the same filters: an area, a
    region or a kind of partner narrows to a cell of its breakdown), newest first, paged by keyset on the id."""
    chosen = category(key)
    since, until = _period(filters)
    changes = _changes(chosen, since, until, _partnership_ids(session, filters)).subquery("changes")
    model: Any = Partnership if chosen.workflow == PARTNERSHIP else Agreement
    stmt = select(model).options(lazyload("*")).where(model.id.in_(select(changes.c.record_id)))
    found = paginate(session, order_by(stmt, None, {}, default=[model.id.desc()]), params)
    ids = [item.id for item in found.items]
    first: dict[int, datetime] = {}
    if ids:
        when = (
            select(changes.c.record_id, func.min(changes.c.occurred_at))
            .where(changes.c.record_id.in_(ids))
            .group_by(changes.c.record_id)
        )
        first = {record_id: occurred for record_id, occurred in session.execute(when)}
    found.items = [
        ChangeRecord(
            id=item.id,
            record=chosen.record,
            reference=item.reference,
            title=item.title,
            partnership_id=item.id if chosen.workflow == PARTNERSHIP else item.partnership_id,
            occurred_at=first[item.id],
        )
        for item in found.items
        if item.id in first
    ]
    return found


def days_ago(days: int) -> date:
    """The day ``days`` before today in the organisation's timezone."""
    return clock.today(get_settings().zone) - timedelta(days=days)
