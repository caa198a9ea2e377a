"""The agreements API: drafting facts, versions, obligations, transitions with reasons, history, idempotency."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app import clock
from app.config import get_settings
from app.users.models import Role
from app.workflow.models import TransitionEvent
from tests.builders import assert_problem, cast, draft_agreement, formalising_partnership, signatures_for

API = "/api/v1"


def _today():
    return clock.today(get_settings().zone)


def _events(session, agreement_id: int) -> int:
    stmt = select(func.count()).where(
        TransitionEvent.entity_type == "agreement", TransitionEvent.entity_id == agreement_id
    )
    return session.scalar(stmt)


def test_draft_an_agreement_through_the_api(client, session, make_user, auth):
    people = cast(make_user)
    owner = formalising_partnership(session, people)
    _, manager = auth(user=people.manager)
    body = {
        "partnership_id": owner.id,
        "title": "MOU on labour migration",
        "effective_date": (_today() - timedelta(days=1)).isoformat(),
        "end_date": (_today() + timedelta(days=700)).isoformat(),
        "notice_period_days": 60,
    }
    created = client.post(f"{API}/agreements", json=body, headers=manager)
    assert created.status_code == 201, created.text
    agreement = created.json()
    assert (agreement["status"], agreement["kind"], created.headers["ETag"]) == ("draft", "mou", '"1"')
    url = f"{API}/agreements/{agreement['id']}"
    assert created.headers["Location"] == url

    renamed = client.patch(url, json={"title": "MOU on fair recruitment"}, headers={**manager, "If-Match": '"1"'})
    assert renamed.status_code == 200 and renamed.json()["title"] == "MOU on fair recruitment"
    assert_problem(client.patch(url, json={"title": "Again"}, headers={**manager, "If-Match": '"1"'}), 412)

    options = {o["trigger"]: o for o in client.get(f"{url}/transitions", headers=manager).json()["items"]}
    assert not options["submit_for_review"]["allowed"]
    assert "no document version has been generated yet" in options["submit_for_review"]["reasons"]
    assert options["cancel"]["comment_required"]

    text = "Memorandum between the parties: Ünïcode & <markup> survive"
    version = client.post(f"{url}/versions", json={"body": text}, headers=manager)
    assert version.status_code == 201 and version.json()["number"] == 1
    assert client.get(f"{url}/versions/1", headers=manager).json()["body"] == text
    for party in [None, *(p.id for p in owner.parties)]:
        obligation = {"party_id": party, "description": "Quarterly report", "recurrence": "quarterly"}
        assert client.post(f"{url}/obligations", json=obligation, headers=manager).status_code == 201
    listed = client.get(f"{url}/obligations", headers=manager).json()
    assert len(listed["items"]) == listed["total"] == 3
    second = client.get(f"{url}/obligations", params={"page": 2, "page_size": 2}, headers=manager).json()
    assert (len(second["items"]), second["total"], second["page"]) == (1, 3, 2)

    submitted = client.post(f"{url}/transitions/submit_for_review", json={}, headers=manager)
    assert submitted.status_code == 200, submitted.text
    assert submitted.json()["submitted_version_number"] == 1
    assert_problem(client.post(f"{url}/versions", json={"body": "Sneaky"}, headers=manager), 409)


def test_review_approval_signature_and_history_over_http(client, session, make_user, auth):
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    url = f"{API}/agreements/{agreement.id}"
    _, manager = auth(user=people.manager)
    _, lawyer = auth(user=people.lawyer)
    _, viewer = auth(Role.VIEWER)
    assert client.post(f"{url}/transitions/submit_for_review", json={}, headers=manager).status_code == 200

    assert_problem(client.post(f"{url}/transitions/approve", json={}, headers=manager), 403)
    assert_problem(client.post(f"{url}/transitions/approve", json={}, headers=viewer), 403)
    assert_problem(client.post(f"{url}/transitions/request_changes", json={}, headers=lawyer), 422, "comment")
    sha = client.get(f"{url}/versions", headers=lawyer).json()["items"][-1]["sha256"]
    wrong = client.post(f"{url}/transitions/approve", json={"payload": {"version_sha256": "zz"}}, headers=lawyer)
    assert_problem(wrong, 422, "payload.version_sha256")
    approved = client.post(f"{url}/transitions/approve", json={"payload": {"version_sha256": sha}}, headers=lawyer)
    assert approved.status_code == 200 and approved.json()["approved_sha256"] == sha

    future = [{**s, "signed_on": (_today() + timedelta(days=3)).isoformat()} for s in signatures_for(agreement)]
    blocked = client.post(
        f"{url}/transitions/record_signatures", json={"payload": {"signatures": future}}, headers=lawyer
    )
    body = assert_problem(blocked, 409, "trigger")
    assert any("is in the future" in error["reason"] for error in body["errors"])
    signatures = {"payload": {"signatures": signatures_for(agreement)}}
    signed = client.post(f"{url}/transitions/record_signatures", json=signatures, headers=lawyer)
    # effective five days ago: in force at signature, not at the next daily run
    assert signed.status_code == 200 and signed.json()["status"] == "active"
    recorded = client.get(f"{url}/signatures", headers=viewer).json()["items"]
    assert {s["document_sha256"] for s in recorded} == {sha} and len(recorded) == 3

    assert_problem(client.post(f"{url}/transitions/activate", json={}, headers=lawyer), 409)  # already active
    history = client.get(f"{url}/history", headers=viewer).json()["items"]
    triggers = ["create", "submit_for_review", "approve", "record_signatures", "activate"]
    assert [e["trigger"] for e in history] == triggers
    assert history[2]["payload"] == {"version_sha256": sha}
    assert history[3]["payload"]["signatures"][0]["signatory_title"] == "Head"
    activation = history[4]  # by the system, for the legal officer who recorded the signatures, at that moment
    assert (activation["from_state"], activation["to_state"], activation["actor_id"]) == (
        "signed",
        "active",
        people.lawyer.id,
    )
    assert "in force at signature" in activation["comment"] and activation["occurred_at"] >= history[3]["occurred_at"]
    session.expire_all()
    assert agreement.partnership.stage == "formal"


def test_an_idempotency_key_answers_a_retry_without_firing_twice(client, session, make_user, auth):
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    url = f"{API}/agreements/{agreement.id}/transitions/submit_for_review"
    _, manager = auth(user=people.manager)
    headers = {**manager, "Idempotency-Key": "3f0b6a5e-submit"}
    first = client.post(url, json={"comment": "Ready"}, headers=headers)
    events = _events(session, agreement.id)
    retry = client.post(url, json={"comment": "Ready"}, headers=headers)
    assert (first.status_code, retry.status_code) == (200, 200)
    assert retry.json() == first.json() and retry.headers["ETag"] == first.headers["ETag"]
    assert retry.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert _events(session, agreement.id) == events

    reused = client.post(url, json={"comment": "Something else"}, headers=headers)
    assert_problem(reused, 422, "Idempotency-Key")
    without_key = client.post(url, json={"comment": "Ready"}, headers=manager)
    assert_problem(without_key, 409)  # a plain retry is a new request: it is in review already
    _, someone_else = auth(user=people.admin)
    other = client.post(url, json={"comment": "Ready"}, headers={**someone_else, "Idempotency-Key": "3f0b6a5e-submit"})
    assert_problem(other, 409)  # keys are per user
    assert_problem(client.post(url, json={}, headers={**manager, "Idempotency-Key": "x" * 201}), 422, "Idempotency-Key")


def test_agreements_are_listed_with_filters(client, session, make_user, auth):
    people = cast(make_user)
    soon = draft_agreement(session, people, end=_today() + timedelta(days=30))
    draft_agreement(session, people, soon.partnership, end=_today() + timedelta(days=400))
    _, viewer = auth(Role.VIEWER)
    ending = {"ending_before": (_today() + timedelta(days=60)).isoformat(), "partnership_id": soon.partnership_id}
    found = client.get(f"{API}/agreements", params=ending, headers=viewer).json()
    assert [a["id"] for a in found["items"]] == [soon.id] and found["total"] == 1
    assert_problem(client.get(f"{API}/agreements", params={"status": "lost"}, headers=viewer), 422, "status")
    everything = client.get(f"{API}/agreements", params={"sort": "-end_date"}, headers=viewer).json()
    ends = [a["end_date"] for a in everything["items"]]
    assert ends == sorted(ends, reverse=True)
