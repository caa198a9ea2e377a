"""The partner's calendar through the link: their party's deadlines only, as a file in the partner area and as a
subscription held by the link itself, which stops with the link."""

from __future__ import annotations

import pytest
from icalendar import Calendar

from app.obligations.schemas import ObligationCreate
from app.obligations.service import add_obligation
from app.partner_links.service import revoke_partner_link
from app.web.partner_area import LIMITER
from tests.builders import advance, cast
from tests.partner_links.support import link_for, scene


@pytest.fixture
def people(make_user):
    return cast(make_user)


@pytest.fixture(autouse=True)
def _fresh_limits():
    LIMITER.clear()
    yield
    LIMITER.clear()


def _summaries(body: bytes) -> list[str]:
    return [str(event["SUMMARY"]) for event in Calendar.from_ical(body).walk("VEVENT")]


def test_the_partner_calendar_holds_their_own_deadlines_and_stops_with_the_link(client, session, people) -> None:
    found = scene(session, people)
    ours = ObligationCreate(description="Our own staff-only duty", due_date=found.obligation.due_date)
    add_obligation(session, found.agreement.id, ours, people.manager)
    session.commit()
    for trigger in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, found.agreement, trigger, people)
        session.commit()
    link, token = link_for(session, people, found)
    subscribed = client.get(f"/partner/{token}/calendar.ics")
    assert subscribed.status_code == 200 and subscribed.headers["content-type"].startswith("text/calendar")
    summaries = _summaries(subscribed.content)
    assert any("Quarterly report" in summary for summary in summaries)  # their party's obligation
    assert not any("Host the workshop" in summary for summary in summaries)  # the other party's
    assert not any("staff-only" in summary for summary in summaries)  # the organisation's own
    assert "/partnerships/" not in subscribed.text  # no link into the register
    unchanged = client.get(f"/partner/{token}/calendar.ics", headers={"If-None-Match": subscribed.headers["ETag"]})
    assert unchanged.status_code == 304

    assert client.get(f"/partner/{token}", follow_redirects=False).status_code == 303
    download = client.get("/partner/calendar.ics")
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert _summaries(download.content) == summaries

    revoke_partner_link(session, link.id, actor=people.lawyer)
    session.commit()
    assert client.get(f"/partner/{token}/calendar.ics").status_code == 410
