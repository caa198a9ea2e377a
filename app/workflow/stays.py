"""Stage stays: how long each entity stayed in each state, kept as its transitions are written.

A stay opens when an event moves an entity into a state (its creation included) and closes when the next event
moves it elsewhere; an event that leaves the state as it was (a second undertaking: informal -> informal) opens no
new stay. ``left_at`` is null while the stay is open; ``days`` is its length in days, once closed.

The table is derived from ``transition_events``: the events a flush writes add their stays in that same flush
(``_record_stays`` below, so in the writer's transaction), and ``rebuild_stage_stays`` recomputes the whole table
from the history, set-based (the synthetic portfolio generator bypasses the engine and calls it once at the end;
the migration that made the table runs the same SQL). The portfolio report reads it: stages, funnel and median
stage times, also as of a past day, without going through the history.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Index,
    String,
    bindparam,
    cast,
    delete,
    extract,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Mapped, Session, mapped_column

from app.db import Base, UTCDateTime
from app.workflow.models import TransitionEvent

_OPEN = text("left_at IS NULL")
_ENDED = text("left_at IS NOT NULL")


class StageStay(Base):
    """One stay of one entity (``workflow``, ``entity_id``) in one state: entered, left (null: still there), days."""

    __tablename__ = "stage_stays"
    __table_args__ = (
        # One open stay per entity: how a transition finds the stay it closes, and each one's stage now.
        Index(
            "uq_stage_stays_open",
            "workflow",
            "entity_id",
            unique=True,
            sqlite_where=_OPEN,
            postgresql_where=_OPEN,
            postgresql_include=["stage", "entered_at"],
        ),
        # An entity's stays in order (a report narrowed to some partnerships reaches their stays by id).
        Index("ix_stage_stays_entity", "workflow", "entity_id", "entered_at"),
        # Who ever entered each stage (the funnel), and when.
        Index("ix_stage_stays_reached", "workflow", "stage", "entity_id", postgresql_include=["entered_at"]),
        # The ended stays of each stage by length (median stage times: the middle one read in index order).
        Index(
            "ix_stage_stays_ended",
            "workflow",
            "stage",
            "days",
            sqlite_where=_ENDED,
            postgresql_where=_ENDED,
            postgresql_include=["left_at", "entered_at"],
        ),
        # The stays ended after a day (open on that day: a report as of a past day), by when they ended.
        Index(
            "ix_stage_stays_left",
            "workflow",
            "left_at",
            sqlite_where=_ENDED,
            postgresql_where=_ENDED,
            postgresql_include=["stage", "entered_at", "entity_id"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workflow: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    stage: Mapped[str] = mapped_column(String(32))
    entered_at: Mapped[datetime]
    left_at: Mapped[datetime | None]
    days: Mapped[float | None] = mapped_column(Float)


def days_between(dialect: str, later: Any, earlier: Any) -> ColumnElement[float]:
    """``later - earlier`` in days, with fractions, as SQL (the same expression the history gave the report)."""
    if dialect == "postgresql":
        return cast(extract("epoch", later - earlier) / 86400.0, Float)
    return cast(func.julianday(later) - func.julianday(earlier), Float)


def _moves(events: Any) -> Any:
    """The events that change a state (or create the entity): each opens a stay."""
    return or_(events.c.from_state.is_(None), events.c.from_state != events.c.to_state)


def rebuild_stage_stays(session: Session | Connection) -> int:
    """Recompute every stay from the transition history, set-based (one window over the events); returns how many."""
    dialect = session.get_bind().dialect.name if isinstance(session, Session) else session.dialect.name
    event = TransitionEvent.__table__
    changes = (
        select(
            event.c.entity_type.label("workflow"),
            event.c.entity_id,
            event.c.to_state.label("stage"),
            event.c.occurred_at.label("entered_at"),
            func.lead(event.c.occurred_at)
            .over(partition_by=(event.c.entity_type, event.c.entity_id), order_by=(event.c.occurred_at, event.c.id))
            .label("left_at"),
        )
        .where(_moves(event))
        .subquery()
    )
    rows = select(
        changes.c.workflow,
        changes.c.entity_id,
        changes.c.stage,
        changes.c.entered_at,
        changes.c.left_at,
        days_between(dialect, changes.c.left_at, changes.c.entered_at),
    )
    stays = StageStay.__table__
    session.execute(delete(stays))
    names = ["workflow", "entity_id", "stage", "entered_at", "left_at", "days"]
    result = session.execute(insert(stays).from_select(names, rows))
    return int(result.rowcount or 0)


@sa_event.listens_for(Session, "after_flush")
def _record_stays(session: Session, _context: Any) -> None:
    """The transition events this flush wrote close their entities' open stays and open new ones (same transaction)."""
    written = [obj for obj in session.new if isinstance(obj, TransitionEvent)]
    if not written:
        return
    by_entity: dict[tuple[str, int], list[TransitionEvent]] = defaultdict(list)
    for event in written:
        if event.from_state is None or event.from_state != event.to_state:
            by_entity[(event.entity_type, event.entity_id)].append(event)
    if not by_entity:
        return
    connection = session.connection()
    dialect = connection.dialect.name
    stays = StageStay.__table__
    closing, opening = [], []
    for (workflow, entity_id), events in by_entity.items():
        events.sort(key=lambda e: (e.occurred_at, e.id))
        closing.append({"w": workflow, "e": entity_id, "t": events[0].occurred_at})
        for this, following in zip(events, [*events[1:], None], strict=True):
            left = following.occurred_at if following is not None else None
            opening.append({"w": workflow, "e": entity_id, "s": this.to_state, "n": this.occurred_at, "t": left})
    # Lengths in SQL, as rebuild_stage_stays computes them, so that both give the very same figures.
    left_at, entered_at = bindparam("t", type_=UTCDateTime()), bindparam("n", type_=UTCDateTime())
    close = (
        update(stays)
        .where(stays.c.workflow == bindparam("w"), stays.c.entity_id == bindparam("e"), stays.c.left_at.is_(None))
        .values(left_at=left_at, days=days_between(dialect, left_at, stays.c.entered_at))
    )
    connection.execute(close, closing)
    open_ = insert(stays).values(
        workflow=bindparam("w"),
        entity_id=bindparam("e"),
        stage=bindparam("s"),
        entered_at=entered_at,
        left_at=left_at,
        days=days_between(dialect, left_at, entered_at),
    )
    connection.execute(open_, opening)
