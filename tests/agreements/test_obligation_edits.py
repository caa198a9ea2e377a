"""Obligations: due dates within the term unless they survive it, edits and deletions while drafting, who may waive."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.obligations.models import Obligation
from app.users.models import Role
from tests.builders import advance, assert_problem, cast, draft_agreement

API = "/api/v1"


def _first_obligation(session, agreement) -> Obligation:
    return session.scalars(select(Obligation).where(Obligation.agreement_id == agreement.id)).first()


def test_a_due_date_after_the_end_date_is_refused_unless_it_survives_termination(session, make_user, client, auth):
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    _, headers = auth(user=people.manager)
    late = (agreement.end_date + timedelta(days=30)).isoformat()
    url = f"{API}/agreements/{agreement.id}/obligations"
    refused = client.post(url, json={"description": "Final report", "due_date": late}, headers=headers)
    problem = assert_problem(refused, 422, "due_date")
    assert "after the agreement's end date" in str(problem) and "survives_termination" in str(problem)
    body = {"description": "Keep the data confidential", "due_date": late, "survives_termination": True}
    accepted = client.post(url, json=body, headers=headers)
    assert accepted.status_code == 201 and accepted.json()["survives_termination"] is True
    until = {"description": "Quarterly", "due_date": agreement.end_date.isoformat(), "recurrence": "quarterly",
             "recurrence_until": late}  # fmt: skip
    assert_problem(client.post(url, json=until, headers=headers), 422, "recurrence_until")


def test_obligations_of_a_draft_are_edited_and_deleted_and_refused_once_it_is_not(session, make_user, client, auth):
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    _, headers = auth(user=people.manager)
    obligation = _first_obligation(session, agreement)
    url = f"{API}/obligations/{obligation.id}"
    changed = client.patch(url, json={"description": "Narrative report, 10 pages"}, headers=headers)
    assert changed.status_code == 200 and changed.json()["description"] == "Narrative report, 10 pages"
    late = (agreement.end_date + timedelta(days=1)).isoformat()
    assert_problem(client.patch(url, json={"due_date": late}, headers=headers), 422, "due_date")
    assert client.patch(url, json={"due_date": late, "survives_termination": True}, headers=headers).status_code == 200
    assert_problem(client.patch(url, json={"description": None}, headers=headers), 422, "description")

    add = f"{API}/agreements/{agreement.id}/obligations"
    extra = client.post(add, json={"description": "Extra", "recurrence": "annually"}, headers=headers)
    assert extra.status_code == 201
    assert client.delete(f"{API}/obligations/{extra.json()['id']}", headers=headers).status_code == 204
    assert session.get(Obligation, extra.json()["id"]) is None

    advance(session, agreement, "submit_for_review", people)
    session.commit()
    refused = client.patch(url, json={"description": "Too late"}, headers=headers)
    assert "draft" in assert_problem(refused, 409)["detail"]
    assert "draft" in assert_problem(client.delete(url, headers=headers), 409)["detail"]
    session.expire_all()
    assert session.get(Obligation, obligation.id).description == "Narrative report, 10 pages"


def test_the_project_manager_who_owns_the_partnership_may_waive_others_may_not(session, make_user, client, auth):
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    for trigger in ("submit_for_review", "approve", "record_signatures"):
        advance(session, agreement, trigger, people)
    session.commit()
    obligation = _first_obligation(session, agreement)
    waive = f"{API}/obligations/{obligation.id}/transitions/waive"
    _, stranger = auth(Role.PROJECT_MANAGER)
    assert client.post(waive, json={"payload": {"reason": "Not needed"}}, headers=stranger).status_code in (403, 409)
    _, owner = auth(user=people.manager)
    offered = client.get(f"{API}/obligations/{obligation.id}/transitions", headers=owner).json()["items"]
    assert next(t for t in offered if t["trigger"] == "waive")["allowed"] is True
    waived = client.post(waive, json={"payload": {"reason": "The donor dropped the report"}}, headers=owner)
    assert waived.status_code == 200 and waived.json()["status"] == "waived"
    assert waived.json()["waived_reason"] == "The donor dropped the report"
