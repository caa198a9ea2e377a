"""The audit log: every write records who, when and what changed, before and after; secrets are masked."""

from __future__ import annotations

from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import SET_UP, assert_problem, organisation

API = "/api/v1"


def _entries(client, headers, **params):
    response = client.get(f"{API}/audit", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_writes_are_recorded_with_their_actor_and_changed_fields(client, session, auth):
    manager, manager_headers = auth(Role.PROJECT_MANAGER)
    _, admin = auth(Role.ADMIN)
    org = organisation(session, "Audited Organisation")
    body = {"title": "Audited partnership", "parties": [{"organisation_id": org.id, "role": "lead_partner"}]}
    created = client.post(f"{API}/partnerships", json=body, headers=manager_headers).json()

    entries = _entries(client, admin, entity_type="partnerships", entity_id=str(created["id"]))
    assert [(e["action"], e["actor_id"]) for e in entries] == [("create", manager.id)]
    assert entries[0]["changes"]["title"] == [None, "Audited partnership"]

    patch = client.patch(f"{API}/partnerships/{created['id']}", json={"title": "Renamed"}, headers=manager_headers)
    assert patch.status_code == 200
    latest = _entries(client, admin, entity_type="partnerships", entity_id=str(created["id"]))[0]
    assert latest["action"] == "update" and latest["changes"] == {"title": ["Audited partnership", "Renamed"]}

    refused = client.patch(f"{API}/partnerships/{created['id']}", json={"title": ""}, headers=manager_headers)
    assert refused.status_code == 422
    assert len(_entries(client, admin, entity_type="partnerships", entity_id=str(created["id"]))) == 2


def test_secrets_are_masked_and_only_admins_read_the_log(client, session, auth):
    _, admin = auth(Role.ADMIN)
    _, legal = auth(Role.LEGAL_OFFICER)
    user = create_user(session, UserCreate(email="masked@example.org", full_name="Masked", roles=[Role.VIEWER],
                                           password="correct horse battery staple"), actor=SET_UP)  # fmt: skip
    session.commit()
    entry = _entries(client, admin, entity_type="users", entity_id=str(user.id))[0]
    assert entry["changes"]["password_hash"] == [None, "***"] and entry["actor_id"] is None
    tokens = _entries(client, admin, entity_type="api_tokens")
    assert tokens and all(e["changes"]["token_hash"][1] == "***" for e in tokens if e["action"] == "create")
    assert_problem(client.get(f"{API}/audit", headers=legal), 403)
