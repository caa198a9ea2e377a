"""People over HTTP: users (admins), API tokens (mine; anyone's for admins), password sign-in with a rate limit."""

from __future__ import annotations

from datetime import timedelta

from app import clock
from app.users.models import Role
from app.users.schemas import UserCreate
from app.users.service import create_user
from tests.builders import SET_UP, assert_problem

API = "/api/v1"
PASSWORD = "correct horse battery staple"


def test_admins_manage_users(client, auth):
    admin, headers = auth(Role.ADMIN)
    _, manager = auth(Role.PROJECT_MANAGER)
    body = {"email": "New.Officer@example.org", "full_name": "New Officer", "roles": ["legal_officer"]}
    assert_problem(client.post(f"{API}/users", json=body, headers=manager), 403)
    created = client.post(f"{API}/users", json=body, headers=headers)
    assert created.status_code == 201, created.text
    user = created.json()
    assert user["roles"] == ["legal_officer"] and user["is_active"]
    assert_problem(client.post(f"{API}/users", json=body, headers=headers), 409)
    changed = client.patch(f"{API}/users/{user['id']}", json={"roles": ["legal_officer", "admin"], "is_active": False},
                           headers=headers)  # fmt: skip
    assert set(changed.json()["roles"]) == {"legal_officer", "admin"} and not changed.json()["is_active"]
    stale = client.patch(
        f"{API}/users/{user['id']}", json={"full_name": "Late"}, headers={**headers, "If-Match": '"1"'}
    )
    assert changed.headers["ETag"] == '"2"'
    assert_problem(stale, 412)
    assert_problem(client.patch(f"{API}/users/{admin.id}", json={"is_active": False}, headers=headers), 403)
    listed = client.get(f"{API}/users", params={"role": "legal_officer"}, headers=headers).json()
    assert [u["email"] for u in listed["items"]] == ["new.officer@example.org"]
    assert (listed["total"], listed["page"], listed["page_size"]) == (1, 1, 50)


def test_tokens_are_shown_once_and_revoked_by_their_owner_or_an_admin(client, auth):
    me, headers = auth(Role.VIEWER)
    _, other = auth(Role.PROJECT_MANAGER)
    _, admin = auth(Role.ADMIN)
    created = client.post(f"{API}/me/tokens", json={"name": "script", "expires_in_days": 7}, headers=headers).json()
    secret, token = created["secret"], created["token"]
    assert secret.startswith("agr_") and secret not in str(
        client.get(f"{API}/me/tokens", headers=headers).json()["items"]
    )
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"}).json()["id"] == me.id
    assert_problem(client.post(f"{API}/tokens/{token['id']}/revoke", headers=other), 403)
    revoked = client.post(f"{API}/tokens/{token['id']}/revoke", headers=headers)
    assert revoked.json()["revoked_at"] is not None
    assert_problem(client.get(f"{API}/me", headers={"Authorization": f"Bearer {secret}"}), 401)
    assert client.post(f"{API}/tokens/{token['id']}/revoke", headers=admin).status_code == 200
    assert_problem(client.post(f"{API}/tokens/999999/revoke", headers=admin), 404)


def test_sign_in_with_a_password_is_rate_limited(client, session):
    create_user(session, UserCreate(email="signer@example.org", full_name="Signer", roles=[Role.VIEWER],
                                    password=PASSWORD), actor=SET_UP)  # fmt: skip
    session.commit()
    signed = client.post(f"{API}/auth/token", json={"email": "Signer@example.org", "password": PASSWORD})
    assert signed.status_code == 201, signed.text
    expires = signed.json()["token"]["expires_at"]
    assert clock.now().isoformat() < expires < (clock.now() + timedelta(hours=13)).isoformat()
    assert client.get(f"{API}/me", headers={"Authorization": f"Bearer {signed.json()['secret']}"}).status_code == 200

    attempts_at = clock.now()
    with clock.frozen_at(attempts_at):  # the back-off lasts seconds: a slow machine must not outlive it
        for _ in range(5):
            wrong = client.post(f"{API}/auth/token", json={"email": "signer@example.org", "password": "guess"})
            assert_problem(wrong, 401)
            assert "password" in wrong.json()["detail"] and PASSWORD not in wrong.text
        blocked = client.post(f"{API}/auth/token", json={"email": "signer@example.org", "password": PASSWORD})
        assert_problem(blocked, 429)
        assert 0 < int(blocked.headers["Retry-After"]) <= 15 * 60
    later = attempts_at + timedelta(minutes=16)
    with clock.frozen_at(later):
        assert (
            client.post(f"{API}/auth/token", json={"email": "signer@example.org", "password": PASSWORD}).status_code
            == 201
        )
    unknown = client.post(f"{API}/auth/token", json={"email": "nobody@example.org", "password": "x"})
    assert_problem(unknown, 401)


def test_no_secret_reaches_the_logs(client, session, auth, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    _, headers = auth(Role.VIEWER)
    create_user(session, UserCreate(email="logged@example.org", full_name="Logged", roles=[Role.VIEWER],
                                    password=PASSWORD), actor=SET_UP)  # fmt: skip
    session.commit()
    created = client.post(f"{API}/me/tokens", json={"name": "logged", "expires_in_days": 1}, headers=headers).json()
    client.post(f"{API}/auth/token", json={"email": "logged@example.org", "password": PASSWORD})
    client.post(f"{API}/auth/token", json={"email": "logged@example.org", "password": "wrong " + PASSWORD})
    client.get(f"{API}/me", headers={"Authorization": "Bearer agr_not_a_real_token_but_secret_looking"})
    logged = caplog.text
    assert created["secret"] not in logged and PASSWORD not in logged
    assert headers["Authorization"].split()[1] not in logged and "agr_not_a_real_token" not in logged
