"""The partnership endpoints over HTTP: create, validate, update, filter, interactions and undertakings."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app import clock
from app.config import get_settings
from app.organisations.models import OrganisationKind
from app.partnerships.models import PartyRole
from app.partnerships.schemas import UndertakingCreate
from app.partnerships.service import record_undertaking
from app.users.models import Role
from app.workflow.models import TransitionEvent
from tests.builders import assert_problem, organisation, partnership

API = "/api/v1"
# Noon of the real today: the API tokens of the fixtures are valid then.
NOON = datetime.now(UTC).replace(hour=12, minute=0, second=0, microsecond=0)


@pytest.fixture
def owner(auth):
    """A project manager and their Authorization header."""
    return auth(Role.PROJECT_MANAGER)


@pytest.fixture
def org(session):
    return organisation(session, "Lead Partner", contacts=[{"name": "Focal", "is_focal_point": True}])


def _body(org_id: int, **fields):
    return {
        "title": "Joint awareness campaign",
        "parties": [{"organisation_id": org_id, "role": "lead_partner"}],
        **fields,
    }


def test_create_returns_the_partnership_with_location_and_etag(client, owner, org):
    user, headers = owner
    with clock.frozen_at(NOON):
        response = client.post(
            f"{API}/partnerships",
            json=_body(
                org.id,
                area_codes=["awareness_raising"],
                project={"name": "Campaign", "start_date": "2020-01-01", "end_date": "2031-12-31"},
            ),
            headers=headers,
        )
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["Location"] == f"{API}/partnerships/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    assert re.fullmatch(rf"PA-{NOON.astimezone(get_settings().zone).year}-\d{{4}}", body["reference"])
    assert body["stage"] == "ad_hoc"
    assert body["owner"] == {"id": user.id, "full_name": user.full_name, "email": user.email}
    assert body["legal_officer"] is None
    assert body["parties"][0]["organisation"]["legal_name"] == "Lead Partner"
    assert body["parties"][0]["role"] == "lead_partner"
    assert body["project"]["end_date"] == "2031-12-31"
    fetched = client.get(response.headers["Location"], headers=headers)
    assert fetched.status_code == 200 and fetched.json() == body and fetched.headers["ETag"] == '"1"'


def test_references_increase(client, owner, org):
    _, headers = owner
    with clock.frozen_at(NOON):
        references = [
            client.post(f"{API}/partnerships", json=_body(org.id), headers=headers).json()["reference"]
            for _ in range(3)
        ]
    year = NOON.astimezone(get_settings().zone).year
    assert references == [f"PA-{year}-0001", f"PA-{year}-0002", f"PA-{year}-0003"]


def test_validation_names_each_field(client, owner, org, session, make_user):
    _, headers = owner
    donor = organisation(session, "Donor")
    elsewhere = organisation(session, "Elsewhere", contacts=[{"name": "Not ours"}])
    viewer = make_user(Role.VIEWER)
    manager = make_user(Role.PROJECT_MANAGER)
    cases = [
        (_body(org.id, parties=[{"organisation_id": donor.id, "role": "donor"}]), "parties"),
        (_body(org.id, parties=[{"organisation_id": 987_654, "role": "lead_partner"}]), "parties[0].organisation_id"),
        (
            _body(
                org.id,
                parties=[
                    {"organisation_id": org.id, "role": "lead_partner"},
                    {"organisation_id": org.id, "role": "donor"},
                ],
            ),
            "parties[1].organisation_id",
        ),
        (
            _body(
                org.id,
                parties=[
                    {"organisation_id": org.id, "role": "lead_partner", "focal_point_id": elsewhere.contacts[0].id}
                ],
            ),
            "parties[0].focal_point_id",
        ),
        (_body(org.id, parties=[{"organisation_id": org.id, "role": "sponsor"}]), "parties[0].role"),
        (_body(org.id, parties=[]), "parties"),
        ({"title": "No parties"}, "parties"),
        (
            _body(org.id, project={"name": "P", "start_date": "2031-05-01", "end_date": "2031-04-30"}),
            "project.end_date",
        ),
        (_body(org.id, area_codes=["humanitarian", "astrology"]), "area_codes"),
        (_body(org.id, owner_id=viewer.id), "owner_id"),
        (_body(org.id, legal_officer_id=manager.id), "legal_officer_id"),
        (_body(org.id, title=""), "title"),
    ]
    for body, field in cases:
        assert_problem(client.post(f"{API}/partnerships", json=body, headers=headers), 422, field)
    assert client.get(f"{API}/partnerships", headers=headers).json()["total"] == 0


def test_update_replaces_parties_and_changes_the_etag(client, owner, org, session):
    _, headers = owner
    other = organisation(session, "Other")
    created = client.post(f"{API}/partnerships", json=_body(org.id), headers=headers)
    url = created.headers["Location"]
    response = client.patch(
        url,
        json={"parties": [{"organisation_id": other.id, "role": "co_partner"}], "title": "Renamed"},
        headers={**headers, "If-Match": created.headers["ETag"]},
    )
    assert response.status_code == 200, response.text
    assert response.headers["ETag"] == '"2"'
    body = response.json()
    assert body["title"] == "Renamed" and body["version"] == 2
    assert [(p["organisation"]["id"], p["role"]) for p in body["parties"]] == [(other.id, "co_partner")]

    stale = client.patch(url, json={"title": "Mine"}, headers={**headers, "If-Match": created.headers["ETag"]})
    assert_problem(stale, 412)
    assert_problem(client.patch(url, json={"title": "x"}, headers={**headers, "If-Match": "two"}), 400, "If-Match")
    assert client.get(url, headers=headers).json()["title"] == "Renamed"


def test_update_refusal_names_the_field_and_keeps_the_partnership(client, owner, org, session):
    _, headers = owner
    created = client.post(f"{API}/partnerships", json=_body(org.id), headers=headers)
    url = created.headers["Location"]
    response = client.patch(
        url,
        json={"title": "Should not stick", "parties": [{"organisation_id": org.id, "role": "observer"}]},
        headers=headers,
    )
    assert_problem(response, 422, "parties")
    assert client.get(url, headers=headers).json() == created.json()


@pytest.fixture
def portfolio(session, make_user):
    """Three partnerships differing by stage, area, partner kind, country, region, owner and legal officer."""
    owner_a, owner_b = make_user(Role.PROJECT_MANAGER), make_user(Role.PROJECT_MANAGER)
    lawyer = make_user(Role.LEGAL_OFFICER)
    kenyan = organisation(
        session, "Nairobi Think Tank", kind=OrganisationKind.THINK_TANK, country_code="KE", region="East Africa"
    )
    french = organisation(
        session, "Université Lyon", kind=OrganisationKind.ACADEMIC, country_code="FR", region="Europe"
    )
    company = organisation(
        session, "Acme Ltd", kind=OrganisationKind.PRIVATE_SECTOR, country_code="GB", region="Europe"
    )
    first = partnership(session, owner_a, kenyan, title="Health corridor", area_codes=["migrant_health"])
    second = partnership(
        session, owner_b, french, (company, PartyRole.DONOR), title="Data lab", legal_officer_id=lawyer.id
    )
    third = partnership(session, owner_a, company, title="Jobs fair", area_codes=["labour_migration"])
    with clock.frozen_at(NOON):
        today = clock.today(get_settings().zone)
        record_undertaking(
            session, third.id, UndertakingCreate(given_on=today, given_by="CEO", scope="Fair", form="verbal"), owner_a
        )
        session.commit()
    return {
        "first": first,
        "second": second,
        "third": third,
        "owner_a": owner_a,
        "owner_b": owner_b,
        "lawyer": lawyer,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, ["third", "second", "first"]),
        ({"stage": "informal"}, ["third"]),
        ({"stage": "ad_hoc"}, ["second", "first"]),
        ({"stage": "formal"}, []),
        ({"area": "migrant_health"}, ["first"]),
        ({"partner_kind": "private_sector"}, ["third", "second"]),
        ({"partner_kind": "academic_institution"}, ["second"]),
        ({"country_code": "ke"}, ["first"]),
        ({"region": "EUROPE"}, ["third", "second"]),
        ({"owner_id": "owner_a"}, ["third", "first"]),
        ({"legal_officer_id": "lawyer"}, ["second"]),
        ({"q": "lyon"}, ["second"]),
        ({"q": "acme"}, ["third", "second"]),
        ({"q": "jobs"}, ["third"]),
        ({"q": "PA-"}, ["third", "second", "first"]),
        ({"sort": "title"}, ["second", "first", "third"]),
        ({"sort": "-title"}, ["third", "first", "second"]),
        ({"stage": "ad_hoc", "partner_kind": "think_tank"}, ["first"]),
    ],
)
def test_list_filters(client, auth, portfolio, query, expected):
    _, headers = auth(Role.VIEWER)
    params = {key: portfolio[value].id if key.endswith("_id") else value for key, value in query.items()}
    response = client.get(f"{API}/partnerships", params=params, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert [item["id"] for item in body["items"]] == [portfolio[name].id for name in expected]
    assert body["total"] == len(expected)


def test_list_pages(client, auth, portfolio):
    _, headers = auth(Role.VIEWER)
    page = client.get(f"{API}/partnerships", params={"page_size": 2, "page": 2}, headers=headers).json()
    assert page["total"] == 3 and [item["id"] for item in page["items"]] == [portfolio["first"].id]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"stage": "signed"}, "stage"),
        ({"sort": "owner"}, "sort"),
        ({"area": "astrology"}, "area"),
        ({"partner_kind": "pirates"}, "partner_kind"),
        ({"owner_id": 0}, "owner_id"),
    ],
)
def test_list_refuses_bad_filters_by_name(client, auth, query, field):
    _, headers = auth(Role.VIEWER)
    body = assert_problem(client.get(f"{API}/partnerships", params=query, headers=headers), 422, field)
    if field == "stage":
        assert "ad_hoc" in body["detail"]  # the stages are listed


def test_interactions_are_logged_and_listed(client, owner, org):
    _, headers = owner
    created = client.post(f"{API}/partnerships", json=_body(org.id), headers=headers).json()
    url = f"{API}/partnerships/{created['id']}/interactions"
    with clock.frozen_at(NOON):
        today = clock.today(get_settings().zone)
        for day in (today, today - timedelta(days=10)):
            response = client.post(
                url, json={"occurred_on": day.isoformat(), "kind": "workshop", "summary": "Planning"}, headers=headers
            )
            assert response.status_code == 201, response.text
        future = client.post(
            url,
            json={"occurred_on": (today + timedelta(days=1)).isoformat(), "kind": "call", "summary": "Later"},
            headers=headers,
        )
    assert_problem(future, 422, "occurred_on")
    listed = client.get(url, headers=headers).json()["items"]
    assert [item["occurred_on"] for item in listed] == [(today - timedelta(days=10)).isoformat(), today.isoformat()]
    assert client.get(f"{API}/partnerships/{created['id']}", headers=headers).json()["stage"] == "ad_hoc"


def test_an_undertaking_moves_the_partnership_to_informal_and_is_audited(client, owner, org, session):
    user, headers = owner
    created = client.post(f"{API}/partnerships", json=_body(org.id), headers=headers).json()
    url = f"{API}/partnerships/{created['id']}/undertakings"
    with clock.frozen_at(NOON):
        today = clock.today(get_settings().zone)
        future = client.post(
            url,
            json={
                "given_on": (today + timedelta(days=3)).isoformat(),
                "given_by": "Director",
                "scope": "Later",
                "form": "email",
            },
            headers=headers,
        )
        assert_problem(future, 422, "given_on")
        assert client.get(f"{API}/partnerships/{created['id']}", headers=headers).json()["stage"] == "ad_hoc"
        response = client.post(
            url,
            json={
                "given_on": today.isoformat(),
                "given_by": "Director",
                "organisation_id": org.id,
                "scope": "Co-organise the fair",
                "form": "verbal",
            },
            headers=headers,
        )
    assert response.status_code == 201, response.text
    assert response.json()["organisation_id"] == org.id
    after = client.get(f"{API}/partnerships/{created['id']}", headers=headers).json()
    assert after["stage"] == "informal"
    events = session.scalars(
        select(TransitionEvent)
        .where(TransitionEvent.entity_type == "partnership", TransitionEvent.entity_id == created["id"])
        .order_by(TransitionEvent.id)
    ).all()
    assert [(e.from_state, e.to_state, e.trigger, e.actor_id) for e in events] == [
        (None, "ad_hoc", "create", user.id),
        ("ad_hoc", "informal", "record_undertaking", user.id),
    ]
    assert [u["scope"] for u in client.get(url, headers=headers).json()["items"]] == ["Co-organise the fair"]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.LEGAL_OFFICER, Role.PROJECT_MANAGER])
def test_who_may_edit_a_partnership(client, auth, session, make_user, org, role):
    owner = make_user(Role.PROJECT_MANAGER)
    user, headers = auth(role)
    # The legal officer edits what they are responsible for; the project manager only what they own.
    legal_officer_id = user.id if role is Role.LEGAL_OFFICER else None
    owner_id = user.id if role is Role.PROJECT_MANAGER else owner.id
    theirs = partnership(session, owner, org, owner_id=owner_id, legal_officer_id=legal_officer_id)
    response = client.patch(f"{API}/partnerships/{theirs.id}", json={"objectives": "Shared"}, headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["objectives"] == "Shared"


def test_co_owners_may_edit_other_managers_may_not(client, session, auth, make_user):
    owner, owner_headers = auth(Role.PROJECT_MANAGER)
    co_owner, co_headers = auth(Role.PROJECT_MANAGER)
    _, stranger = auth(Role.PROJECT_MANAGER)
    viewer = make_user(Role.VIEWER)
    org = organisation(session, "Shared Partner")
    body = {
        "title": "Shared partnership",
        "parties": [{"organisation_id": org.id, "role": "lead_partner"}],
        "co_owner_ids": [co_owner.id, owner.id, co_owner.id],
    }
    created = client.post("/api/v1/partnerships", json=body, headers=owner_headers)
    assert created.status_code == 201, created.text
    assert [person["id"] for person in created.json()["co_owners"]] == [co_owner.id]
    url = f"/api/v1/partnerships/{created.json()['id']}"
    assert client.patch(url, json={"title": "Edited by the co-owner"}, headers=co_headers).status_code == 200
    assert_problem(client.patch(url, json={"title": "Not mine"}, headers=stranger), 403)
    assert_problem(client.patch(url, json={"co_owner_ids": [viewer.id]}, headers=owner_headers), 422, "co_owner_ids")
    removed = client.patch(url, json={"co_owner_ids": []}, headers=owner_headers)
    assert removed.json()["co_owners"] == []
    assert_problem(client.patch(url, json={"title": "Too late"}, headers=co_headers), 403)
