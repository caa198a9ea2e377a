"""One list contract: the lists of users, of an organisation's contacts and of an agreement's obligations are paged
envelopes (items, total, page, page_size) like every other list, in the OpenAPI schema and in the answers."""

from __future__ import annotations

import pytest

from app.users.models import Role
from tests.builders import assert_problem

ENVELOPED = ("/api/v1/users", "/api/v1/organisations/{organisation_id}/contacts",
             "/api/v1/agreements/{agreement_id}/obligations")  # fmt: skip


@pytest.mark.parametrize("path", ENVELOPED)
def test_the_schema_gives_the_paged_envelope(client, path) -> None:
    operation = client.app.openapi()["paths"][path]["get"]
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema.get("type") != "array" and schema["$ref"].split("/")[-1].startswith("Page_")
    parameters = {parameter["name"] for parameter in operation["parameters"]}
    assert {"page", "page_size"} <= parameters


def test_users_come_one_page_at_a_time(client, auth, make_user) -> None:
    _, admin = auth(Role.ADMIN)
    for _ in range(3):
        make_user(Role.VIEWER)
    first = client.get("/api/v1/users", params={"page_size": 2}, headers=admin).json()
    assert len(first["items"]) == 2 and first["total"] >= 4 and first["page"] == 1
    everyone = client.get("/api/v1/users", params={"page_size": 200}, headers=admin).json()
    assert len(everyone["items"]) == everyone["total"] == first["total"]
    assert_problem(client.get("/api/v1/users", params={"page": 0}, headers=admin), 422, "page")
