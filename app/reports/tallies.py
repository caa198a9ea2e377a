"""Running counts of the whole portfolio as it is now, kept as records change: the unfiltered report for today.

Each row is a change (``delta``) to one count: ``section`` (a section of the report), ``key`` (a stage, a kind of
partner, a region or country) and ``number`` (an area id, a number of parties). A count is the sum of its rows.
Rows are only ever added, so writers never wait for each other on a shared counter.

A flush that touches partnerships (their stage, areas or parties, or an organisation's kind, region or country)
counts what those partnerships contributed before it and after it, with the report's own section queries narrowed
to them, and adds the difference — in the same transaction. ``rebuild_report_tallies`` recomputes everything from
the records (the synthetic generator calls it after its bulk load). A report narrowed by a filter, or for a past day,
is computed from the records and the stage stays instead (``app.reports.sections``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from functools import cache
from itertools import chain
from typing import Any

from sqlalchemy import (
    Connection,
    Index,
    Integer,
    String,
    bindparam,
    cast,
    delete,
    func,
    insert,
    inspect,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Base
from app.organisations.models import Organisation
from app.partnerships.models import Partnership, PartnershipParty, partnership_areas
from app.reports import sections as s
from app.workflow.models import TransitionEvent
from app.workflow.stays import StageStay


class ReportTally(Base):
    """A change to one running count of the portfolio report (the count is the sum of its changes)."""

    __tablename__ = "report_tallies"
    __table_args__ = (Index("ix_report_tallies_count", "section", "key", "number", postgresql_include=["delta"]),)

    id: Mapped[int] = mapped_column(primary_key=True)
    section: Mapped[str] = mapped_column(String(40))
    key: Mapped[str | None] = mapped_column(String(200))
    number: Mapped[int | None] = mapped_column(Integer)
    delta: Mapped[int]


FOREVER = datetime(9999, 1, 1, tzinfo=UTC)  # a cutoff after everything: the portfolio as it is now
Key = tuple[str, str | None, int | None]


def _counts(session: Session | Connection, ids: list[int] | None) -> Counter[Key]:
    """What the partnerships ``ids`` (all: ``None``) count in each tallied section now."""
    scope = s.Scope(session, date.max, None if ids is None else ids, FOREVER)  # type: ignore[arg-type]
    found: Counter[Key] = Counter()
    for stage, n in s.stage_counts(scope).items():
        found["stages", stage, None] += n
    for (stage, area), n in s.stage_area_counts(scope).items():
        found["stage_by_area", stage, area] += n
    for dimension in s.PARTNER_DIMENSIONS:
        for value, n in s.partners_by(dimension)(scope):
            found[f"partners_by_{dimension}", value, None] += n
    for parties, n in s.party_distribution(scope).items():
        found["party_distribution", None, parties] += n
    for stage, n in s.reached_counts(scope).items():
        found["entered", stage, None] += n
    for stage, n in s.ended_counts(scope).items():
        found["ended_stays", stage, None] += n
    return found


@cache
def _changes_statement() -> Any:
    """``_counts`` narrowed to the partnerships ``:ids``, as one statement built once (a flush that moves one
    partnership pays one round trip, not one per section)."""
    ids = bindparam("ids", expanding=True)
    stay, pa, party = StageStay, partnership_areas, PartnershipParty
    mine = [stay.workflow == s.WORKFLOW, stay.entity_id.in_(ids)]
    no_key, no_number = cast(null(), String), cast(null(), Integer)
    parts = [
        select(literal("stages"), stay.stage, no_number, func.count())
        .where(*mine, stay.left_at.is_(None))
        .group_by(stay.stage),
        select(literal("stage_by_area"), stay.stage, pa.c.area_id, func.count())
        .select_from(stay)
        .outerjoin(pa, pa.c.partnership_id == stay.entity_id)
        .where(*mine, stay.left_at.is_(None))
        .group_by(stay.stage, pa.c.area_id),
        select(literal("entered"), stay.stage, no_number, func.count(stay.entity_id.distinct()))
        .where(*mine)
        .group_by(stay.stage),
        select(literal("ended_stays"), stay.stage, no_number, func.count())
        .where(*mine, stay.left_at.is_not(None))
        .group_by(stay.stage),
    ]
    for dimension, column in s.PARTNER_DIMENSIONS.items():
        pairs = (
            select(party.partnership_id, column.label("value"))
            .join(Organisation, Organisation.id == party.organisation_id)
            .where(party.partnership_id.in_(ids))
            .distinct()
            .subquery()
        )
        parts.append(
            select(literal(f"partners_by_{dimension}"), pairs.c.value, no_number, func.count()).group_by(pairs.c.value)
        )
    per = (
        select(party.partnership_id, func.count().label("parties"))
        .where(party.partnership_id.in_(ids))
        .group_by(party.partnership_id)
        .subquery()
    )
    parts.append(select(literal("party_distribution"), no_key, per.c.parties, func.count()).group_by(per.c.parties))
    return union_all(*parts)


def _changed_counts(session: Session, ids: list[int]) -> Counter[Key]:
    """What the partnerships ``ids`` count in each tallied section now (as ``_counts`` counts them)."""
    found: Counter[Key] = Counter()
    for section, key, number, n in session.execute(_changes_statement(), {"ids": ids}):
        found[section, key, None if number is None else int(number)] += int(n)
    return found


def _write(session: Session | Connection, changes: Iterable[tuple[Key, int]]) -> None:
    rows = [{"section": k[0], "key": k[1], "number": k[2], "delta": d} for k, d in changes if d]
    if rows:
        session.execute(insert(ReportTally.__table__), rows)


def rebuild_report_tallies(session: Session | Connection) -> None:
    """Recompute every running count from the records, set-based (the report's own aggregate queries)."""
    session.execute(delete(ReportTally.__table__))
    _write(session, _counts(session, None).items())


def read(session: Session, section: str) -> dict[tuple[str | None, int | None], int]:
    """The current counts of one tallied section, by (key, number); counts of zero left out."""
    total = func.sum(ReportTally.delta)
    stmt = (
        select(ReportTally.key, ReportTally.number, total)
        .where(ReportTally.section == section)
        .group_by(ReportTally.key, ReportTally.number)
        .having(total != 0)
    )
    return {(key, number): int(n) for key, number, n in session.execute(stmt)}


def readers() -> dict[str, Callable[[s.Scope], Any]]:
    """The tallied sections, read from the running counts (same results as ``sections.SECTIONS`` for today)."""

    def by_key(section: str) -> Callable[[s.Scope], dict[Any, int]]:
        return lambda scope: {key: n for (key, _number), n in read(scope.session, section).items()}

    def partners(dimension: str) -> Callable[[s.Scope], list[tuple[Any, int]]]:
        def section(scope: s.Scope) -> list[tuple[Any, int]]:
            rows = [(key, n) for (key, _number), n in read(scope.session, f"partners_by_{dimension}").items()]
            return sorted(rows, key=lambda row: (-row[1], row[0] is None, str(row[0])))

        return section

    def funnel(scope: s.Scope) -> dict[str, int]:
        stages = s.funnel_stages()
        return {key: n for key, n in by_key("entered")(scope).items() if key in stages}

    return {
        "stages": by_key("stages"),
        "stage_by_area": lambda scope: dict(read(scope.session, "stage_by_area").items()),
        **{f"partners_by_{dimension}": partners(dimension) for dimension in s.PARTNER_DIMENSIONS},
        "party_distribution": lambda scope: {n: c for (_k, n), c in read(scope.session, "party_distribution").items()},
        "funnel": funnel,
        "stage_medians": lambda scope: s.stage_medians(scope, by_key("ended_stays")(scope)),
    }


# --- kept as records change -----------------------------------------------------------------------------------

_BEFORE = "report_tallies_before"
_AFFECTED = "report_tallies_affected"
_PARTNER_FIELDS = ("kind", "region", "country_code")


def _affected(session: Session) -> set[int]:
    """The ids (known so far) of the partnerships whose counts the pending changes may move."""
    ids: set[int] = set()
    organisations = []
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Partnership):
            ids.add(obj.id)
        elif isinstance(obj, PartnershipParty):
            owner = obj.__dict__.get("partnership")
            ids.add(obj.partnership_id if obj.partnership_id is not None else getattr(owner, "id", None))
        elif isinstance(obj, TransitionEvent) and obj.entity_type == s.WORKFLOW:
            ids.add(obj.entity_id)
        elif isinstance(obj, Organisation) and obj.id is not None:
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in _PARTNER_FIELDS):
                organisations.append(obj.id)
    if organisations:
        parties = select(PartnershipParty.partnership_id).where(PartnershipParty.organisation_id.in_(organisations))
        ids.update(session.scalars(parties))
    ids.discard(None)  # type: ignore[arg-type]
    return ids


@sa_event.listens_for(Session, "before_flush")
def _count_before(session: Session, _context: Any, _instances: Any) -> None:
    """What the partnerships about to change count now (the records as they are before this flush)."""
    ids = _affected(session)
    session.info[_BEFORE] = _changed_counts(session, sorted(ids)) if ids else Counter()


@sa_event.listens_for(Session, "after_flush")
def _note_affected(session: Session, _context: Any) -> None:
    """The partnerships this flush changed, new ones included (their ids are known now)."""
    session.info[_AFFECTED] = _affected(session)


@sa_event.listens_for(Session, "after_flush_postexec")
def _count_after(session: Session, _context: Any) -> None:
    """Add the difference each changed partnership makes to the counts (after the stage stays were written)."""
    before: Counter[Key] = session.info.pop(_BEFORE, Counter())
    ids = session.info.pop(_AFFECTED, set())
    if not ids and not before:
        return
    after = _changed_counts(session, sorted(ids)) if ids else Counter()
    _write(session.connection(), ((key, after[key] - before[key]) for key in set(after) | set(before)))
