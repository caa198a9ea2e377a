"""One list contract everywhere: every list the API gives is a paged envelope (items, total, page, page_size,
next_cursor, total_exact), in the OpenAPI schema and in the answers, and a client walks any of them by following
next_cursor."""

from __future__ import annotations

import re

import pytest

from app.listing import MAX_PAGE, decode_cursor, encode_cursor
from app.users.models import Role
from tests.builders import assert_problem


def _json_schema(operation: dict) -> dict | None:
    content = operation.get("responses", {}).get("200", {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema


def _list_operations(spec: dict) -> list[tuple[str, dict]]:
    found = []
    for path, operations in spec["paths"].items():
        schema = _json_schema(operations.get("get", {}))
        if schema is not None and "items" in _resolve(spec, schema).get("properties", {}):
            found.append((path, operations["get"]))
    return found


def test_no_answer_of_the_api_is_a_bare_array(client) -> None:
    spec = client.app.openapi()
    bare = [
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        if (schema := _json_schema(operation)) is not None and _resolve(spec, schema).get("type") == "array"
    ]
    assert bare == []


def test_every_list_is_the_same_envelope_with_the_same_paging_parameters(client) -> None:
    spec = client.app.openapi()
    lists = _list_operations(spec)
    assert len(lists) >= 25  # the record lists and every per-record list (history, versions, timeline…)
    for path, operation in lists:
        envelope = _resolve(spec, _json_schema(operation))
        assert set(envelope["properties"]) == {"items", "total", "page", "page_size", "next_cursor", "total_exact"}, (
            path
        )
        assert {"page", "page_size", "cursor"} <= {parameter["name"] for parameter in operation["parameters"]}, path


def test_users_come_one_page_at_a_time(client, auth, make_user) -> None:
    _, admin = auth(Role.ADMIN)
    for _ in range(3):
        make_user(Role.VIEWER)
    first = client.get("/api/v1/users", params={"page_size": 2}, headers=admin).json()
    assert len(first["items"]) == 2 and first["total"] >= 4 and first["page"] == 1
    everyone = client.get("/api/v1/users", params={"page_size": 200}, headers=admin).json()
    assert len(everyone["items"]) == everyone["total"] == first["total"]
    assert everyone["next_cursor"] is None
    assert_problem(client.get("/api/v1/users", params={"page": 0}, headers=admin), 422, "page")


def test_following_next_cursor_visits_every_item_once(client, auth, make_user) -> None:
    _, admin = auth(Role.ADMIN)
    for _ in range(6):
        make_user(Role.VIEWER)
    seen: list[int] = []
    params: dict[str, object] = {"page_size": 3}
    while True:
        body = client.get("/api/v1/users", params=params, headers=admin).json()
        seen += [user["id"] for user in body["items"]]
        if body["next_cursor"] is None:
            break
        params = {"page_size": 3, "cursor": body["next_cursor"]}
    assert len(seen) == len(set(seen)) == body["total"] >= 7


def test_a_per_record_list_pages_like_the_others(client, auth) -> None:
    _, manager = auth(Role.PROJECT_MANAGER)
    tokens = [client.post("/api/v1/me/tokens", json={"name": f"script {n}"}, headers=manager) for n in range(3)]
    assert all(response.status_code == 201 for response in tokens)
    first = client.get("/api/v1/me/tokens", params={"page_size": 2}, headers=manager).json()
    assert first["total"] >= 4 and len(first["items"]) == 2 and first["next_cursor"]
    second = client.get("/api/v1/me/tokens", params={"page_size": 2, "cursor": first["next_cursor"]}, headers=manager)
    assert second.json()["page"] == 2
    assert {t["id"] for t in first["items"]}.isdisjoint(t["id"] for t in second.json()["items"])


@pytest.mark.parametrize("cursor", ["garbage!", "p0", "p-1", "p01", "p1000001", encode_cursor(3) + " ", "x" * 65])
def test_a_cursor_this_server_did_not_issue_is_a_422_naming_it(client, auth, cursor) -> None:
    _, admin = auth(Role.ADMIN)
    assert_problem(client.get("/api/v1/users", params={"cursor": cursor}, headers=admin), 422, "cursor")


def test_cursors_round_trip_and_match_the_pattern_the_schema_gives(client) -> None:
    assert decode_cursor(encode_cursor(7)) == 7 and decode_cursor(encode_cursor(MAX_PAGE)) == MAX_PAGE
    parameters = client.app.openapi()["paths"]["/api/v1/users"]["get"]["parameters"]
    cursor = next(parameter for parameter in parameters if parameter["name"] == "cursor")
    options = cursor["schema"].get("anyOf", [cursor["schema"]])
    patterns = [option["pattern"] for option in options if "pattern" in option]
    assert patterns and all(re.fullmatch(pattern, encode_cursor(42)) for pattern in patterns)
