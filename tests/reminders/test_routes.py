"""Reminders over HTTP: the outbox, retry and cancel, my upcoming list, an agreement's own policy, the timeline."""

from __future__ import annotations

from datetime import timedelta

from app import clock
from app.config import get_settings
from app.partnerships.schemas import InteractionCreate
from app.partnerships.service import record_interaction
from app.reminders.models import ReminderStatus
from app.users.models import Role
from tests.builders import SYSTEM, advance, assert_problem, cast, draft_agreement

API = "/api/v1"


def _today():
    return clock.today(get_settings().zone)


def _active(session, people, **term):
    agreement = draft_agreement(session, people, **term)
    for step in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, agreement, step, people)
    session.commit()
    return agreement


def test_an_agreements_own_policy_replans_its_reminders(client, session, make_user, auth):
    people = cast(make_user)
    agreement = _active(session, people, end=_today() + timedelta(days=100), notice=0)
    _, manager = auth(user=people.manager)
    query = {"partnership_id": agreement.partnership_id, "kind": "end_date", "status": "planned"}
    before = client.get(f"{API}/reminders", params=query, headers=manager).json()
    assert {r["offset_days"] for r in before["items"]} == {90, 60, 30, 7}

    policy = {"end_date_days": [45, 10, 10], "cc": ["Desk@Example.org"]}
    updated = client.put(f"{API}/agreements/{agreement.id}/reminder-policy", json=policy, headers=manager)
    assert updated.status_code == 200, updated.text
    assert updated.json()["reminder_policy"] == {"end_date_days": [45, 10], "cc": ["Desk@example.org"]}
    after = client.get(f"{API}/reminders", params=query, headers=manager).json()["items"]
    assert {r["offset_days"] for r in after} == {45, 10}
    assert "desk@example.org" in {r["recipient_email"] for r in after}
    cancelled = client.get(f"{API}/reminders", params={**query, "status": "cancelled"}, headers=manager).json()
    assert {r["offset_days"] for r in cancelled["items"]} == {90, 60, 30, 7}


def test_retry_a_failed_reminder_and_cancel_a_planned_one(client, session, make_user, auth):
    people = cast(make_user)
    agreement = _active(session, people, end=_today() + timedelta(days=100))
    _, manager = auth(user=people.manager)
    _, outsider = auth(Role.PROJECT_MANAGER)
    planned = client.get(f"{API}/reminders", params={"partnership_id": agreement.partnership_id},
                         headers=manager).json()["items"]  # fmt: skip
    first, second = planned[0], planned[1]
    assert_problem(client.post(f"{API}/reminders/{first['id']}/cancel", json={"reason": "x"}, headers=outsider), 403)
    stale = {**manager, "If-Match": '"7"'}
    assert_problem(client.post(f"{API}/reminders/{first['id']}/cancel", json={"reason": "x"}, headers=stale), 412)
    done = client.post(f"{API}/reminders/{first['id']}/cancel", json={"reason": "Renewal agreed"}, headers=manager)
    assert (done.json()["status"], done.json()["cancel_reason"]) == ("cancelled", "Renewal agreed")
    assert_problem(client.post(f"{API}/reminders/{first['id']}/cancel", json={"reason": "x"}, headers=manager), 409)

    from app.reminders.models import Reminder

    row = session.get(Reminder, second["id"])
    row.status, row.attempts, row.last_error = ReminderStatus.FAILED, 6, "connection refused"
    session.commit()
    failed = client.get(f"{API}/reminders", params={"status": "failed"}, headers=manager).json()
    assert [r["id"] for r in failed["items"]] == [second["id"]] and failed["items"][0]["last_error"]
    retried = client.post(f"{API}/reminders/{second['id']}/retry", headers=manager).json()
    assert (retried["status"], retried["attempts"]) == ("planned", 0)
    assert_problem(client.post(f"{API}/reminders/{second['id']}/retry", headers=manager), 409)


def test_my_upcoming_reminders(client, session, make_user, auth):
    people = cast(make_user)
    _active(session, people, end=_today() + timedelta(days=100))
    _, lawyer = auth(user=people.lawyer)
    _, stranger = auth(Role.VIEWER)
    mine = client.get(f"{API}/me/upcoming", headers=lawyer).json()["items"]
    assert mine and {r["recipient_email"] for r in mine} == {people.lawyer.email.lower()}
    assert [r["send_at"] for r in mine] == sorted(r["send_at"] for r in mine)
    assert client.get(f"{API}/me/upcoming", headers=stranger).json()["items"] == []


def test_the_timeline_tells_the_story_in_order(client, session, make_user, auth):
    people = cast(make_user)
    agreement = _active(session, people, end=_today() + timedelta(days=100))
    interaction = InteractionCreate(occurred_on=_today() - timedelta(days=40), kind="meeting", summary="Kick-off")
    record_interaction(session, agreement.partnership_id, interaction, people.manager)
    session.commit()
    _, viewer = auth(Role.VIEWER)
    entries = client.get(f"{API}/partnerships/{agreement.partnership_id}/timeline", headers=viewer).json()["items"]
    kinds = [entry["kind"] for entry in entries]
    assert kinds[0] == "interaction:meeting"
    for expected in ("undertaking", "transition:start_formalising", "transition:activate", "agreement:end_date",
                     "obligation:open", "reminder:planned"):  # fmt: skip
        assert expected in kinds, expected
    assert [e["on"] for e in entries] == sorted(e["on"] for e in entries)
    assert kinds.index("transition:activate") < kinds.index("agreement:end_date")


def test_obligations_are_listed_fulfilled_and_waived_over_http(client, session, make_user, auth):
    people = cast(make_user)
    agreement = _active(session, people, end=_today() + timedelta(days=200))
    _, manager = auth(user=people.manager)
    _, viewer = auth(Role.VIEWER)
    listed = client.get(f"{API}/obligations", params={"partnership_id": agreement.partnership_id}, headers=viewer)
    obligations = listed.json()["items"]
    assert listed.json()["total"] == 3 and {o["status"] for o in obligations} == {"open"}
    first, second = obligations[0]["id"], obligations[1]["id"]

    options = {
        o["trigger"]: o for o in client.get(f"{API}/obligations/{first}/transitions", headers=manager).json()["items"]
    }
    assert options["fulfil"]["allowed"] and [p["name"] for p in options["fulfil"]["payload"]] == [
        "fulfilled_on",
        "evidence",
    ]
    assert options["waive"]["allowed"]  # the project manager who owns the partnership may waive
    url = f"{API}/obligations/{first}/transitions/fulfil"
    future = {"payload": {"fulfilled_on": (_today() + timedelta(days=1)).isoformat()}}
    assert_problem(client.post(url, json=future, headers=manager), 409, "trigger")
    assert_problem(client.post(url, json={"payload": {}}, headers=manager), 422, "payload.fulfilled_on")
    done = client.post(url, json={"payload": {"fulfilled_on": _today().isoformat(), "evidence": "Report"}},
                       headers=manager)  # fmt: skip
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["evidence_note"]) == ("fulfilled", "Report")
    assert_problem(client.post(f"{API}/obligations/{second}/transitions/waive", json={"payload": {"reason": "x"}},
                               headers=viewer), 403)  # fmt: skip
    _, lawyer = auth(user=people.lawyer)
    waived = client.post(f"{API}/obligations/{second}/transitions/waive",
                         json={"payload": {"reason": "Covered by the donor"}}, headers=lawyer)  # fmt: skip
    assert waived.json()["waived_reason"] == "Covered by the donor"
    history = client.get(f"{API}/obligations/{first}/history", headers=viewer).json()["items"]
    assert [e["trigger"] for e in history] == ["create", "fulfil"]
    assert client.get(f"{API}/obligations", params={"status": "fulfilled"}, headers=viewer).json()["total"] == 1
    assert_problem(client.get(f"{API}/obligations", params={"status": "late"}, headers=viewer), 422, "status")
    assert_problem(client.get(f"{API}/obligations/999999", headers=viewer), 404)


def test_partnerships_ending_soon_or_with_overdue_obligations(client, session, make_user, auth):
    from datetime import datetime, time

    from app.obligations.service import list_for_agreement
    from app.workflow import engine

    people = cast(make_user)
    soon = _active(session, people, end=_today() + timedelta(days=20))
    later = _active(session, people, end=_today() + timedelta(days=400))
    late_one = list_for_agreement(session, later.id)[0]
    late_one.due_date = _today() - timedelta(days=3)
    with clock.frozen_at(datetime.combine(_today(), time(12), tzinfo=get_settings().zone)):
        engine.fire(session, "obligation", late_one, "mark_overdue", SYSTEM)
    session.commit()
    _, viewer = auth(Role.VIEWER)

    def ids(**params):
        found = client.get(f"{API}/partnerships", params=params, headers=viewer)
        assert found.status_code == 200, found.text
        return {item["id"] for item in found.json()["items"]}

    ending = ids(ending_before=(_today() + timedelta(days=30)).isoformat())
    assert soon.partnership_id in ending and later.partnership_id not in ending
    assert later.partnership_id in ids(overdue="true") and soon.partnership_id not in ids(overdue="true")
    assert soon.partnership_id in ids(overdue="false") and later.partnership_id not in ids(overdue="false")


def test_obligations_carry_an_etag_and_refuse_a_stale_if_match(client, session, make_user, auth):
    people = cast(make_user)
    agreement = _active(session, people, end=_today() + timedelta(days=200))
    _, manager = auth(user=people.manager)
    obligation_id = client.get(f"{API}/obligations", params={"partnership_id": agreement.partnership_id},
                               headers=manager).json()["items"][0]["id"]  # fmt: skip
    tag = client.get(f"{API}/obligations/{obligation_id}", headers=manager).headers["ETag"]
    url = f"{API}/obligations/{obligation_id}/transitions/fulfil"
    body = {"payload": {"fulfilled_on": _today().isoformat()}}
    assert_problem(client.post(url, json=body, headers={**manager, "If-Match": '"99"'}), 412)
    done = client.post(url, json=body, headers={**manager, "If-Match": tag})
    assert done.status_code == 200 and done.headers["ETag"] != tag
