"""What changed between two days: transition events in the period (from the start of the first day to the end of
the last one, in the organisation's timezone), by kind of change (``CATEGORIES``, each asked of the workflows' state
groups, never of state names), broken down by area of engagement, region and kind of partner. See
``app.reports.history``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

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
from app.reports.as_of import AGREEMENT, PARTNERSHIP, check_day, matching_partnerships, start_of
from app.reports.schemas import (
    ChangeCategory,
    ChangeCount,
    ChangeRecord,
    ChangesFilter,
    ChangesSummary,
    ReportFilter,
)
from app.workflow.definition import states
from app.workflow.models import TransitionEvent

_ = REPORTS.gettext


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
    conditions = matching_partnerships(session, filters)
    return select(Partnership.id).where(*conditions) if conditions else None


def _counts(changes: Any) -> list[Select[Any]]:
    """The statements counting the records of each kind of change (``changes``: its rows ``change, record_id,
    partnership_id``): in all, by area, by region, by kind of partner."""
    change, distinct = changes.c.change, func.count(changes.c.record_id.distinct())
    no_key = cast(literal(None), String)
    region = Organisation.region
    kind = cast(Organisation.kind, String)
    return [
        select(change, literal("all"), no_key, distinct).group_by(change),
        select(change, literal("area"), AreaOfEngagement.code, distinct)
        .select_from(changes)
        .outerjoin(partnership_areas, partnership_areas.c.partnership_id == changes.c.partnership_id)
        .outerjoin(AreaOfEngagement, AreaOfEngagement.id == partnership_areas.c.area_id)
        .group_by(change, AreaOfEngagement.code),
        select(change, literal("region"), region, distinct)
        .select_from(changes)
        .outerjoin(PartnershipParty, PartnershipParty.partnership_id == changes.c.partnership_id)
        .outerjoin(Organisation, Organisation.id == PartnershipParty.organisation_id)
        .group_by(change, region),
        # Through the organisation, as the region: the parties by partnership are read from an index that holds
        # their organisation (a kind read off the parties' rows made PostgreSQL hash the whole table).
        select(change, literal("partner_kind"), kind, distinct)
        .select_from(changes)
        .outerjoin(PartnershipParty, PartnershipParty.partnership_id == changes.c.partnership_id)
        .outerjoin(Organisation, Organisation.id == PartnershipParty.organisation_id)
        .group_by(change, kind),
    ]


def _sorted(rows: list[ChangeCount]) -> list[ChangeCount]:
    return sorted(rows, key=lambda row: (-row.count, row.key is None, row.label.casefold()))


def changes_between(session: Session, filters: ChangesFilter) -> ChangesSummary:
    """What changed between ``filters.start`` and ``filters.end`` (both days included), by kind of change, with each
    count broken down by area of engagement, region and kind of partner — one statement for all of them, which
    reads the period's events once (a common table expression) and counts them four ways."""
    since, until = _period(filters)
    partnerships = _partnership_ids(session, filters)
    every = [
        select(literal(chosen.key).label("change"), *_changes(chosen, since, until, partnerships).subquery().c)
        for chosen in CATEGORIES
    ]
    changes = union_all(*every).cte("changes")  # the period's events read once, then counted four ways
    found: dict[tuple[str, str], list[tuple[str | None, int]]] = {}
    for key, dimension, value, count in session.execute(union_all(*_counts(changes))):
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
    query = urlencode({"start": filters.start.isoformat(), "end": filters.end.isoformat()} | {
        name: value for name, value in chosen_filters.items() if name not in {"start", "end"}})  # fmt: skip
    categories = []
    for chosen in CATEGORIES:
        total = sum(n for _key, n in found.get((chosen.key, "all"), []))
        by = {}
        for dimension, named in labels.items():
            cells = found.get((chosen.key, dimension), [])
            by[dimension] = _sorted([ChangeCount(key=value, label=named(value), count=n) for value, n in cells])
        categories.append(
            ChangeCategory(
                key=chosen.key,
                label=chosen.label(),
                record=chosen.record,
                count=total,
                by_area=by["area"],
                by_region=by["region"],
                by_partner_kind=by["partner_kind"],
                records_url=f"/api/v1/reports/changes/{chosen.key}?{query}",
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
