"""Every error is a problem+json document: authentication, permissions, unknown things, bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app import clock
from app.api.app import create_app
from app.api.problems import field_name
from app.config import get_settings
from app.users.models import Role
from app.users.service import create_token, revoke_token, set_active
from tests.builders import SET_UP, assert_problem, organisation, partnership

API = "/api/v1"
VALID_ORGANISATION = {"legal_name": "Problem Solvers", "kind": "think_tank", "country_code": "DE"}


def test_a_problem_has_type_title_status_detail_and_instance(client):
    response = client.get(f"{API}/organisations")
    body = assert_problem(response, 401)
    assert body["type"] == "about:blank"
    assert body["title"] == "Unauthorized"
    assert body["instance"] == f"{API}/organisations"


def test_validation_problems_list_every_field_with_its_reason(client, auth):
    _, headers = auth(Role.ADMIN)
    response = client.post(f"{API}/organisations", json={"kind": "nonsense", "country_code": "DE"}, headers=headers)
    body = assert_problem(response, 422, "legal_name", "kind")
    reasons = {error["field"]: error["reason"] for error in body["errors"]}
    assert reasons["legal_name"] == "is required"
    assert "think_tank" in reasons["kind"]  # the allowed values are listed
    assert "legal_name: is required" in body["detail"]


def test_an_invalid_json_body_names_the_body(client, auth):
    _, headers = auth(Role.ADMIN)
    response = client.post(
        f"{API}/organisations",
        content=b'{"legal_name": "Broken", ',
        headers={**headers, "Content-Type": "application/json"},
    )
    body = assert_problem(response, 422, "body")
    assert "not valid JSON" in body["errors"][0]["reason"]


def test_an_unknown_field_is_refused_by_name(client, auth):
    _, headers = auth(Role.ADMIN)
    response = client.post(f"{API}/organisations", json={**VALID_ORGANISATION, "colour": "blue"}, headers=headers)
    body = assert_problem(response, 422, "colour")
    assert body["errors"][0]["reason"] == "is not a known field"
    assert client.get(f"{API}/organisations", headers=headers).json()["total"] == 0


def test_a_nested_field_is_named_with_its_position(client, auth, session):
    _, headers = auth(Role.ADMIN)
    org = organisation(session)
    body = {"title": "T", "parties": [{"organisation_id": org.id, "role": "lead_partner", "share": 50}]}
    assert_problem(client.post(f"{API}/partnerships", json=body, headers=headers), 422, "parties[0].share")


@pytest.mark.parametrize(
    ("location", "name"),
    [
        (("body", "parties", 0, "role"), "parties[0].role"),
        (("body", "project", "end_date"), "project.end_date"),
        (("query", "sort"), "sort"),
        (("header", "If-Match"), "If-Match"),
        (("path", "organisation_id"), "organisation_id"),
        (("body",), "body"),
        ((), "body"),
        (("body", 0), "[0]"),
    ],
)
def test_field_names_read_like_the_json(location, name):
    assert field_name(location) == name


def test_an_unexpected_error_is_a_500_problem_that_hides_the_details(settings, session_factory):
    app = create_app(settings, session_factory)

    @app.get("/api/v1/boom")
    @app.get("/boom-page")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/boom")
        page = client.get("/boom-page")
    body = assert_problem(response, 500)
    assert "secret internals" not in response.text
    assert body["detail"]
    assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
    assert "secret internals" not in page.text


# --- 401 -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer", "Bearer nope", "Bearer agr_not-a-real-token", "Basic dXNlcjpwYXNz", "agr_missing_scheme"],
)
def test_a_missing_or_unknown_token_is_401_with_a_challenge(client, auth, authorization):
    auth(Role.ADMIN)  # a real token exists, just not this one
    headers = {"Authorization": authorization} if authorization else {}
    response = client.get(f"{API}/me", headers=headers)
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_an_expired_token_is_401(client, session, make_user):
    user = make_user(Role.VIEWER)
    token, secret = create_token(session, user, "short", expires_in_days=1)
    session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    with clock.frozen_at(token.expires_at - timedelta(minutes=1)):
        assert client.get(f"{API}/me", headers=headers).status_code == 200
    with clock.frozen_at(token.expires_at):
        assert_problem(client.get(f"{API}/me", headers=headers), 401)
    with clock.frozen_at(token.expires_at + timedelta(days=400)):
        assert_problem(client.get(f"{API}/organisations", headers=headers), 401)


def test_a_revoked_token_is_401(client, session, auth):
    user, headers = auth(Role.ADMIN)
    assert client.get(f"{API}/me", headers=headers).status_code == 200
    revoke_token(session, user.tokens[0].id, actor=SET_UP)
    session.commit()
    assert_problem(client.get(f"{API}/me", headers=headers), 401)


def test_a_deactivated_user_is_401(client, session, auth):
    user, headers = auth(Role.ADMIN)
    set_active(session, user, False)
    session.commit()
    assert_problem(client.get(f"{API}/me", headers=headers), 401)
    assert_problem(client.post(f"{API}/organisations", json=VALID_ORGANISATION, headers=headers), 401)
    set_active(session, user, True)
    session.commit()
    assert client.get(f"{API}/me", headers=headers).status_code == 200


# --- 403 -------------------------------------------------------------------------------------------------------


def test_a_viewer_cannot_write(client, auth, session, make_user):
    _, headers = auth(Role.VIEWER)
    org = organisation(session, contacts=[{"name": "Someone"}])
    owned = partnership(session, make_user(Role.PROJECT_MANAGER), org)
    today = clock.today(get_settings().zone).isoformat()
    writes = [
        ("POST", f"{API}/organisations", VALID_ORGANISATION),
        ("PATCH", f"{API}/organisations/{org.id}", {"notes": "x"}),
        ("POST", f"{API}/organisations/{org.id}/contacts", {"name": "x"}),
        ("PATCH", f"{API}/organisations/{org.id}/contacts/{org.contacts[0].id}", {"name": "x"}),
        (
            "POST",
            f"{API}/partnerships",
            {"title": "T", "parties": [{"organisation_id": org.id, "role": "lead_partner"}]},
        ),
        ("PATCH", f"{API}/partnerships/{owned.id}", {"title": "x"}),
        ("POST", f"{API}/partnerships/{owned.id}/interactions", {"occurred_on": today, "kind": "call", "summary": "x"}),
        (
            "POST",
            f"{API}/partnerships/{owned.id}/undertakings",
            {"given_on": today, "given_by": "x", "scope": "x", "form": "verbal"},
        ),
    ]
    for method, url, body in writes:
        response = client.request(method, url, json=body, headers=headers)
        assert "viewer" in assert_problem(response, 403)["detail"]
    # Reading is allowed.
    assert client.get(f"{API}/partnerships/{owned.id}", headers=headers).status_code == 200


def test_a_legal_officer_cannot_open_a_partnership(client, auth, session):
    _, headers = auth(Role.LEGAL_OFFICER)
    org = organisation(session)
    body = {"title": "T", "parties": [{"organisation_id": org.id, "role": "lead_partner"}]}
    assert_problem(client.post(f"{API}/partnerships", json=body, headers=headers), 403)


def test_a_project_manager_cannot_edit_a_partnership_they_do_not_own(client, auth, session, make_user):
    _, headers = auth(Role.PROJECT_MANAGER)
    org = organisation(session)
    theirs = partnership(session, make_user(Role.PROJECT_MANAGER), org, title="Someone else's")
    today = clock.today(get_settings().zone).isoformat()
    for method, url, body in [
        ("PATCH", f"{API}/partnerships/{theirs.id}", {"title": "Mine now"}),
        (
            "POST",
            f"{API}/partnerships/{theirs.id}/interactions",
            {"occurred_on": today, "kind": "call", "summary": "x"},
        ),
        (
            "POST",
            f"{API}/partnerships/{theirs.id}/undertakings",
            {"given_on": today, "given_by": "x", "scope": "x", "form": "verbal"},
        ),
    ]:
        assert_problem(client.request(method, url, json=body, headers=headers), 403)
    after = client.get(f"{API}/partnerships/{theirs.id}", headers=headers).json()
    assert (after["title"], after["stage"]) == ("Someone else's", "ad_hoc")
    assert client.get(f"{API}/partnerships/{theirs.id}/interactions", headers=headers).json()["items"] == []


def test_a_legal_officer_not_assigned_cannot_edit(client, auth, session, make_user):
    _, headers = auth(Role.LEGAL_OFFICER)
    org = organisation(session)
    other_lawyer = make_user(Role.LEGAL_OFFICER)
    theirs = partnership(session, make_user(Role.PROJECT_MANAGER), org, legal_officer_id=other_lawyer.id)
    assert_problem(client.patch(f"{API}/partnerships/{theirs.id}", json={"title": "x"}, headers=headers), 403)


# --- 404 and 405 -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/organisations/424242",
        "/organisations/424242/contacts",
        "/partnerships/424242",
        "/partnerships/424242/interactions",
        "/partnerships/424242/undertakings",
    ],
)
def test_unknown_ids_are_404(client, auth, path):
    _, headers = auth(Role.ADMIN)
    assert "424242" in assert_problem(client.get(f"{API}{path}", headers=headers), 404)["detail"]


def test_unknown_ids_in_writes_are_404(client, auth, session):
    _, headers = auth(Role.ADMIN)
    org = organisation(session)
    today = clock.today(get_settings().zone).isoformat()
    for method, url, body in [
        ("PATCH", f"{API}/organisations/424242", {"notes": "x"}),
        ("POST", f"{API}/organisations/424242/contacts", {"name": "x"}),
        ("PATCH", f"{API}/organisations/{org.id}/contacts/424242", {"name": "x"}),
        ("PATCH", f"{API}/partnerships/424242", {"title": "x"}),
        ("POST", f"{API}/partnerships/424242/interactions", {"occurred_on": today, "kind": "call", "summary": "x"}),
        (
            "POST",
            f"{API}/partnerships/424242/undertakings",
            {"given_on": today, "given_by": "x", "scope": "x", "form": "verbal"},
        ),
    ]:
        assert_problem(client.request(method, url, json=body, headers=headers), 404)


@pytest.mark.parametrize("path", ["/api/nope", f"{API}/nope", f"{API}/organisations/1/nope", f"{API}"])
def test_unknown_routes_are_404_problems(client, auth, path):
    _, headers = auth(Role.ADMIN)
    assert_problem(client.get(path, headers=headers), 404)


def test_an_unsupported_method_is_405_problem(client, auth):
    _, headers = auth(Role.ADMIN)
    assert_problem(client.delete(f"{API}/organisations", headers=headers), 405)
    assert_problem(client.put("/healthz"), 405)
