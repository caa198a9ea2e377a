"""Writes ``quality_scores``: the checks of some records (after a write) or of every record (``rebuild``).

The checks are those of ``app.quality.rules``, evaluated by the same SQL frames as ever (``app.quality.frames``),
for a batch of records at a time; this module turns a frame's flags into a stored row (masks, weights, both sort
keys) and replaces the batch's rows with one DELETE and one multi-row INSERT.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy import Connection, Index, and_, delete, func, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.organisations.models import Organisation
from app.partnerships.models import Partnership
from app.quality import frames
from app.quality.models import QualityScore
from app.quality.rules import CHECKS, ENTITIES, Entity

BATCH = 5_000
"""Records read and written per statement: a rebuild walks the ids in ranges of this many."""
SCORES = QualityScore.__table__
SOURCES = {"organisation": Organisation, "partnership": Partnership}
STALE = "stale"
SOURCE_TABLES = (
    "organisations", "contacts", "organisation_areas", "partnerships", "partnership_parties", "partnership_areas",
    "projects", "users", "undertakings", "interactions", "agreements", "signatures", "obligations",
    "transition_events",
)  # fmt: skip
"""The tables the checks read."""


def failing(entity: str, bit: int) -> str:
    """SQL: a record of ``entity`` fails check number ``bit`` (the predicate of that check's partial index)."""
    return f"entity = '{entity}' AND (fails_mask & {1 << bit}) = {1 << bit}"


def failing_indexes() -> list[tuple[str, str]]:
    """One partial index per check (the stale check aside): name and predicate. It holds only the records failing
    the check, so a rarely failed check is listed and counted from its own few rows."""
    return [
        (f"ix_quality_scores_{entity}_{check.name}", failing(entity, bit))
        for entity, checks in CHECKS.items()
        for bit, check in enumerate(checks)
        if check.name != "stale"
    ]


for _name, _predicate in failing_indexes():
    Index(_name, SCORES.c.record_id, postgresql_where=text(_predicate), sqlite_where=text(_predicate))


def _day(value: Any, zone: tzinfo) -> date | None:
    """The local day of a touch (an instant, in the organisation's ``zone``, or already a day)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        instant = value if value.tzinfo else value.replace(tzinfo=UTC)
        return instant.astimezone(zone).date()
    if isinstance(value, str):  # a MAX() over a UNION on SQLite comes back as text
        return _day(datetime.fromisoformat(value), zone) if " " in value or "T" in value else date.fromisoformat(value)
    return value


def score(applicable: int, failed: int) -> float:
    """100 x passed weight / applicable weight, as the frames compute it."""
    return float(100 * (applicable - failed)) / applicable if applicable else 100.0


def stored_row(entity: Entity, row: Any, now: datetime, zone: tzinfo | None = None) -> dict[str, Any]:
    """The ``quality_scores`` values of one record from its frame row (flags, touches)."""
    zone = zone or get_settings().zone
    applies = fails = applicable = failed = stale_weight = 0
    columns = row._mapping
    for bit, check in enumerate(CHECKS[entity]):
        flag = columns[check.column]
        if flag is None:
            continue
        applies |= 1 << bit
        applicable += check.weight
        if check.name == STALE:
            stale_weight = check.weight
        elif flag == 1:
            fails |= 1 << bit
            failed += check.weight
    touches = (_day(row.updated_at, zone), _day(row.last_touch, zone), _day(row.last_met, zone))
    days = [day for day in touches if day is not None]
    factor = float(row.factor)
    return {
        "entity": entity,
        "record_id": row.id,
        "name": row.name or "",
        "sort_name": row.sort_name or "",
        "reference": row.reference,
        "category": None if row.category is None else str(row.category),
        "factor": factor,
        "applies_mask": applies,
        "fails_mask": fails,
        "failed": failed,
        "stale_applies": bool(stale_weight),
        "touched_on": max(days) if days else None,
        "score_fresh": score(applicable, failed),
        "impact_fresh": float(failed * factor),
        "score_stale": score(applicable, failed + stale_weight),
        "impact_stale": float((failed + stale_weight) * factor),
        "computed_at": now,
    }


def _frame_rows(session: Session | Connection, entity: Entity, ids: Collection[int] | range) -> list[Any]:
    frame = frames.FRAMES[entity](clock.today(get_settings().zone), ids, touches=True).subquery("frame")
    return list(session.execute(select(frame, func.lower(frame.c.name).label("sort_name"))))


def _rebuild_range(session: Session | Connection, entity: Entity, ids: range) -> int:
    """Write the rows of a range of ids whose old rows are gone already (a rebuild). Returns rows written."""
    rows = _frame_rows(session, entity, ids)
    if rows:
        now = clock.now()
        zone = get_settings().zone
        session.execute(insert(SCORES), [stored_row(entity, row, now, zone) for row in rows])
    return len(rows)


def _upsert(session: Session) -> Any:
    """INSERT … ON CONFLICT (entity, record_id) DO UPDATE, in the session's dialect."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(SCORES)
    kept = {column.name: statement.excluded[column.name] for column in SCORES.columns if not column.primary_key}
    return statement.on_conflict_do_update(index_elements=[SCORES.c.entity, SCORES.c.record_id], set_=kept)


def _refresh_batch(session: Session, entity: Entity, ids: list[int]) -> None:
    """Recompute the rows of ``ids``: the existing rows are locked first (PostgreSQL), so that a concurrent writer of
    the same record waits, and the checks, read after, see what it committed; a record gone loses its row."""
    mine = and_(SCORES.c.entity == entity, SCORES.c.record_id.in_(ids))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(SCORES.c.record_id).where(mine).order_by(SCORES.c.record_id).with_for_update())
    rows = _frame_rows(session, entity, ids)
    found = {row.id for row in rows}
    gone = [record_id for record_id in ids if record_id not in found]
    if gone:
        session.execute(delete(SCORES).where(SCORES.c.entity == entity, SCORES.c.record_id.in_(gone)))
    if rows:
        now = clock.now()
        zone = get_settings().zone
        session.execute(_upsert(session), [stored_row(entity, row, now, zone) for row in rows])


def refresh(session: Session, entity: Entity, ids: Iterable[int]) -> None:
    """Recompute the scores of these records (deleted ones lose their row), in the session's transaction."""
    wanted = sorted(set(ids))
    for start in range(0, len(wanted), BATCH):
        _refresh_batch(session, entity, wanted[start : start + BATCH])


def _dialect(bind: Session | Connection) -> str:
    return (bind.dialect if isinstance(bind, Connection) else bind.get_bind().dialect).name


def rebuild_quality_scores(session: Session | Connection, batch: int = BATCH) -> dict[str, int]:
    """Recompute every record's scores from the source tables, a range of ids at a time; returns rows per entity.

    A session or a connection (the generator's bulk load, a migration), in its transaction.
    """
    if _dialect(session) == "postgresql":
        # Fresh statistics first: after a bulk load (the generator, a restored dump) the planner would otherwise
        # scan whole tables for each batch's few thousand records.
        session.execute(text(f"ANALYZE {', '.join(SOURCE_TABLES)}"))
    written: dict[str, int] = {}
    for entity in ENTITIES:
        session.execute(delete(SCORES).where(SCORES.c.entity == entity))
        source = SOURCES[entity]
        low, high = session.execute(select(func.min(source.id), func.max(source.id))).one()
        written[entity] = 0
        if low is None:
            continue
        for start in range(low, high + 1, batch):
            written[entity] += _rebuild_range(session, entity, range(start, min(start + batch, high + 1)))
    return written
