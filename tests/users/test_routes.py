"""``/me``: who the API token belongs to."""

from __future__ import annotations

from app.users.models import Role
from tests.builders import assert_problem


def test_me_answers_who_the_token_belongs_to(client, auth):
    user, headers = auth(Role.LEGAL_OFFICER, Role.PROJECT_MANAGER)
    response = client.get("/api/v1/me", headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["id"], body["email"], body["full_name"]) == (user.id, user.email, user.full_name)
    assert body["roles"] == ["legal_officer", "project_manager"]
    assert body["is_active"] is True
    assert "password_hash" not in body


def test_me_needs_a_token(client):
    assert_problem(client.get("/api/v1/me"), 401)
