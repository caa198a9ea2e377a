"""Shared input rules: country codes, web addresses, ids, NUL characters, unknown fields."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.organisations.schemas import ContactCreate, OrganisationCreate, OrganisationFilter
from app.partnerships.schemas import PartnershipCreate, PartyInput
from app.schemas import MAX_ID, country_name


def _fields(error: ValidationError) -> list[str]:
    return [".".join(str(part) for part in item["loc"]) for item in error.errors()]


@pytest.mark.parametrize(("given", "stored"), [("ke", "KE"), (" fr ", "FR"), ("BR", "BR")])
def test_country_codes_are_normalised(given, stored):
    assert OrganisationCreate(legal_name="X", kind="other", country_code=given).country_code == stored


@pytest.mark.parametrize("given", ["XX", "KEN", "Kenya", "", "K"])
def test_unknown_country_codes_are_refused(given):
    with pytest.raises(ValidationError) as caught:
        OrganisationCreate(legal_name="X", kind="other", country_code=given)
    assert _fields(caught.value) == ["country_code"]


def test_country_name():
    assert country_name("KE") == "Kenya"
    assert country_name("BO").startswith("Bolivia")
    assert country_name("ZZ") == "ZZ"


@pytest.mark.parametrize("website", ["example.org", "ftp://example.org", "https://localhost", "javascript:alert(1)"])
def test_websites_must_be_web_addresses(website):
    with pytest.raises(ValidationError) as caught:
        OrganisationCreate(legal_name="X", kind="other", country_code="FR", website=website)
    assert _fields(caught.value) == ["website"]


def test_strings_are_trimmed_and_unknown_fields_refused():
    assert ContactCreate(name="  Ana  ").name == "Ana"
    with pytest.raises(ValidationError) as caught:
        ContactCreate(name="Ana", nickname="A")
    assert _fields(caught.value) == ["nickname"]


@pytest.mark.parametrize("value", ["a\x00b", "\x00"])
def test_nul_characters_are_refused_in_every_text_field(value):
    with pytest.raises(ValidationError) as caught:
        OrganisationCreate(legal_name=value, kind="other", country_code="FR", notes=value, area_codes=["x", value])
    assert set(_fields(caught.value)) == {"legal_name", "notes", "area_codes"}
    with pytest.raises(ValidationError) as caught:
        OrganisationFilter(q=value)
    assert _fields(caught.value) == ["q"]
    with pytest.raises(ValidationError) as caught:
        ContactCreate(name="Ana", title=value)
    assert _fields(caught.value) == ["title"]


@pytest.mark.parametrize("value", [0, -1, MAX_ID + 1, 10**30])
def test_ids_must_fit_the_database(value):
    with pytest.raises(ValidationError) as caught:
        PartyInput(organisation_id=value, role="lead_partner")
    assert _fields(caught.value) == ["organisation_id"]
    with pytest.raises(ValidationError) as caught:
        PartnershipCreate(title="T", owner_id=value, parties=[{"organisation_id": 1, "role": "lead_partner"}])
    assert _fields(caught.value) == ["owner_id"]


def test_the_largest_id_is_accepted():
    assert PartyInput(organisation_id=MAX_ID, role="donor").organisation_id == MAX_ID


@pytest.mark.parametrize("payload", [{"reason": "a\x00b"}, {"a\x00": 1}, {"deep": [{"deeper": "\x00"}]}])
def test_nul_characters_are_refused_inside_free_form_objects(payload):
    from app.drafting.schemas import GenerateRequest
    from app.workflow.schemas import TransitionRequest

    with pytest.raises(ValidationError) as caught:
        TransitionRequest(payload=payload)
    assert _fields(caught.value) == ["payload"]
    with pytest.raises(ValidationError) as caught:
        GenerateRequest(variables=payload)
    assert _fields(caught.value) == ["variables"]
