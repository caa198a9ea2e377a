"""The audit trail is append-only: a transition event can be added, never changed or deleted."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.users.models import Role
from app.workflow.models import AppendOnlyError, TransitionEvent
from tests.builders import organisation, partnership


@pytest.fixture
def event(session, make_user) -> TransitionEvent:
    actor = make_user(Role.PROJECT_MANAGER)
    opened = partnership(session, actor, organisation(session))
    return session.scalars(select(TransitionEvent).where(TransitionEvent.entity_id == opened.id)).one()


def _stored(session, event_id: int) -> tuple[str | None, str, str | None]:
    session.expire_all()
    row = session.get(TransitionEvent, event_id)
    return row.from_state, row.to_state, row.comment


def test_an_event_cannot_be_updated(session, event):
    before = _stored(session, event.id)
    event.comment = "rewritten history"
    with pytest.raises(AppendOnlyError, match=f"transition event {event.id} is append-only"):
        session.flush()
    session.rollback()
    assert _stored(session, event.id) == before


def test_an_event_cannot_be_deleted(session, event):
    before = _stored(session, event.id)
    session.delete(event)
    with pytest.raises(AppendOnlyError):
        session.flush()
    session.rollback()
    assert _stored(session, event.id) == before


def test_events_can_be_appended(session, event):
    session.add(
        TransitionEvent(
            entity_type=event.entity_type,
            entity_id=event.entity_id,
            from_state="ad_hoc",
            to_state="dormant",
            trigger="go_dormant",
        )
    )
    session.flush()
    count = session.scalars(select(TransitionEvent).where(TransitionEvent.entity_id == event.entity_id)).all()
    assert len(count) == 2
