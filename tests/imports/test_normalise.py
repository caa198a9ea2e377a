"""Tolerant reading of messy values: countries, partner types, modalities, areas, roles, dates, names, headers."""

from __future__ import annotations

from datetime import date

import pytest

from app.imports.normalise import (
    Unreadable,
    area_codes,
    country_code,
    edit_distance,
    email_address,
    match_headers,
    modality_stage,
    organisation_kind,
    organisation_name_key,
    parse_date,
    party_role,
    registration_key,
    website_address,
)
from app.organisations.models import OrganisationKind
from app.partnerships.models import PartyRole


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("KE", "KE"),
        ("ke", "KE"),
        ("KEN", "KE"),
        ("Kenya", "KE"),
        (" kenya ", "KE"),
        ("Côte d'Ivoire", "CI"),
        ("Cote d'Ivoire", "CI"),
        ("Ivory Coast", "CI"),
        ("DRC", "CD"),
        ("Congo, Dem. Rep.", "CD"),
        ("Democratic Republic of the Congo", "CD"),
        ("Congo", "CG"),
        ("UK", "GB"),
        ("United Kingdom", "GB"),
        ("USA", "US"),
        ("United States", "US"),
        ("Türkiye", "TR"),
        ("Turkey", "TR"),
        ("Tanzania, United Republic of", "TZ"),
        ("Sénégal", "SN"),
        ("Maroc", "MA"),
        ("Niger", "NE"),
        ("Nigeria", "NG"),
    ],
)
def test_countries_in_several_spellings(written, code):
    read = country_code(written)
    assert read.value == code
    assert read.doubt is None


@pytest.mark.parametrize(("typo", "code"), [("Keyna", "KE"), ("Ugnada", "UG"), ("Ethopia", "ET"), ("Germny", "DE")])
def test_a_close_typo_is_read_but_doubtful(typo, code):
    read = country_code(typo)
    assert read.value == code
    assert typo in read.doubt and code in read.doubt


@pytest.mark.parametrize("value", ["Atlantis", "Nigera", "Austrlia", "XX", "", "   "])
def test_unknown_or_ambiguous_countries_are_refused(value):
    """'Nigera' is as close to Niger as to Nigeria, 'Austrlia' to Austria as to Australia: no guess."""
    with pytest.raises(Unreadable):
        country_code(value)


def test_edit_distance_counts_a_swap_as_one_edit():
    assert edit_distance("keyna", "kenya", 2) == 1
    assert edit_distance("abc", "abc", 1) == 0
    assert edit_distance("abcdef", "uvwxyz", 2) == 3


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("NGO", OrganisationKind.NATIONAL_CSO),
        ("INGO", OrganisationKind.INTERNATIONAL_CSO),
        ("International NGO", OrganisationKind.INTERNATIONAL_CSO),
        ("CBO", OrganisationKind.COMMUNITY_BASED),
        ("Community-based organization", OrganisationKind.COMMUNITY_BASED),
        ("University", OrganisationKind.ACADEMIC),
        ("Think-tank", OrganisationKind.THINK_TANK),
        ("Company", OrganisationKind.PRIVATE_SECTOR),
        ("Ministry", OrganisationKind.GOVERNMENT),
        ("UN agency", OrganisationKind.UN_AGENCY),
        ("IGO", OrganisationKind.INTERGOVERNMENTAL),
        ("regional_organisation", OrganisationKind.REGIONAL),
    ],
)
def test_partner_type_words(word, kind):
    assert organisation_kind(word).value is kind


def test_partner_type_typo_is_doubtful_and_nonsense_refused():
    assert organisation_kind("Univeristy").value is OrganisationKind.ACADEMIC
    assert organisation_kind("Univeristy").doubt
    with pytest.raises(Unreadable, match="unknown partner type"):
        organisation_kind("spaceship")


@pytest.mark.parametrize(
    ("word", "stage"),
    [
        ("MoU", "formal"),
        ("memorandum", "formal"),
        ("Memorandum of Understanding", "formal"),
        ("agreement", "formal"),
        ("contract", "formal"),
        ("formal", "formal"),
        ("informal", "informal"),
        ("verbal", "informal"),
        ("letter of intent", "informal"),
        ("in principle", "informal"),
        ("ad-hoc", "ad_hoc"),
        ("ad hoc", "ad_hoc"),
        ("event", "ad_hoc"),
        ("one-off", "ad_hoc"),
        ("negotiating", "formalising"),
        ("in negotiation", "formalising"),
    ],
)
def test_modality_words(word, stage):
    assert modality_stage(word).value == stage


def test_unknown_modality_is_refused():
    with pytest.raises(Unreadable, match="unknown modality"):
        modality_stage("perhaps someday")


def test_area_synonyms_and_separators():
    read = area_codes("AVRR; CT, capacity building|DRR; emergency; CCCM; research / data; health")
    assert read.value == (
        "assisted_voluntary_return",
        "counter_trafficking",
        "education_training",
        "humanitarian",
        "research_data",
        "migrant_health",
    )
    assert read.doubt is None
    assert area_codes("anti-trafficking").value == ("counter_trafficking",)
    assert area_codes("integration; resettlement").value == ("resettlement_integration",)
    assert area_codes("policy dialogue").value == ("policy_dialogue",)
    assert area_codes("training").value == ("education_training",)


def test_unknown_area_is_left_out_with_a_doubt():
    read = area_codes("AVRR; basket weaving")
    assert read.value == ("assisted_voluntary_return",)
    assert "basket weaving" in read.doubt


@pytest.mark.parametrize(
    "written",
    ["2026-12-31", "2026/12/31", "31/12/2026", "12/31/2026", "31.12.2026", "31-12-26", "31 Dec 2026",
     "31 December 2026", "December 31, 2026", "Dec 31 2026", "31st December 2026", "46387", 46387, 46387.0,
     "2026-12-31 00:00:00", "31 décembre 2026"],
)  # fmt: skip
def test_dates_in_common_formats(written):
    assert parse_date(written).value == date(2026, 12, 31)
    assert parse_date(written).doubt is None


def test_an_ambiguous_date_is_day_first_and_doubtful_unless_the_order_is_given():
    read = parse_date("03/04/2026")
    assert read.value == date(2026, 4, 3)
    assert "ambiguous" in read.doubt
    assert parse_date("03/04/2026", "month_first") == parse_date("03/04/2026", "month_first")
    assert parse_date("03/04/2026", "month_first").value == date(2026, 3, 4)
    assert parse_date("03/04/2026", "day_first").value == date(2026, 4, 3)
    assert parse_date("03/04/2026", "day_first").doubt is None
    assert parse_date("04/04/2026").doubt is None  # same either way
    assert parse_date("31/12/2026", "month_first").value == date(2026, 12, 31)  # only one reading


@pytest.mark.parametrize("written", ["2026-02-30", "31/31/2026", "sometime", "13/13/2026", "0"])
def test_bad_dates_are_refused(written):
    with pytest.raises(Unreadable, match="not a date"):
        parse_date(written)


def test_empty_date_is_none():
    assert parse_date("").value is None
    assert parse_date(None).value is None


def test_roles():
    assert party_role("lead").value is PartyRole.LEAD_PARTNER
    assert party_role("co-partner").value is PartyRole.CO_PARTNER
    assert party_role("Implementing partner").value is PartyRole.IMPLEMENTING_PARTNER
    assert party_role("funder").value is PartyRole.DONOR
    assert party_role("").value is None
    with pytest.raises(Unreadable):
        party_role("boss")


def test_name_keys_ignore_case_accents_punctuation_spaces_and_legal_suffixes():
    key = organisation_name_key("Fondation Élan Solidaire")
    for variant in ["FONDATION ELAN SOLIDAIRE", "fondation-élan-solidaire", "  Fondation  Élan Solidaire Ltd. ",
                    "Fondation Elan Solidaire, Inc."]:  # fmt: skip
        assert organisation_name_key(variant) == key
    assert organisation_name_key("U.N. Women") == organisation_name_key("UN Women")
    assert organisation_name_key("Ltd") == "ltd"  # a name is never emptied
    assert organisation_name_key("Fondation Élan") != key


def test_registration_keys():
    assert registration_key("REG-00120") == registration_key("reg 00120") == "REG00120"
    assert registration_key("  ") is None


def test_email_and_website():
    assert email_address(" Info@Example.ORG ").value == "info@example.org"
    assert email_address("not-an-email").value is None
    assert email_address("not-an-email").doubt
    assert website_address("www.example.org").value == "https://www.example.org"
    assert website_address("http://x.org/a").value == "http://x.org/a"
    assert website_address("nonsense").value is None


def test_headers_in_several_spellings():
    mapping, missing, ignored = match_headers(["Organisation Name", "Pays", "Type", "Registration No", "Mystery", ""])
    assert mapping == {0: "organisation_name", 1: "country", 2: "partner_type", 3: "registration_number"}
    assert missing == []
    assert ignored == ["Mystery"]
    assert match_headers(["name", "country_code", "KIND"])[1] == []
    assert match_headers(["Name", "Region"])[1] == ["country", "partner_type"]
