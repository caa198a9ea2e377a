"""Separation of duties: nobody approves a version they wrote or submitted, and a partnership changes owner only
as app/workflows/partnership.yaml declares (audited with the old and the new owner and who made the change)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.agreements import service as agreements
from app.audit.models import AuditEntry
from app.partnerships.models import Partnership
from app.users.models import Role
from app.workflow import engine
from app.workflow.actor import Actor
from app.workflow.definition import WorkflowDefinitionError
from app.workflow.engine import TransitionBlocked
from tests.builders import assert_problem, cast, draft_agreement, organisation, partnership

API = "/api/v1"


@pytest.fixture
def people(make_user):
    return cast(make_user)


def _approve(client, agreement, headers):
    version = client.get(f"{API}/agreements/{agreement.id}/versions", headers=headers).json()["items"][-1]
    body = {"payload": {"version_sha256": version["sha256"]}}
    return client.post(f"{API}/agreements/{agreement.id}/transitions/approve", json=body, headers=headers)


# four eyes -----------------------------------------------------------------------------------------------------


def test_the_legal_officer_who_wrote_a_version_may_not_approve_it(client, session, people, auth):
    """The attack: a legal officer writes the text, a manager submits it, the same legal officer approves it."""
    agreement = draft_agreement(session, people)
    _, lawyer = auth(user=people.lawyer)
    _, second_lawyer = auth(user=people.second_lawyer)
    _, manager = auth(user=people.manager)
    typed = client.post(f"{API}/agreements/{agreement.id}/versions", json={"body": "Terms I wrote."}, headers=lawyer)
    assert typed.status_code == 201, typed.text
    assert typed.json()["author_id"] == people.lawyer.id
    submitted = client.post(f"{API}/agreements/{agreement.id}/transitions/submit_for_review", json={}, headers=manager)
    assert submitted.status_code == 200, submitted.text

    refused = assert_problem(_approve(client, agreement, lawyer), 409, "trigger")
    reasons = [error["reason"] for error in refused["errors"]]
    assert reasons == ["you wrote version 2; another legal officer must approve it (four eyes)"]
    offered = client.get(f"{API}/agreements/{agreement.id}/transitions", headers=lawyer).json()["items"]
    approve = next(option for option in offered if option["trigger"] == "approve")
    assert approve["allowed"] is False and approve["reasons"] == reasons

    approved = _approve(client, agreement, second_lawyer)
    assert approved.status_code == 200, approved.text
    assert approved.json()["approved_by_id"] == people.second_lawyer.id


def test_an_uploaded_version_binds_its_uploader_too(client, session, people, auth):
    from app.drafting.outputs import to_docx
    from app.drafting.service import DOCX_MEDIA_TYPE

    agreement = draft_agreement(session, people)
    _, lawyer = auth(user=people.lawyer)
    _, manager = auth(user=people.manager)
    files = {"file": ("edited.docx", to_docx("# Terms\n\nEdited by legal.\n", reference="X"), DOCX_MEDIA_TYPE)}
    uploaded = client.post(f"{API}/agreements/{agreement.id}/versions/upload", files=files, headers=lawyer)
    assert uploaded.status_code == 201, uploaded.text
    client.post(f"{API}/agreements/{agreement.id}/transitions/submit_for_review", json={}, headers=manager)
    refused = assert_problem(_approve(client, agreement, lawyer), 409, "trigger")
    assert "you wrote version 2" in refused["detail"]


def test_who_wrote_and_submitted_a_version_is_told_both(session, people):
    agreement = draft_agreement(session, people)
    agreements.add_version(session, agreement.id, "Terms written and submitted by one person.", people.lawyer)
    engine.fire(session, "agreement", agreement, "submit_for_review", Actor.person(people.lawyer))
    with pytest.raises(TransitionBlocked) as caught:
        engine.fire(session, "agreement", agreement, "approve", Actor.person(people.lawyer), payload={})
    assert caught.value.reasons == [
        "you wrote version 2; another legal officer must approve it (four eyes)",
        "you submitted this version; another legal officer must approve it (four eyes)",
    ]


def test_the_dashboard_does_not_offer_a_legal_officer_the_version_they_wrote(session, people):
    agreement = draft_agreement(session, people)
    agreements.add_version(session, agreement.id, "Terms by the first legal officer.", people.lawyer)
    engine.fire(session, "agreement", agreement, "submit_for_review", Actor.person(people.manager))
    session.commit()
    mine = agreements.awaiting_review(session, reviewable_by=people.lawyer.id)
    theirs = agreements.awaiting_review(session, reviewable_by=people.second_lawyer.id)
    assert agreement.id not in {found.id for found in mine.items}
    assert agreement.id in {found.id for found in theirs.items}


# partnership owners -------------------------------------------------------------------------------------------


@pytest.fixture
def owned(session, make_user):
    """A partnership owned by a project manager, with a co-owner and a legal officer."""
    manager, co_owner = make_user(Role.PROJECT_MANAGER), make_user(Role.PROJECT_MANAGER)
    lawyer = make_user(Role.LEGAL_OFFICER)
    created = partnership(
        session, manager, organisation(session), legal_officer_id=lawyer.id, co_owner_ids=[co_owner.id]
    )
    return created, manager, co_owner, lawyer


def _hand_overs(session, partnership_id):
    stmt = select(AuditEntry).where(
        AuditEntry.action == "hand_over",
        AuditEntry.entity_type == "partnerships",
        AuditEntry.entity_id == str(partnership_id),
    )
    return list(session.scalars(stmt.order_by(AuditEntry.id)))


def test_a_legal_officer_may_not_reassign_the_owner(client, session, make_user, auth, owned):
    created, manager, _co_owner, lawyer = owned
    _, headers = auth(user=lawyer)
    accomplice = make_user(Role.PROJECT_MANAGER)
    url = f"{API}/partnerships/{created.id}"
    refused = assert_problem(client.patch(url, json={"owner_id": accomplice.id}, headers=headers), 403, "owner_id")
    assert "legal officer" in refused["errors"][0]["reason"]
    session.expire_all()
    assert session.get(Partnership, created.id).owner_id == manager.id
    # The legal officer still edits what they are responsible for.
    assert client.patch(url, json={"objectives": "Shared"}, headers=headers).status_code == 200


def test_an_owner_hands_over_to_another_active_project_manager_and_it_is_audited(
    client, session, make_user, auth, owned
):
    created, manager, _co_owner, _lawyer = owned
    _, headers = auth(user=manager)
    successor = make_user(Role.PROJECT_MANAGER)
    changed = client.patch(f"{API}/partnerships/{created.id}", json={"owner_id": successor.id}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["owner"]["id"] == successor.id
    [entry] = _hand_overs(session, created.id)
    assert entry.actor_id == manager.id
    assert entry.changes["owner_id"] == [manager.id, successor.id]
    assert entry.changes["by"] == manager.id


@pytest.mark.parametrize(
    ("who", "target", "status", "words"),
    [
        ("co_owner", Role.PROJECT_MANAGER, 403, "only a partnership they own"),
        ("owner", Role.ADMIN, 403, "only to a project manager"),
        ("owner", Role.LEGAL_OFFICER, 422, "cannot own a partnership"),
        ("owner", Role.VIEWER, 422, "cannot own a partnership"),
        ("owner", None, 422, "deactivated"),
    ],
)
def test_hand_overs_outside_the_rules_are_refused(client, session, make_user, auth, owned, who, target, status, words):
    created, manager, co_owner, _lawyer = owned
    actor = co_owner if who == "co_owner" else manager
    _, headers = auth(user=actor)
    if target is None:
        new_owner = make_user(Role.PROJECT_MANAGER)
        new_owner.is_active = False
        session.commit()
    else:
        new_owner = make_user(target)
    response = client.patch(f"{API}/partnerships/{created.id}", json={"owner_id": new_owner.id}, headers=headers)
    body = assert_problem(response, status, "owner_id")
    assert words in body["errors"][0]["reason"], body
    session.expire_all()
    assert session.get(Partnership, created.id).owner_id == manager.id
    assert _hand_overs(session, created.id) == []


def test_an_admin_assigns_any_active_project_manager(client, session, make_user, auth, owned):
    created, manager, _co_owner, _lawyer = owned
    admin, headers = auth(Role.ADMIN)
    successor = make_user(Role.PROJECT_MANAGER)
    changed = client.patch(f"{API}/partnerships/{created.id}", json={"owner_id": successor.id}, headers=headers)
    assert changed.status_code == 200, changed.text
    [entry] = _hand_overs(session, created.id)
    assert (entry.actor_id, entry.changes["owner_id"]) == (admin.id, [manager.id, successor.id])


def test_the_service_enforces_the_rules_whoever_calls_it(session, make_user, owned):
    from app.errors import Forbidden
    from app.partnerships.schemas import PartnershipUpdate
    from app.partnerships.service import update_partnership

    created, manager, _co_owner, lawyer = owned
    with pytest.raises(Forbidden):
        update_partnership(session, created.id, PartnershipUpdate(owner_id=make_user(Role.PROJECT_MANAGER).id),
                           actor=lawyer)  # fmt: skip
    assert created.owner_id == manager.id


def test_the_hand_over_rules_are_data(make_user, owned):
    from app.partnerships import ownership

    created, _manager, _co_owner, lawyer = owned
    successor = make_user(Role.PROJECT_MANAGER)
    declared = ownership.parse_policy(
        {"owner_roles": ["project_manager"], "hand_over": [{"by": ["legal_officer"], "to": ["project_manager"]}]},
        "custom.yaml",
    )
    assert ownership.reasons_against(declared, lawyer, created, successor) == []
    assert ownership.reasons_against(ownership.get_policy(), lawyer, created, successor)
    with pytest.raises(WorkflowDefinitionError, match=r"custom\.yaml: .*unknown role 'wizard'"):
        ownership.parse_policy({"owner_roles": ["wizard"], "hand_over": []}, "custom.yaml")
    with pytest.raises(WorkflowDefinitionError, match=r"custom\.yaml: .*unknown key 'whom'"):
        ownership.parse_policy(
            {"owner_roles": ["admin"], "hand_over": [{"by": ["admin"], "whom": ["admin"]}]}, "custom.yaml"
        )
