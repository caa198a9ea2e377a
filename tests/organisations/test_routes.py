"""The organisation endpoints over HTTP: create, read, update, list, contacts, ETags."""

from __future__ import annotations

import pytest

from app.organisations.models import OrganisationKind
from app.users.models import Role
from tests.builders import assert_problem, organisation

API = "/api/v1"


@pytest.fixture
def headers(auth):
    """A project manager's Authorization header."""
    return auth(Role.PROJECT_MANAGER)[1]


def _create(client, headers, **fields):
    body = {"legal_name": "Asociación Andina", "kind": "national_cso", "country_code": "PE", **fields}
    return client.post(f"{API}/organisations", json=body, headers=headers)


def test_create_returns_the_organisation_with_location_and_etag(client, headers):
    response = _create(client, headers, area_codes=["labour_migration"], contacts=[{"name": "Rosa Quispe"}])
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"{API}/organisations/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    assert body["legal_name"] == "Asociación Andina" and body["version"] == 1
    assert [area["code"] for area in body["areas"]] == ["labour_migration"]
    assert [contact["name"] for contact in body["contacts"]] == ["Rosa Quispe"]

    fetched = client.get(response.headers["Location"], headers=headers)
    assert fetched.status_code == 200
    assert fetched.headers["ETag"] == '"1"'
    assert fetched.json() == body


def test_create_then_list_sees_it(client, headers):
    assert client.get(f"{API}/organisations", headers=headers).json()["total"] == 0
    assert _create(client, headers).status_code == 201
    listing = client.get(f"{API}/organisations", headers=headers).json()
    assert listing["total"] == 1 and listing["items"][0]["legal_name"] == "Asociación Andina"


def test_duplicate_legal_name_in_the_same_country_is_a_conflict(client, headers):
    assert _create(client, headers).status_code == 201
    body = assert_problem(_create(client, headers, legal_name="ASOCIACIÓN ANDINA"), 409)
    assert "PE" in body["detail"]
    assert _create(client, headers, country_code="BO").status_code == 201
    assert client.get(f"{API}/organisations", headers=headers).json()["total"] == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"country_code": "XX"}, "country_code"),
        ({"kind": "pirate_ship"}, "kind"),
        ({"legal_name": "   "}, "legal_name"),
        ({"website": "www.example.org"}, "website"),
        ({"email": "not-an-email"}, "email"),
        ({"area_codes": ["nope"]}, "area_codes"),
        ({"contacts": [{"name": "A", "phone": "call me"}]}, "contacts[0].phone"),
        ({"contacts": [{"title": "Director"}]}, "contacts[0].name"),
    ],
)
def test_create_names_the_bad_field(client, headers, fields, field):
    assert_problem(_create(client, headers, **fields), 422, field)
    assert client.get(f"{API}/organisations", headers=headers).json()["total"] == 0


def test_update_changes_fields_and_the_etag(client, headers):
    created = _create(client, headers).json()
    url = f"{API}/organisations/{created['id']}"
    response = client.patch(url, json={"region": "Andes", "area_codes": ["migrant_health"]}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"2"'
    body = response.json()
    assert body["region"] == "Andes" and body["version"] == 2
    assert [area["code"] for area in body["areas"]] == ["migrant_health"]
    assert body["legal_name"] == created["legal_name"]
    assert client.get(url, headers=headers).headers["ETag"] == '"2"'


def test_if_match_with_the_current_etag_is_accepted(client, headers):
    created = _create(client, headers)
    url = created.headers["Location"]
    first = client.patch(url, json={"notes": "one"}, headers={**headers, "If-Match": created.headers["ETag"]})
    assert first.status_code == 200, first.text
    weak = client.patch(url, json={"notes": "two"}, headers={**headers, "If-Match": f"W/{first.headers['ETag']}"})
    assert weak.status_code == 200, weak.text
    anything = client.patch(url, json={"notes": "three"}, headers={**headers, "If-Match": "*"})
    assert anything.status_code == 200 and anything.headers["ETag"] == '"4"'


def test_stale_if_match_is_refused_and_changes_nothing(client, headers):
    created = _create(client, headers)
    url = created.headers["Location"]
    assert client.patch(url, json={"notes": "theirs"}, headers=headers).status_code == 200
    stale = client.patch(url, json={"notes": "mine"}, headers={**headers, "If-Match": created.headers["ETag"]})
    body = assert_problem(stale, 412)
    assert "version 2" in body["detail"]
    assert client.get(url, headers=headers).json()["notes"] == "theirs"


@pytest.mark.parametrize(("value", "status"), [("3", 400), ("abc", 400), ('W/"', 400), ('"x"', 412), ('"-1"', 412)])
def test_malformed_if_match_names_the_header(client, headers, value, status):
    """Not an ETag at all: 400; an ETag this API never sends: the precondition fails (412)."""
    created = _create(client, headers)
    response = client.patch(created.headers["Location"], json={"notes": "x"}, headers={**headers, "If-Match": value})
    assert_problem(response, status, "If-Match")
    assert client.get(created.headers["Location"], headers=headers).json()["notes"] is None


def test_update_to_a_taken_name_is_a_conflict(client, headers):
    _create(client, headers)
    other = _create(client, headers, legal_name="Other Association")
    assert_problem(
        client.patch(other.headers["Location"], json={"legal_name": "asociación andina"}, headers=headers), 409
    )


def test_update_cannot_empty_a_required_field(client, headers):
    created = _create(client, headers)
    assert_problem(client.patch(created.headers["Location"], json={"kind": None}, headers=headers), 422, "kind")


def test_unknown_organisation_is_404(client, headers):
    for response in (
        client.get(f"{API}/organisations/424242", headers=headers),
        client.patch(f"{API}/organisations/424242", json={"notes": "x"}, headers=headers),
        client.get(f"{API}/organisations/424242/contacts", headers=headers),
        client.post(f"{API}/organisations/424242/contacts", json={"name": "x"}, headers=headers),
    ):
        assert "424242" in assert_problem(response, 404)["detail"]


@pytest.fixture
def three(session):
    """Three organisations that differ in every filterable way."""
    organisation(
        session,
        "Zeta Institute",
        kind=OrganisationKind.ACADEMIC,
        country_code="KE",
        region="East Africa",
        area_codes=["research_data"],
    )
    organisation(
        session,
        "Alpha Institute",
        kind=OrganisationKind.ACADEMIC,
        country_code="FR",
        region="Europe",
        area_codes=["research_data", "migrant_health"],
    )
    organisation(session, "Gamma Company", kind=OrganisationKind.PRIVATE_SECTOR, country_code="KE", short_name="GCo")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["Alpha Institute", "Gamma Company", "Zeta Institute"]),
        ({"q": "INSTITUTE"}, ["Alpha Institute", "Zeta Institute"]),
        ({"q": "gco"}, ["Gamma Company"]),
        ({"kind": "private_sector"}, ["Gamma Company"]),
        ({"country_code": "ke"}, ["Gamma Company", "Zeta Institute"]),
        ({"region": "east africa"}, ["Zeta Institute"]),
        ({"area": "research_data"}, ["Alpha Institute", "Zeta Institute"]),
        ({"area": "migrant_health"}, ["Alpha Institute"]),
        ({"area": "research_data", "country_code": "KE"}, ["Zeta Institute"]),
        ({"q": "nothing like it"}, []),
        ({"sort": "-legal_name"}, ["Zeta Institute", "Gamma Company", "Alpha Institute"]),
        ({"sort": "country_code"}, ["Alpha Institute", "Gamma Company", "Zeta Institute"]),
        ({"sort": "-kind"}, ["Gamma Company", "Alpha Institute", "Zeta Institute"]),
    ],
)
def test_list_filters_and_sorts(client, headers, three, query, expected):
    response = client.get(f"{API}/organisations", params=query, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["legal_name"] for item in body["items"]] == expected
    assert body["total"] == len(expected)


def test_list_pages_with_the_total(client, headers, three):
    pages = [
        client.get(f"{API}/organisations", params={"page": page, "page_size": 2}, headers=headers).json()
        for page in (1, 2, 3)
    ]
    assert [page["total"] for page in pages] == [3, 3, 3]
    assert [[item["legal_name"] for item in page["items"]] for page in pages] == [
        ["Alpha Institute", "Gamma Company"],
        ["Zeta Institute"],
        [],
    ]
    assert (pages[1]["page"], pages[1]["page_size"]) == (2, 2)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"sort": "password"}, "sort"),
        ({"sort": "-"}, "sort"),
        ({"page": 0}, "page"),
        ({"page_size": 201}, "page_size"),
        ({"page_size": "many"}, "page_size"),
        ({"kind": "pirate_ship"}, "kind"),
        ({"country_code": "Atlantis"}, "country_code"),
        ({"area": "astronomy"}, "area"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_list_refuses_bad_parameters_by_name(client, headers, query, field):
    body = assert_problem(client.get(f"{API}/organisations", params=query, headers=headers), 422, field)
    if field == "sort":
        assert "legal_name" in body["detail"]  # the choices are listed


def test_contacts_are_added_listed_and_updated(client, headers):
    created = _create(client, headers)
    url = f"{created.headers['Location']}/contacts"
    added = client.post(url, json={"name": "Rosa Quispe", "email": "rosa@example.org"}, headers=headers)
    assert added.status_code == 201, added.text
    contact = added.json()
    assert contact["organisation_id"] == created.json()["id"] and contact["is_focal_point"] is False

    changed = client.patch(
        f"{url}/{contact['id']}", json={"is_focal_point": True, "phone": "+51 1 234"}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json() == {**contact, "is_focal_point": True, "phone": "+51 1 234"}
    assert client.get(url, headers=headers).json()["items"] == [changed.json()]


def test_contact_errors(client, headers):
    first = _create(client, headers, contacts=[{"name": "Rosa"}]).json()
    second = _create(client, headers, legal_name="Second").json()
    contact_id = first["contacts"][0]["id"]
    other_url = f"{API}/organisations/{second['id']}/contacts/{contact_id}"
    assert_problem(client.patch(other_url, json={"name": "Moved"}, headers=headers), 404)
    own_url = f"{API}/organisations/{first['id']}/contacts/{contact_id}"
    assert_problem(client.patch(own_url, json={"name": None}, headers=headers), 422, "name")
    assert_problem(client.patch(own_url, json={"email": "rosa at example"}, headers=headers), 422, "email")
    assert_problem(client.post(f"{API}/organisations/{first['id']}/contacts", json={}, headers=headers), 422, "name")
    contacts = client.get(f"{API}/organisations/{first['id']}/contacts", headers=headers).json()
    assert contacts["items"][0]["name"] == "Rosa" and contacts["total"] == len(contacts["items"])


def test_areas_endpoint_lists_the_seeded_areas(client, headers):
    response = client.get(f"{API}/areas", headers=headers)
    assert response.status_code == 200
    codes = [area["code"] for area in response.json()["items"]]
    assert len(codes) == 12 and "counter_trafficking" in codes


@pytest.mark.parametrize("role", [Role.ADMIN, Role.PROJECT_MANAGER, Role.LEGAL_OFFICER])
def test_roles_that_manage_organisations_may_create(client, auth, role):
    assert _create(client, auth(role)[1]).status_code == 201


def test_contacts_carry_an_etag_and_refuse_a_stale_if_match(client, session, auth):
    _, headers = auth(Role.ADMIN)
    org = organisation(session, "Contacts With Versions")
    created = client.post(f"/api/v1/organisations/{org.id}/contacts", json={"name": "Ana"}, headers=headers)
    tag = created.headers["ETag"]
    url = f"/api/v1/organisations/{org.id}/contacts/{created.json()['id']}"
    changed = client.patch(url, json={"title": "Director"}, headers={**headers, "If-Match": tag})
    assert changed.status_code == 200 and changed.headers["ETag"] != tag
    assert_problem(client.patch(url, json={"title": "Chair"}, headers={**headers, "If-Match": tag}), 412)
