"""The data-quality API: summary, records to fix, one record's checks, and its problems."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from app import clock
from app.config import get_settings
from app.users.models import Role
from tests.builders import assert_problem
from tests.quality.conftest import complete_organisation, complete_partnership, today

API = "/api/v1/quality"


@pytest.mark.parametrize("role", list(Role))
def test_every_role_may_read_the_summary(client, auth, session, role):
    complete_organisation(session, region=None)
    _, headers = auth(role)
    response = client.get(f"{API}/summary", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["overall"]["records"] == 1 and body["overall"]["records_to_fix"] == 1
    organisations = body["entities"][0]
    assert organisations["entity"] == "organisation"
    region = next(check for check in organisations["checks"] if check["name"] == "region")
    assert region == {
        "name": "region", "level": "expected", "weight": 1, "description": "has a region",
        "problem": "the region is missing", "applies_to": "every organisation", "applicable": 1, "failing": 1,
    }  # fmt: skip


def test_without_a_token_it_is_refused(client):
    assert_problem(client.get(f"{API}/summary"), 401)


def test_records_to_fix_filters_sorts_and_pages(client, auth, session, make_user):
    for number in range(3):
        complete_organisation(session, f"Org {number}", region=None)
    partner = complete_organisation(session, "Partner")
    complete_partnership(session, make_user(Role.PROJECT_MANAGER), partner, objectives=None)
    _, headers = auth(Role.VIEWER)
    response = client.get(f"{API}/records", params={"sort": "name", "page_size": 2, "page": 2}, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] == 4 and body["page"] == 2 and body["next_cursor"] is None
    assert [item["name"] for item in body["items"]] == ["Org 2", "Partnership " + body["items"][1]["name"].split()[-1]]
    partnership = body["items"][1]
    assert partnership["entity"] == "partnership" and partnership["url"].startswith("/partnerships/")
    assert partnership["failed"] == [{"name": "objectives", "problem": "the objectives are missing", "weight": 2}]
    only = client.get(f"{API}/records", params={"entity": "organisation", "check": "region"}, headers=headers).json()
    assert only["total"] == 3 and {item["entity"] for item in only["items"]} == {"organisation"}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"sort": "size"}, "sort"),
        ({"check": "nonsense"}, "check"),
        ({"entity": "organisation", "check": "objectives"}, "check"),
        ({"entity": "agreement"}, "entity"),
        ({"page_size": 0}, "page_size"),
        ({"page": "two"}, "page"),
    ],
)
def test_bad_parameters_are_a_problem_naming_the_field(client, auth, params, field):
    _, headers = auth(Role.VIEWER)
    assert_problem(client.get(f"{API}/records", params=params, headers=headers), 422, field)


def test_one_record_s_checks(client, auth, session, make_user):
    org = complete_organisation(session, registration_number=None)
    created = complete_partnership(session, make_user(Role.PROJECT_MANAGER), org)
    _, headers = auth(Role.VIEWER)
    organisation = client.get(f"{API}/organisations/{org.id}", headers=headers).json()
    failed = [check for check in organisation["checks"] if check["status"] == "failed"]
    assert failed == [
        {"name": "registration_number", "level": "expected", "weight": 2, "description": "has a registration number",
         "status": "failed", "problem": "the registration number is missing"},
    ]  # fmt: skip
    assert organisation["score"] == round(100 * 29 / 31, 1)
    body = client.get(f"{API}/partnerships/{created.id}", headers=headers).json()
    assert body["reference"] == created.reference and body["score"] == 100.0
    statuses = {check["name"]: check["status"] for check in body["checks"]}
    assert statuses["legal_officer"] == "not_applicable" and statuses["title"] == "passed"


@pytest.mark.parametrize("entity", ["organisations", "partnerships"])
def test_unknown_ids_are_404_problems(client, auth, entity):
    _, headers = auth(Role.VIEWER)
    body = assert_problem(client.get(f"{API}/{entity}/999999", headers=headers), 404)
    assert "999999" in body["detail"]
    assert_problem(client.get(f"{API}/{entity}/0", headers=headers), 422)


def test_the_api_uses_the_clock_for_staleness(client, auth, session):
    org = complete_organisation(session)
    later = today() + timedelta(days=get_settings().quality_stale_days + 1)
    with clock.frozen_at(datetime.combine(later, time(9), tzinfo=get_settings().zone)):
        _, headers = auth(Role.VIEWER)  # a token issued then: one issued now would have expired
        body = client.get(f"{API}/organisations/{org.id}", headers=headers).json()
        stale = client.get(f"{API}/records", params={"check": "stale"}, headers=headers).json()
    assert body["as_of"] == later.isoformat()
    assert [check["status"] for check in body["checks"] if check["name"] == "stale"] == ["failed"]
    assert [item["id"] for item in stale["items"] if item["entity"] == "organisation"] == [org.id]
