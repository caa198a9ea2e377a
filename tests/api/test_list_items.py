"""A list's items are the records themselves: each item of the partnership and organisation lists is exactly what
``GET`` of that record answers (the lists read what their items hold as rows, a query a kind for the whole page,
never one query per item)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from app.organisations.models import OrganisationKind
from app.partnerships.models import PartyRole
from app.users.models import Role
from tests.builders import organisation, partnership

API = "/api/v1"


@pytest.fixture
def portfolio(session, make_user) -> dict[str, Any]:
    """Partnerships and organisations holding every kind of related record, and some holding none."""
    owner = make_user(Role.PROJECT_MANAGER)
    sharing = [make_user(Role.PROJECT_MANAGER), make_user(Role.PROJECT_MANAGER)]
    lawyer = make_user(Role.LEGAL_OFFICER)
    full = organisation(
        session,
        "Fédération des Femmes",
        kind=OrganisationKind.INTERNATIONAL_CSO,
        country_code="SN",
        region="Dakar",
        short_name="FF",
        area_codes=["migrant_health", "humanitarian"],
        contacts=[{"name": "Awa", "is_focal_point": True, "language": "fr"}, {"name": "Binta", "title": "Director"}],
    )
    bare = organisation(session, "Bare Organisation", kind=OrganisationKind.ACADEMIC)
    donor = organisation(session, "Donor Foundation", kind=OrganisationKind.PRIVATE_SECTOR, country_code="CH")
    rich = partnership(
        session,
        owner,
        (full, PartyRole.LEAD_PARTNER),
        (donor, PartyRole.DONOR),
        (bare, PartyRole.CO_PARTNER),
        title="Health and shelter",
        objectives="Clinics and shelters",
        area_codes=["humanitarian", "migrant_health", "education_training"],
        co_owner_ids=[user.id for user in sharing],
        legal_officer_id=lawyer.id,
        project={"name": "Shelter", "code": "SN-01", "start_date": "2026-01-01", "end_date": "2027-12-31"},
        handles_personal_data=True,
    )
    plain = partnership(session, owner, bare, title="Plain")
    return {"owner": owner, "partnerships": [rich, plain], "organisations": [full, bare, donor]}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_each_partnership_in_the_list_is_the_partnership_itself(client, auth, portfolio, language) -> None:
    _, headers = auth(Role.VIEWER)
    headers["Accept-Language"] = language
    listed = client.get(f"{API}/partnerships", headers=headers)
    assert listed.status_code == 200, listed.text
    items = {item["id"]: item for item in listed.json()["items"]}
    assert set(items) == {p.id for p in portfolio["partnerships"]}
    for partnership_id, item in items.items():
        assert item == client.get(f"{API}/partnerships/{partnership_id}", headers=headers).json()
    rich = items[portfolio["partnerships"][0].id]
    assert [party["role"] for party in rich["parties"]] == ["lead_partner", "donor", "co_partner"]
    assert len(rich["co_owners"]) == 2 and rich["legal_officer"] and rich["project"]["code"] == "SN-01"
    if language == "fr":
        assert "Santé des migrants" in [area["name"] for area in rich["areas"]]


@pytest.mark.parametrize("language", ["en", "es"])
def test_each_organisation_in_the_list_is_the_organisation_itself(client, auth, portfolio, language) -> None:
    _, headers = auth(Role.VIEWER)
    headers["Accept-Language"] = language
    listed = client.get(f"{API}/organisations", headers=headers)
    assert listed.status_code == 200, listed.text
    items = {item["id"]: item for item in listed.json()["items"]}
    assert set(items) == {o.id for o in portfolio["organisations"]}
    for organisation_id, item in items.items():
        assert item == client.get(f"{API}/organisations/{organisation_id}", headers=headers).json()
    full = items[portfolio["organisations"][0].id]
    assert [contact["name"] for contact in full["contacts"]] == ["Awa", "Binta"]
    assert len(full["areas"]) == 2


def _statements(engine: Any, run: Any) -> int:
    count = 0

    def counted(*_: Any) -> None:
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", counted)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", counted)
    return count


@pytest.mark.parametrize("path", ["/partnerships", "/organisations"])
def test_a_list_page_reads_in_as_many_queries_whatever_its_size(client, auth, session, portfolio, path) -> None:
    _, headers = auth(Role.VIEWER)
    owner, (org, *_) = portfolio["owner"], portfolio["organisations"]
    engine = session.get_bind().engine

    def page() -> None:
        assert client.get(f"{API}{path}?page_size=50", headers=headers).status_code == 200

    page()  # the first request of a token records its use
    few = _statements(engine, page)
    for number in range(12):
        created = partnership(session, owner, org, title=f"More {number}", area_codes=["labour_migration"])
        organisation(session, f"More {number}", contacts=[{"name": f"Contact {number}"}], area_codes=["humanitarian"])
        assert created.id
    assert _statements(engine, page) == few
