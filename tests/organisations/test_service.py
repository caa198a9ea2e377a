"""Rules for organisations and their contacts, through the service."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from app import clock
from app.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from app.listing import PageParams
from app.organisations import service
from app.organisations.models import Contact, Organisation, OrganisationKind
from app.organisations.schemas import (
    ContactCreate,
    ContactUpdate,
    OrganisationCreate,
    OrganisationFilter,
    OrganisationUpdate,
)
from tests.builders import SET_UP, organisation


def _fields(error: ValidationFailed) -> set[str]:
    return {problem.field for problem in error.problems}


def test_create_stores_fields_areas_and_contacts(session):
    created = service.create_organisation(
        session,
        OrganisationCreate(
            legal_name="  Kenya Red Cross Society ",
            short_name="KRCS",
            kind="national_cso",
            country_code="ke",
            region="East and Horn of Africa",
            website="https://www.redcross.or.ke",
            area_codes=["migrant_health", "humanitarian"],
            contacts=[{"name": "Amina Otieno", "is_focal_point": True}, {"name": "Paul Mwangi"}],
        ),
        actor=SET_UP,
    )
    session.commit()
    session.expire_all()

    stored = session.get(Organisation, created.id)
    assert stored.legal_name == "Kenya Red Cross Society"
    assert stored.country_code == "KE"
    assert stored.kind is OrganisationKind.NATIONAL_CSO
    assert stored.version == 1
    assert sorted(area.code for area in stored.areas) == ["humanitarian", "migrant_health"]
    assert [(c.name, c.is_focal_point) for c in stored.contacts] == [("Amina Otieno", True), ("Paul Mwangi", False)]
    assert stored.created_at.tzinfo is not None


def test_unknown_area_code_is_refused_with_the_known_codes(session):
    with pytest.raises(ValidationFailed) as caught:
        service.create_organisation(
            session,
            OrganisationCreate(legal_name="X", kind="other", country_code="FR", area_codes=["humanitarian", "nope"]),
            actor=SET_UP,
        )
    assert _fields(caught.value) == {"area_codes"}
    assert "'nope'" in caught.value.detail and "migrant_health" in caught.value.detail
    assert session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_duplicate_legal_name_in_the_same_country_ignores_case(session):
    first = organisation(session, "Université de Dakar", country_code="SN")
    with pytest.raises(Conflict) as caught:
        service.create_organisation(
            session,
            OrganisationCreate(legal_name="UNIVERSITÉ DE DAKAR", kind="academic_institution", country_code="SN"),
            actor=SET_UP,
        )
    assert str(first.id) in caught.value.detail
    # The same name elsewhere is another organisation.
    other = service.create_organisation(
        session,
        OrganisationCreate(legal_name="Université de Dakar", kind="academic_institution", country_code="FR"),
        actor=SET_UP,
    )
    assert other.id != first.id


def test_get_unknown_organisation_is_not_found(session):
    with pytest.raises(NotFound):
        service.get_organisation(session, 987_654)


def test_update_changes_only_given_fields_and_bumps_the_version(session):
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    with clock.frozen_at(start):
        org = organisation(session, "Think Lab", kind=OrganisationKind.THINK_TANK, short_name="TL", region="Europe")
    with clock.frozen_at(start + timedelta(hours=2)):
        updated = service.update_organisation(
            session,
            org.id,
            OrganisationUpdate(region="Western Europe", short_name=None),
            expected_version=1,
            actor=SET_UP,
        )
        session.commit()
    session.expire_all()
    stored = session.get(Organisation, org.id)
    assert updated.version == stored.version == 2
    assert stored.region == "Western Europe"
    assert stored.short_name is None  # null clears an optional field
    assert stored.legal_name == "Think Lab" and stored.kind is OrganisationKind.THINK_TANK
    assert stored.updated_at == start + timedelta(hours=2)
    assert stored.created_at == start


def test_update_with_a_stale_version_is_refused(session):
    org = organisation(session)
    service.update_organisation(session, org.id, OrganisationUpdate(notes="first"), actor=SET_UP)
    session.commit()
    with pytest.raises(PreconditionFailed) as caught:
        service.update_organisation(
            session, org.id, OrganisationUpdate(notes="second"), expected_version=1, actor=SET_UP
        )
    assert "version 2" in caught.value.detail


def test_update_cannot_empty_a_required_field(session):
    org = organisation(session)
    for field in ("legal_name", "kind", "country_code"):
        with pytest.raises(ValidationError, match="cannot be empty"):
            OrganisationUpdate(**{field: None})
        # A change built without validation (not from a request) meets the same refusal in the service.
        with pytest.raises(ValidationFailed) as caught:
            service.update_organisation(
                session, org.id, OrganisationUpdate.model_construct(**{field: None}), actor=SET_UP
            )
        assert _fields(caught.value) == {field}


def test_update_refuses_a_name_taken_in_the_country_but_allows_changing_case(session):
    organisation(session, "Alpha Foundation", country_code="BR")
    org = organisation(session, "Beta Foundation", country_code="BR")
    with pytest.raises(Conflict):
        service.update_organisation(session, org.id, OrganisationUpdate(legal_name="ALPHA foundation"), actor=SET_UP)
    session.rollback()
    renamed = service.update_organisation(
        session, org.id, OrganisationUpdate(legal_name="BETA FOUNDATION"), actor=SET_UP
    )
    assert renamed.legal_name == "BETA FOUNDATION"
    moved = organisation(session, "Alpha Foundation", country_code="AR")
    with pytest.raises(Conflict):
        service.update_organisation(session, moved.id, OrganisationUpdate(country_code="BR"), actor=SET_UP)


def test_update_replaces_and_clears_areas_and_bumps_the_version(session):
    org = organisation(session, area_codes=["labour_migration"])
    service.update_organisation(
        session, org.id, OrganisationUpdate(area_codes=["research_data", "policy_dialogue"]), actor=SET_UP
    )
    session.commit()
    assert {area.code for area in org.areas} == {"research_data", "policy_dialogue"}
    assert org.version == 2
    service.update_organisation(session, org.id, OrganisationUpdate(area_codes=[]), actor=SET_UP)
    session.commit()
    assert org.areas == []
    assert org.version == 3


def test_list_filters_sorts_and_pages(session):
    organisation(session, "Zeta Institute", kind=OrganisationKind.ACADEMIC, country_code="KE", region="East Africa")
    organisation(session, "Alpha Institute", kind=OrganisationKind.ACADEMIC, country_code="FR", region="Europe")
    organisation(session, "Gamma Company", kind=OrganisationKind.PRIVATE_SECTOR, country_code="KE", short_name="GCo")

    def names(filters: OrganisationFilter, params: PageParams | None = None) -> list[str]:
        return [org.legal_name for org in service.list_organisations(session, filters, params or PageParams()).items]

    assert names(OrganisationFilter()) == ["Alpha Institute", "Gamma Company", "Zeta Institute"]
    assert names(OrganisationFilter(q="institute")) == ["Alpha Institute", "Zeta Institute"]
    assert names(OrganisationFilter(q="gco")) == ["Gamma Company"]  # the short name counts too
    assert names(OrganisationFilter(kind="private_sector")) == ["Gamma Company"]
    assert names(OrganisationFilter(country_code="ke")) == ["Gamma Company", "Zeta Institute"]
    assert names(OrganisationFilter(region="EUROPE")) == ["Alpha Institute"]
    assert names(OrganisationFilter(), PageParams(sort="-legal_name")) == [
        "Zeta Institute",
        "Gamma Company",
        "Alpha Institute",
    ]
    page = service.list_organisations(session, OrganisationFilter(), PageParams(page=2, page_size=2))
    assert page.total == 3 and [org.legal_name for org in page.items] == ["Zeta Institute"]


def test_search_takes_wildcards_literally(session):
    organisation(session, "100% Solar")
    organisation(session, "Solar_Power")
    organisation(session, "Solar Plus")
    found = service.list_organisations(session, OrganisationFilter(q="100%"), PageParams())
    assert [org.legal_name for org in found.items] == ["100% Solar"]
    found = service.list_organisations(session, OrganisationFilter(q="r_p"), PageParams())
    assert [org.legal_name for org in found.items] == ["Solar_Power"]


def test_list_by_unknown_area_names_the_area_filter(session):
    with pytest.raises(ValidationFailed) as caught:
        service.list_organisations(session, OrganisationFilter(area="astronomy"), PageParams())
    assert _fields(caught.value) == {"area"}


def test_list_by_unknown_sort_field_names_sort(session):
    with pytest.raises(ValidationFailed) as caught:
        service.list_organisations(session, OrganisationFilter(), PageParams(sort="-password"))
    assert _fields(caught.value) == {"sort"}
    assert "legal_name" in caught.value.detail


def test_contacts_are_added_and_updated(session):
    org = organisation(session)
    contact = service.add_contact(
        session, org.id, ContactCreate(name="Ana Souza", email="ana@example.org"), actor=SET_UP
    )
    session.commit()
    assert contact.organisation_id == org.id and not contact.is_focal_point

    service.update_contact(
        session, org.id, contact.id, ContactUpdate(is_focal_point=True, title="Director"), actor=SET_UP
    )
    session.commit()
    session.expire_all()
    stored = session.get(Contact, contact.id)
    assert (stored.name, stored.title, stored.email, stored.is_focal_point) == (
        "Ana Souza",
        "Director",
        "ana@example.org",
        True,
    )


def test_contact_of_another_organisation_is_not_found(session):
    first = organisation(session, contacts=[{"name": "Someone"}])
    second = organisation(session)
    with pytest.raises(NotFound):
        service.update_contact(session, second.id, first.contacts[0].id, ContactUpdate(name="Other"), actor=SET_UP)
    with pytest.raises(NotFound):
        service.add_contact(session, 987_654, ContactCreate(name="Nobody"), actor=SET_UP)


def test_contact_name_cannot_be_emptied(session):
    org = organisation(session, contacts=[{"name": "Someone"}])
    for field in ("name", "is_focal_point"):
        with pytest.raises(ValidationError, match="cannot be empty"):
            ContactUpdate(**{field: None})
        unchecked = ContactUpdate.model_construct(**{field: None})
        with pytest.raises(ValidationFailed) as caught:
            service.update_contact(session, org.id, org.contacts[0].id, unchecked, actor=SET_UP)
        assert _fields(caught.value) == {field}


def test_areas_are_the_seeded_list(session):
    codes = [area.code for area in service.list_areas(session)]
    assert len(codes) == len(set(codes)) == 12
    assert {"counter_trafficking", "humanitarian", "resettlement_integration"} <= set(codes)
