"""Helpers of the calendar tests: an agreement in force, a subscription, and a feed read back with icalendar."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

import icalendar
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement, AgreementKind
from app.config import get_settings
from app.obligations.service import list_for_agreement
from tests.builders import Cast, advance, draft_agreement

IN_FORCE = ("submit_for_review", "approve", "record_signatures", "activate")


def today() -> date:
    return clock.today(get_settings().zone)


def agreement_in_force(session: Session, people: Cast, *, end: date, notice: int = 30, **kwargs) -> Agreement:
    """A committed MOU (or ``kind``) in force until ``end``."""
    agreement = draft_agreement(session, people, end=end, notice=notice, **kwargs)
    if kwargs.get("kind") in (AgreementKind.EXTENSION, AgreementKind.AMENDMENT):
        for obligation in list_for_agreement(session, agreement.id):  # the MOU's obligations carry on
            session.delete(obligation)
        session.flush()
    for step in IN_FORCE:
        advance(session, agreement, step, people)
    session.commit()
    return agreement


def extend(session: Session, people: Cast, mou: Agreement, new_end: date) -> Agreement:
    """Extend ``mou`` to ``new_end`` through the workflow: an extension drafted, approved, signed and in force."""
    return agreement_in_force(
        session, people, end=new_end, notice=mou.notice_period_days, owner=mou.partnership,
        kind=AgreementKind.EXTENSION, parent=mou,
    )  # fmt: skip


def subscribe(client: TestClient, headers: dict[str, str]) -> str:
    """Issue the caller's calendar URL; its path, as a calendar program would fetch it."""
    response = client.post("/api/v1/me/calendar", headers=headers)
    assert response.status_code == 201, response.text
    return urlsplit(response.json()["url"]).path


def events_of(body: bytes) -> dict[str, icalendar.Event]:
    """The feed's events by UID; fails on a duplicate UID (an event added rather than moved)."""
    calendar = icalendar.Calendar.from_ical(body)
    found: dict[str, icalendar.Event] = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event["UID"])
        assert uid not in found, f"two events with UID {uid}"
        found[uid] = event
    return found


def fetch(client: TestClient, path: str, **headers: str) -> dict[str, icalendar.Event]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    return events_of(response.content)


def later(days: int) -> date:
    return today() + timedelta(days=days)
