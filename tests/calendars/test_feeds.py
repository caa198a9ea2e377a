"""The feeds as documents: recurring obligations, obligations done or waived, the partnership's partner-safe feed,
its staff download, and a number of queries that does not grow with the deadlines."""

from __future__ import annotations

from contextlib import contextmanager

import icalendar
from sqlalchemy import event

from app.calendars.feed import partnership_feed, user_events, user_feed
from app.obligations.models import Recurrence
from app.obligations.rules import add_months
from app.obligations.schemas import ObligationCreate
from app.obligations.service import add_obligation, list_for_agreement
from app.users.models import Role
from app.workflow import engine
from app.workflow.actor import Actor
from tests.builders import assert_problem, cast
from tests.calendars.support import agreement_in_force, events_of, later, today


def _quarterly(session, people, agreement, party_id=None):
    data = ObligationCreate(
        party_id=party_id, description="Quarterly narrative report", due_date=later(10),
        recurrence=Recurrence.QUARTERLY,
    )  # fmt: skip
    obligation = add_obligation(session, agreement.id, data, Actor.person(people.manager))
    session.commit()
    return obligation


def test_each_occurrence_of_a_recurring_obligation_within_the_horizon(session, make_user):
    people = cast(make_user)
    mou = agreement_in_force(session, people, end=later(600))
    obligation = _quarterly(session, people, mou)
    events = events_of(user_feed(session, people.manager))
    mine = {uid: e for uid, e in events.items() if uid.startswith(f"obligation-{obligation.id}-")}
    expected = [later(10), *(add_months(later(10), 3 * n) for n in range(1, 5))]
    assert sorted(e.decoded("DTSTART") for e in mine.values()) == expected  # a year and a bit ahead
    assert mine[f"obligation-{obligation.id}-due@localhost"].decoded("DTSTART") == later(10)  # the e-mails' UID

    engine.fire(
        session, "obligation", obligation, "fulfil_occurrence", Actor.person(people.manager),
        payload={"fulfilled_on": today().isoformat()},
    )  # fmt: skip
    session.commit()
    moved = events_of(user_feed(session, people.manager))
    current = moved[f"obligation-{obligation.id}-due@localhost"]
    assert current.decoded("DTSTART") == add_months(later(10), 3)  # the next occurrence is now the current one
    assert int(current["SEQUENCE"]) > int(mine[f"obligation-{obligation.id}-due@localhost"]["SEQUENCE"])
    dated = [uid for uid in moved if uid.startswith(f"obligation-{obligation.id}-due-")]
    assert f"obligation-{obligation.id}-due-{add_months(later(10), 3):%Y%m%d}@localhost" not in dated


def test_obligations_done_or_waived_drop_out(session, make_user):
    people = cast(make_user)
    mou = agreement_in_force(session, people, end=later(300))
    first, second, *_ = list_for_agreement(session, mou.id)
    uids = {f"obligation-{o.id}-due@localhost" for o in (first, second)}
    assert uids <= set(events_of(user_feed(session, people.manager)))
    actor = Actor.person(people.lawyer)
    engine.fire(session, "obligation", first, "fulfil", actor, payload={"fulfilled_on": today().isoformat()})
    engine.fire(session, "obligation", second, "waive", actor, payload={"reason": "Not needed any more"})
    session.commit()
    assert not uids & set(events_of(user_feed(session, people.manager)))


def test_an_obligation_whose_address_is_mine_is_in_my_feed_alone(session, make_user):
    people, someone = cast(make_user), make_user(Role.PROJECT_MANAGER)
    mou = agreement_in_force(session, people, end=later(300))
    data = ObligationCreate(description="Site visit", due_date=later(20), responsible_email=someone.email.upper())
    obligation = add_obligation(session, mou.id, data, Actor.person(people.manager))
    session.commit()
    events = events_of(user_feed(session, someone))
    assert set(events) == {f"obligation-{obligation.id}-due@localhost"}  # not the agreement's other deadlines


def test_the_partnership_feed_is_safe_for_partners(session, make_user, settings):
    people = cast(make_user)
    mou = agreement_in_force(session, people, end=later(300))
    owed = list_for_agreement(session, mou.id)
    ours = [o for o in owed if o.party_id is None]
    theirs = [o for o in owed if o.party_id is not None]
    assert ours and theirs
    body = partnership_feed(session, mou.partnership_id, language="es")
    events = events_of(body)
    assert f"agreement-{mou.id}-end-date@localhost" in events
    assert {f"obligation-{o.id}-due@localhost" for o in theirs} <= set(events)
    assert not {f"obligation-{o.id}-due@localhost" for o in ours} & set(events)  # the organisation's own duties
    text = body.decode()
    assert "URL" not in {key for e in events.values() for key in e}
    assert settings.base_url not in text and mou.partnership.reference not in text  # no register link or reference
    assert mou.partnership.title not in text
    assert all(e["SUMMARY"].params["LANGUAGE"] == "es" for e in events.values())
    assert icalendar.Calendar.from_ical(body)["X-WR-CALNAME"]


def test_staff_download_the_partnership_feed(client, session, make_user, auth):
    people = cast(make_user)
    mou = agreement_in_force(session, people, end=later(300))
    _, headers = auth(Role.VIEWER)
    path = f"/api/v1/partnerships/{mou.partnership_id}/calendar.ics"
    response = client.get(path, params={"language": "fr"}, headers=headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/calendar")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert f"agreement-{mou.id}-end-date@localhost" in events_of(response.content)
    assert client.get(path).status_code == 401
    assert_problem(client.get(path, params={"language": "xx"}, headers=headers), 422, "language")
    assert client.get("/api/v1/partnerships/999999/calendar.ics", headers=headers).status_code == 404


@contextmanager
def _counting(session):
    statements: list[str] = []
    bind = session.connection()

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(bind, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(bind, "before_cursor_execute", count)


def test_the_number_of_queries_does_not_grow_with_the_deadlines(session, make_user):
    people = cast(make_user)
    agreement_in_force(session, people, end=later(200))
    session.expire_all()
    assert people.manager.email  # the subscriber is loaded already when the feed is built
    with _counting(session) as few:
        small = user_events(session, people.manager)
    for days in (250, 300):
        agreement_in_force(session, people, end=later(days))
    session.expire_all()
    assert people.manager.email
    with _counting(session) as many:
        large = user_events(session, people.manager)
    assert len(large) > len(small)
    assert len(many) == len(few) == 3, many  # partnerships, agreements, obligations
