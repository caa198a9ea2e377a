from app.users.models import Role


def test_create_and_rollback(client, auth):
    _, headers = auth(Role.PROJECT_MANAGER)
    r = client.post(
        "/api/v1/organisations",
        json={"legal_name": "A", "kind": "think_tank", "country_code": "FR"},
        headers=headers,
    )
    assert r.status_code == 201, r.text
    assert client.get("/api/v1/organisations", headers=headers).json()["total"] == 1


def test_isolated(client, auth):
    _, headers = auth(Role.VIEWER)
    assert client.get("/api/v1/organisations", headers=headers).json()["total"] == 0
