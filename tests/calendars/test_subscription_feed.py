"""A calendar subscription as a calendar program sees it: fetched, refreshed after an extension and a termination,
refused once revoked, and holding only the subscriber's own deadlines."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.config import get_settings
from app.obligations.service import list_for_agreement
from app.reminders.calendar import deadline_of
from app.reminders.models import Reminder, ReminderKind
from app.users.models import Role
from tests.builders import advance, cast
from tests.calendars.support import agreement_in_force, events_of, extend, fetch, later, subscribe


def test_an_extension_moves_the_event_and_a_termination_removes_it(client, session, make_user, auth):
    people = cast(make_user)
    end = later(200)
    mou = agreement_in_force(session, people, end=end, notice=30)
    _, headers = auth(user=people.manager)
    path = subscribe(client, headers)
    end_uid, notice_uid = f"agreement-{mou.id}-end-date@localhost", f"agreement-{mou.id}-notice-deadline@localhost"

    before = fetch(client, path)
    assert before[end_uid].decoded("DTSTART") == end
    assert before[end_uid].decoded("DTEND") == end + timedelta(days=1)
    assert before[notice_uid].decoded("DTSTART") == end - timedelta(days=30)
    assert str(before[end_uid]["STATUS"]) == "CONFIRMED"
    assert str(before[end_uid]["SUMMARY"]).startswith("Ends: ")
    assert before[end_uid]["URL"] == f"{get_settings().base_url.rstrip('/')}/partnerships/{mou.partnership_id}"
    first = int(before[end_uid]["SEQUENCE"])

    new_end = end + timedelta(days=365)
    extension = extend(session, people, mou, new_end)
    after = fetch(client, path)
    assert after[end_uid].decoded("DTSTART") == new_end  # the same event, moved
    assert after[notice_uid].decoded("DTSTART") == new_end - timedelta(days=30)
    assert int(after[end_uid]["SEQUENCE"]) > first
    assert int(after[notice_uid]["SEQUENCE"]) > first
    assert after[end_uid].decoded("LAST-MODIFIED") >= before[end_uid].decoded("LAST-MODIFIED")
    assert [uid for uid in after if uid.startswith(f"agreement-{extension.id}-")] == []  # no second event

    advance(session, extension, "terminate", people)
    session.commit()
    gone = fetch(client, path)
    assert end_uid not in gone and notice_uid not in gone
    assert not [uid for uid in gone if uid.startswith("agreement-")]


def test_the_feed_and_the_e_mails_name_a_deadline_alike(client, session, make_user, auth):
    people = cast(make_user)
    mou = agreement_in_force(session, people, end=later(120))
    _, headers = auth(user=people.lawyer)  # the legal officer answers for it too
    events = fetch(client, subscribe(client, headers))
    planned = session.scalars(
        select(Reminder).where(Reminder.subject_type == "agreement", Reminder.subject_id == mou.id)
    ).all()
    assert {row.kind for row in planned} >= {ReminderKind.END_DATE, ReminderKind.NOTICE_DEADLINE}
    for reminder in planned:
        deadline = deadline_of(session, reminder, get_settings().smtp_sender)
        assert deadline.uid in events
        assert int(events[deadline.uid]["SEQUENCE"]) == deadline.sequence
        assert events[deadline.uid].decoded("DTSTART") == reminder.due_on
    obligations = session.scalars(select(Reminder).where(Reminder.subject_type == "obligation")).all()
    for reminder in obligations:
        deadline = deadline_of(session, reminder, get_settings().smtp_sender)
        assert int(events[deadline.uid]["SEQUENCE"]) == deadline.sequence


def test_a_revoked_or_unknown_url_is_refused_alike(client, session, make_user, auth):
    _, headers = auth(Role.PROJECT_MANAGER)
    path = subscribe(client, headers)
    assert client.get(path).status_code == 200
    assert client.get("/api/v1/me/calendar", headers=headers).json()["active"] is True

    assert client.delete("/api/v1/me/calendar", headers=headers).status_code == 204
    revoked = client.get(path)
    unknown = client.get("/calendar/cal_" + "x" * 43 + ".ics")
    malformed = client.get("/calendar/nothing.ics")
    assert revoked.status_code == unknown.status_code == malformed.status_code == 404
    assert revoked.content == unknown.content == malformed.content
    assert revoked.headers["content-type"] == unknown.headers["content-type"]
    assert client.get("/api/v1/me/calendar", headers=headers).json() == {
        "active": False, "prefix": None, "created_at": None,
    }  # fmt: skip


def test_regenerating_retires_the_old_url(client, make_user, auth):
    _, headers = auth(Role.LEGAL_OFFICER)
    old = subscribe(client, headers)
    new = subscribe(client, headers)
    assert old != new
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    state = client.get("/api/v1/me/calendar", headers=headers).json()
    assert state["active"] is True and new.removeprefix("/calendar/").startswith(state["prefix"])


def test_another_users_deadlines_are_not_in_the_feed(client, session, make_user, auth):
    mine, theirs = cast(make_user), cast(make_user)
    my_mou = agreement_in_force(session, mine, end=later(100))
    their_mou = agreement_in_force(session, theirs, end=later(150))
    _, headers = auth(user=mine.manager)
    events = fetch(client, subscribe(client, headers))
    assert f"agreement-{my_mou.id}-end-date@localhost" in events
    assert not [uid for uid in events if uid.startswith(f"agreement-{their_mou.id}-")]
    mine_owed = {f"obligation-{o.id}-due@localhost" for o in list_for_agreement(session, my_mou.id)}
    theirs_owed = {f"obligation-{o.id}-due@localhost" for o in list_for_agreement(session, their_mou.id)}
    assert mine_owed <= set(events) and not theirs_owed & set(events)
    _, stranger = auth(Role.PROJECT_MANAGER)
    assert events_of(client.get(subscribe(client, stranger)).content) == {}


def test_caching_headers_and_not_modified(client, session, make_user, auth):
    people = cast(make_user)
    agreement_in_force(session, people, end=later(90))
    _, headers = auth(user=people.manager)
    path = subscribe(client, headers)
    first = client.get(path)
    assert first.status_code == 200
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["last-modified"].endswith("GMT")
    assert first.headers["cache-control"].startswith("private")
    again = client.get(path)
    assert again.content == first.content and again.headers["etag"] == etag  # stable: DTSTAMP is the revision
    not_modified = client.get(path, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert client.get(path, headers={"If-None-Match": '"something-else"'}).status_code == 200
    assert client.head(path).status_code == 200


def test_fetching_too_often_is_slowed_down(client, make_user, auth, monkeypatch):
    from app.calendars import routes

    monkeypatch.setattr(routes, "PER_SECRET", 3)
    client.app.state.calendar_throttle = None  # a fresh count
    _, headers = auth(Role.PROJECT_MANAGER)
    path = subscribe(client, headers)
    assert [client.get(path).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(path)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    monkeypatch.setattr(routes, "MISSES_PER_ADDRESS", 2)
    client.app.state.calendar_throttle = None
    assert [client.get(f"/calendar/cal_guess{n}.ics").status_code for n in range(3)] == [404, 404, 429]
    client.app.state.calendar_throttle = None


def test_the_feed_speaks_the_subscribers_language(client, session, make_user, auth):
    people = cast(make_user)
    people.manager.language = "fr"
    session.commit()
    mou = agreement_in_force(session, people, end=later(100))
    _, headers = auth(user=people.manager)
    body = client.get(subscribe(client, headers)).content
    event = events_of(body)[f"agreement-{mou.id}-end-date@localhost"]
    assert event["SUMMARY"].params["LANGUAGE"] == "fr"
    assert str(event["SUMMARY"]) != f"Ends: {mou.title} [{mou.reference}]"


def test_a_deactivated_users_feed_stops(client, session, make_user, auth):
    from app.users.service import set_active

    user, headers = auth(Role.LEGAL_OFFICER)
    path = subscribe(client, headers)
    assert client.get(path).status_code == 200
    set_active(session, user, False)
    session.commit()
    assert client.get(path).status_code == 404
