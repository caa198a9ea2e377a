"""The organisation directory, an organisation's page, the new-organisation form and adding a contact."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.organisations.models import AreaOfEngagement, Contact, Organisation, OrganisationKind
from app.partnerships.models import PartyRole
from app.users.models import Role
from tests.builders import organisation, partnership

VALID = {"legal_name": "Lagos Legal Aid Network", "short_name": "LLAN", "kind": "national_cso", "country_code": "ng"}


def _listed(html: str) -> list[str]:
    return re.findall(r'<a href="/organisations/\d+">([^<]+)</a>', html)


def test_the_directory_searches_filters_and_pages(sign_in, session):
    organisation(session, "Kenya Red Cross Society", short_name="KRCS")
    organisation(session, "Dakar University", kind=OrganisationKind.ACADEMIC, country_code="SN")
    organisation(session, "Red Crescent of Senegal", country_code="SN")
    browser = sign_in(Role.VIEWER)
    everything = browser.get("/organisations")
    assert everything.status_code == 200
    assert {"Kenya Red Cross Society", "Dakar University", "Red Crescent of Senegal"} <= set(_listed(everything.text))
    assert _listed(browser.get("/organisations?q=red").text) == ["Kenya Red Cross Society", "Red Crescent of Senegal"]
    assert _listed(browser.get("/organisations?q=krcs").text) == ["Kenya Red Cross Society"]
    assert _listed(browser.get("/organisations?kind=academic_institution").text) == ["Dakar University"]
    assert _listed(browser.get("/organisations?country_code=SN&q=red").text) == ["Red Crescent of Senegal"]
    nothing = browser.get("/organisations?q=zzz-nobody")
    assert "No organisation matches this search." in nothing.text
    assert 'value="zzz-nobody"' in nothing.text


def test_the_search_box_updates_the_results_as_you_type(sign_in, session):
    organisation(session, "Kenya Red Cross Society")
    browser = sign_in(Role.VIEWER)
    html = browser.get("/organisations").text
    assert 'hx-trigger="input changed delay:300ms, search"' in html and 'hx-target="#results"' in html
    partial = browser.get("/organisations?q=kenya", headers={"HX-Request": "true", "HX-Target": "results"})
    assert "<html" not in partial.text
    assert _listed(partial.text) == ["Kenya Red Cross Society"]


def test_the_directory_pages_through_many_organisations(sign_in, session):
    for number in range(30):
        organisation(session, f"Paged organisation {number:02d}")
    browser = sign_in(Role.VIEWER)
    first = browser.get("/organisations?q=paged")
    assert len(_listed(first.text)) == 25
    assert "Page 1 of 2" in first.text and 'href="/organisations?q=paged&amp;page=2"' in first.text
    second = browser.get("/organisations?q=paged&page=2")
    assert _listed(second.text) == [f"Paged organisation {number:02d}" for number in range(25, 30)]


def test_a_bad_country_filter_is_explained(sign_in):
    page = sign_in(Role.VIEWER).get("/organisations?country_code=XX")
    assert page.status_code == 422
    assert "is not an ISO 3166-1 alpha-2 country code" in page.text


def test_only_those_allowed_see_the_new_organisation_link(sign_in):
    assert "New organisation" not in sign_in(Role.VIEWER).get("/organisations").text
    for role in (Role.PROJECT_MANAGER, Role.LEGAL_OFFICER, Role.ADMIN):
        assert 'href="/organisations/new">New organisation</a>' in sign_in(role).get("/organisations").text


def test_a_viewer_is_refused_the_form(sign_in, session):
    browser = sign_in(Role.VIEWER)
    assert browser.get("/organisations/new").status_code == 403
    refused = browser.post("/organisations/new", VALID)
    assert refused.status_code == 403
    assert session.scalar(select(Organisation).where(Organisation.legal_name == VALID["legal_name"])) is None


def test_a_new_organisation_is_registered_and_shown(sign_in, session):
    browser = sign_in(Role.PROJECT_MANAGER)
    form = browser.get("/organisations/new")
    assert form.status_code == 200
    for label in ("Legal name", "Short name", "Kind", "Country code", "Region", "Website", "Areas of engagement"):
        assert label in form.text
    area = session.scalars(select(AreaOfEngagement)).first()
    response = browser.post("/organisations/new", {**VALID, "region": "West Africa", "area_codes": [area.code]})
    assert response.status_code == 303
    created = session.scalar(select(Organisation).where(Organisation.legal_name == VALID["legal_name"]))
    assert created is not None and created.country_code == "NG" and created.region == "West Africa"
    assert [a.code for a in created.areas] == [area.code]
    assert response.headers["location"] == f"/organisations/{created.id}"
    page = browser.get(response.headers["location"])
    assert "Lagos Legal Aid Network" in page.text and "Nigeria" in page.text and area.name in page.text
    assert "is registered." in page.text


def test_bad_input_keeps_what_was_typed_and_says_what_is_wrong(sign_in, session):
    browser = sign_in(Role.LEGAL_OFFICER)
    area = session.scalars(select(AreaOfEngagement)).first()
    data = {"short_name": "LLAN", "kind": "national_cso", "country_code": "XX", "region": "West Africa",
            "area_codes": [area.code]}  # fmt: skip
    response = browser.post("/organisations/new", data)
    assert response.status_code == 422
    html = response.text
    assert 'id="field-legal_name-error"' in html and "is required" in html
    assert 'id="field-country_code-error"' in html and "is not an ISO 3166-1 alpha-2 country code" in html
    assert 'name="short_name" type="text" value="LLAN"' in html
    assert 'name="country_code" type="text" value="XX"' in html
    assert 'name="region" type="text" value="West Africa"' in html
    assert '<option value="national_cso" selected>' in html
    assert f'value="{area.code}" checked' in html
    assert session.scalar(select(Organisation).where(Organisation.short_name == "LLAN")) is None


def test_a_duplicate_is_refused_with_a_message(sign_in, session):
    organisation(session, VALID["legal_name"], country_code="NG")
    response = sign_in(Role.ADMIN).post("/organisations/new", VALID)
    assert response.status_code == 409
    assert "already registered in NG" in response.text
    assert 'value="Lagos Legal Aid Network"' in response.text


def test_the_form_needs_the_csrf_token(sign_in, session):
    response = sign_in(Role.ADMIN).post("/organisations/new", VALID, csrf=False)
    assert response.status_code == 403
    assert session.scalar(select(Organisation).where(Organisation.legal_name == VALID["legal_name"])) is None


def test_the_organisation_page_shows_facts_contacts_areas_and_partnerships(sign_in, session, make_user):
    area = session.scalars(select(AreaOfEngagement)).first()
    org = organisation(
        session, "Kenya Red Cross Society", short_name="KRCS", region="East Africa", area_codes=[area.code],
        website="https://www.redcross.or.ke",
        contacts=[{"name": "Amina Otieno", "title": "Head of Programmes", "email": "amina@example.org",
                   "is_focal_point": True}],
    )  # fmt: skip
    manager = make_user(Role.PROJECT_MANAGER)
    lead = partnership(session, manager, org, title="Flood response")
    donor = partnership(session, manager, organisation(session), (org, PartyRole.DONOR), title="Funded work")
    unrelated = partnership(session, manager, organisation(session), title="Not theirs")

    page = sign_in(Role.VIEWER).get(f"/organisations/{org.id}")
    assert page.status_code == 200
    html = page.text
    for text in ("Kenya Red Cross Society", "KRCS", "East Africa", "Kenya", area.name, "https://www.redcross.or.ke",
                 "Amina Otieno", "Head of Programmes", "amina@example.org", "Focal point"):  # fmt: skip
        assert text in html, text
    assert f'href="/partnerships/{lead.id}"' in html and f'href="/partnerships/{donor.id}"' in html
    assert f'href="/partnerships/{unrelated.id}"' not in html
    assert "Lead partner" in html and "Donor" in html and "Ad hoc" in html
    assert "Add a contact" not in html  # a viewer may not


def test_unknown_organisations_are_404_pages(sign_in):
    browser = sign_in(Role.VIEWER)
    for address in ("/organisations/999999", "/organisations/abc", "/organisations/99999999999"):
        page = browser.get(address)
        assert page.status_code == 404, address
        assert "Not found" in page.text and "<html" in page.text


def test_a_contact_is_added_from_the_organisation_page(sign_in, session):
    org = organisation(session)
    browser = sign_in(Role.PROJECT_MANAGER)
    assert "Add a contact" in browser.get(f"/organisations/{org.id}").text
    data = {"name": "Jo Banda", "title": "Director", "email": "jo@example.org", "is_focal_point": "yes"}
    response = browser.post(f"/organisations/{org.id}/contacts", data)
    assert response.status_code == 303
    contact = session.scalar(select(Contact).where(Contact.organisation_id == org.id))
    assert (contact.name, contact.email, contact.is_focal_point) == ("Jo Banda", "jo@example.org", True)


def test_a_bad_contact_keeps_what_was_typed(sign_in, session):
    org = organisation(session)
    browser = sign_in(Role.LEGAL_OFFICER)
    response = browser.post(f"/organisations/{org.id}/contacts", {"title": "Director", "email": "not-an-email"})
    assert response.status_code == 422
    assert 'id="field-name-error"' in response.text and 'id="field-email-error"' in response.text
    assert 'value="Director"' in response.text and 'value="not-an-email"' in response.text
    assert session.scalar(select(Contact).where(Contact.organisation_id == org.id)) is None
    assert sign_in(Role.VIEWER).post(f"/organisations/{org.id}/contacts", {"name": "X"}).status_code == 403
