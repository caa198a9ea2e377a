"""The append-only record of every state change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class TransitionEvent(Base):
    """One state change of a partnership or an agreement: who, when, from, to, why."""

    __tablename__ = "transition_events"
    __table_args__ = (
        Index("ix_transition_events_entity", "entity_type", "entity_id", "occurred_at"),
        # Which entities ever entered a state (the portfolio report's funnel), read from the index alone.
        Index("ix_transition_events_entered", "entity_type", "to_state", "entity_id"),
        # What changed between two days (app.reports.history): the events of a workflow in a period, by instant.
        Index(
            "ix_transition_events_period",
            "entity_type",
            "occurred_at",
            postgresql_include=["entity_id", "from_state", "to_state"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int]
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32))
    trigger: Mapped[str] = mapped_column(String(60))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AppendOnlyError(Exception):
    """Raised when code tries to change or delete an audit record."""


@event.listens_for(TransitionEvent, "before_update")
@event.listens_for(TransitionEvent, "before_delete")
def _transition_events_are_append_only(_mapper: Any, _connection: Any, target: TransitionEvent) -> None:
    raise AppendOnlyError(f"transition event {target.id} is append-only")
