"""The API says what it does and does what it says: offline docs under a strict CSP, 405 with Allow, strict dates,
sort keys and vocabularies as enums, JSON types held to, links from a creation to what follows it."""

from __future__ import annotations

import re

import pytest

from app.users.models import Role
from tests.builders import assert_problem, organisation, partnership

API = "/api/v1"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _directives(policy: str) -> dict[str, set[str]]:
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: set(sources) for name, *sources in parts}


@pytest.mark.parametrize(("path", "style_sources"), [("/docs", {"'self'"}), ("/redoc", {"'self'", "'unsafe-inline'"})])
def test_the_api_docs_use_only_this_sites_files_under_a_content_security_policy(client, path, style_sources):
    response = client.get(path)
    assert response.status_code == 200
    policy = _directives(response.headers["content-security-policy"])
    assert policy["default-src"] == {"'none'"}
    assert policy["script-src"] == {"'self'"}, "scripts from this site only: no inline script, no CDN"
    assert policy["style-src"] == style_sources  # ReDoc writes <style> elements at run time (styled-components)
    assert policy["img-src"] == {"'self'", "data:"}
    assert policy["connect-src"] == {"'self'"}
    assert policy["frame-ancestors"] == {"'none'"}
    assert response.headers["x-content-type-options"] == "nosniff"

    html = response.text
    assert "cdn" not in html.lower() and "http" not in html, "nothing is fetched from elsewhere"
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script"
    assert not re.search(r"\bstyle=|<style", html), "no inline style"
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(asset.startswith("/docs/") for asset in assets), assets
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert served.headers["content-type"].split(";")[0] in {"text/javascript", "text/css", "image/png"}, asset
    assert 'data-openapi-url="/openapi.json"' in html


def test_fastapi_own_docs_pages_that_load_from_a_cdn_are_gone(client):
    assert "swagger-ui-bundle.js" in client.get("/docs").text  # ours, served from /docs/assets
    assert client.get("/docs/oauth2-redirect").status_code == 404  # FastAPI's page, unused with bearer tokens


def _pattern(template: str, operations: dict) -> str:
    """The addresses ``template`` answers: an integer parameter takes digits only (a ``:int`` route)."""
    types = {
        parameter["name"]: parameter["schema"].get("type")
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    }
    return re.sub(r"{([^}]+)}", lambda found: "[0-9]+" if types.get(found[1]) == "integer" else "[^/]+", template)


def test_a_405_names_in_allow_exactly_the_methods_documented_for_the_path(client, auth):
    # Signed in: without a token a write is refused (401) before routing, so that no body is read unauthenticated.
    _, headers = auth(Role.ADMIN)
    paths = client.get("/openapi.json").json()["paths"]
    patterns = {template: _pattern(template, operations) for template, operations in paths.items()}
    checked = 0
    for template in paths:
        url = re.sub(r"{[^}]+}", "1", template)
        # Another template may answer the same address: its methods are allowed there too.
        expected = {method.upper() for other in paths if re.fullmatch(patterns[other], url) for method in paths[other]}
        for method in sorted(set(METHODS) - expected):
            response = client.request(method, url, headers=headers)
            assert response.status_code == 405, f"{method} {url}: {response.status_code}"
            allowed = {name.strip() for name in response.headers.get("allow", "").split(",") if name.strip()}
            assert allowed == expected, f"{method} {url}: Allow {allowed}, documented {expected}"
            assert_problem(response, 405)
            checked += 1
    assert checked > 200


def test_a_405_on_a_page_or_a_static_file_names_the_allowed_methods_too(client):
    assert client.delete("/sign-in").headers["allow"] == "GET, POST"
    assert client.put("/docs/assets/swagger-ui.css").headers["allow"] == "GET, HEAD"


def test_the_upload_of_a_version_is_not_mistaken_for_version_number_upload(client, auth):
    _, headers = auth(Role.ADMIN)
    assert client.get(f"{API}/agreements/1/versions/upload", headers=headers).status_code == 405
    assert client.options(f"{API}/agreements/1/versions/upload").headers["allow"] == "POST"


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/agreements?ending_before=0",
        f"{API}/agreements?ending_before=20240101",
        f"{API}/obligations?due_before=1.5",
        f"{API}/audit?since=0.5",
        f"{API}/audit?since=1700000000",
        f"{API}/reminders?send_before=0",
        f"{API}/partnerships/1/stage?on=0",
        f"{API}/exports/agreements?ending_before=0",
    ],
)
def test_a_date_in_the_query_given_as_a_number_is_refused(client, auth, url):
    _, headers = auth(Role.ADMIN)
    name = url.split("?")[1].split("=")[0]
    body = assert_problem(client.get(url, headers=headers), 422, name)
    assert "YYYY-MM-DD" in body["detail"]


@pytest.mark.parametrize("value", [0, 20240101, 1.5, True, "0", "20240101"])
def test_a_date_in_a_body_given_as_a_number_is_refused(client, auth, session, value):
    user, headers = auth(Role.ADMIN)
    owner = partnership(session, user, organisation(session))
    session.commit()
    body = {"partnership_id": owner.id, "kind": "mou", "title": "Dated by number", "effective_date": value}
    response = client.post(f"{API}/agreements", json=body, headers=headers)
    assert_problem(response, 422, "effective_date")


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/me/tokens", {"name": "script", "expires_in_days": True}, "expires_in_days"),
        ("/me/tokens", {"name": "script", "expires_in_days": "30"}, "expires_in_days"),
        (
            "/organisations",
            {
                "legal_name": "Typed",
                "kind": "think_tank",
                "country_code": "DE",
                "contacts": [{"name": "Focal", "is_focal_point": 1}],
            },
            "contacts[0].is_focal_point",
        ),
    ],
)
def test_a_body_value_of_another_json_type_is_refused(client, auth, url, body, field):
    _, headers = auth(Role.ADMIN)
    assert_problem(client.post(f"{API}{url}", json=body, headers=headers), 422, field)


def _parameter(schema: dict, path: str, name: str) -> dict:
    described = next(p["schema"] for p in schema["paths"][path]["get"]["parameters"] if p["name"] == name)
    if "$ref" in described:
        return schema["components"]["schemas"][described["$ref"].rsplit("/", 1)[-1]]
    return described


def test_sort_keys_and_vocabularies_are_enums_in_the_schema(client):
    schema = client.get("/openapi.json").json()
    sort = _parameter(schema, f"{API}/organisations", "sort")
    assert {"legal_name", "-legal_name", "created_at", "-created_at"} <= set(sort["enum"])
    assert "password" not in sort["enum"] and "anyOf" not in sort
    assert set(_parameter(schema, f"{API}/exports/agreements", "sort")["enum"]) == set(
        _parameter(schema, f"{API}/agreements", "sort")["enum"]
    )
    assert "active" in _parameter(schema, f"{API}/agreements", "status")["enum"]
    assert "formalising" in _parameter(schema, f"{API}/partnerships", "stage")["enum"]
    assert "humanitarian" in _parameter(schema, f"{API}/partnerships", "area")["enum"]
    assert "overdue" in _parameter(schema, f"{API}/obligations", "status")["enum"]
    assert "KE" in _parameter(schema, f"{API}/organisations", "country_code")["enum"]
    assert "sort" not in {p["name"] for p in schema["paths"][f"{API}/audit"]["get"]["parameters"]}  # never used


@pytest.mark.parametrize(
    "url",
    [
        f"{API}/organisations?sort=password",
        f"{API}/exports/organisations?sort=-password",
        f"{API}/partnerships?stage=",
        f"{API}/partnerships?area=",
        f"{API}/agreements?status=",
        f"{API}/obligations?status=chasing",
    ],
)
def test_a_value_outside_its_enum_is_refused(client, auth, url):
    _, headers = auth(Role.ADMIN)
    name = url.split("?")[1].split("=")[0]
    assert_problem(client.get(url, headers=headers), 422, name)


def test_a_change_documents_which_fields_may_be_cleared_and_refuses_null_for_the_others(client, auth, session):
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    update = schema["OrganisationUpdate"]["properties"]
    assert update["legal_name"]["type"] == "string" and "default" not in update["legal_name"]  # not nullable
    assert {"type": "null"} in update["short_name"]["anyOf"]  # may be cleared
    _, headers = auth(Role.ADMIN)
    partner = organisation(session)
    session.commit()
    response = client.patch(f"{API}/organisations/{partner.id}", json={"legal_name": None}, headers=headers)
    body = assert_problem(response, 422, "legal_name")
    assert body["errors"][0]["reason"] == "cannot be empty"


def test_headers_and_optional_parameters_are_described_as_they_are_sent(client):
    schema = client.get("/openapi.json").json()
    parameters = schema["paths"][f"{API}/organisations/{{organisation_id}}"]["patch"]["parameters"]
    if_match = next(p["schema"] for p in parameters if p["name"] == "If-Match")
    assert re.fullmatch(if_match["pattern"], '"3"') and not re.fullmatch(if_match["pattern"], "3")
    assert "anyOf" not in if_match, "a header is left out, never sent as null"
    for operations in schema["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                assert {"type": "null"} not in parameter["schema"].get("anyOf", []), parameter


def test_a_created_resource_is_linked_to_what_can_be_done_with_it(client):
    paths = client.get("/openapi.json").json()["paths"]
    links = paths[f"{API}/organisations"]["post"]["responses"]["201"]["links"]
    targets = {link["operationId"]: link["parameters"] for link in links.values()}
    read = paths[f"{API}/organisations/{{organisation_id}}"]["get"]["operationId"]
    change = paths[f"{API}/organisations/{{organisation_id}}"]["patch"]["operationId"]
    assert targets[read] == {"path.organisation_id": "$response.body#/id"}
    assert targets[change]["header.If-Match"] == "$response.header.ETag"
    obligation = paths[f"{API}/agreements/{{agreement_id}}/obligations"]["post"]["responses"]["201"]["links"]
    assert any(link["parameters"] == {"path.obligation_id": "$response.body#/id"} for link in obligation.values()), (
        "an obligation is read at /obligations/{obligation_id}"
    )


def test_an_unknown_template_in_a_body_is_invalid_input_not_a_missing_partnership(client, auth, session):
    user, headers = auth(Role.ADMIN)
    owner = partnership(session, user, organisation(session))
    session.commit()
    response = client.post(f"{API}/partnerships/{owner.id}/drafts", json={"template": "nope"}, headers=headers)
    assert_problem(response, 422, "template")
