"""Tolerant reading of messy values: countries, partner types, modalities, areas, roles, dates, names, headers."""

from __future__ import annotations

from datetime import date

import pytest

from app.imports.normalise import (
    Read,
    Unreadable,
    area_codes,
    country_code,
    email_address,
    is_note_row,
    is_placeholder,
    is_total_row,
    match_headers,
    modality_stage,
    notice_days,
    organisation_kind,
    organisation_name_key,
    parse_date,
    party_role,
    phone_number,
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


# Countries by library: pycountry, Babel's English, French, Spanish and native names, short forms -----------------


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("The Gambia", "GM"), ("Gambia, The", "GM"), ("Schweiz", "CH"), ("Suisse", "CH"), ("Svizzera", "CH"),
        ("Perú", "PE"), ("Peru", "PE"), ("Viet Nam", "VN"), ("Vietnam", "VN"), ("Turquía", "TR"), ("Turquie", "TR"),
        ("UK", "GB"), ("Royaume-Uni", "GB"), ("Reino Unido", "GB"), ("Côte d'Ivoire", "CI"), ("Cote dIvoire", "CI"),
        ("Republic of Korea", "KR"), ("Korea, Republic of", "KR"), ("Corée du Sud", "KR"), ("Corea del Sur", "KR"),
        ("Kenya (KE)", "KE"), ("KE - Kenya", "KE"), ("KEN / Kenya", "KE"), ("Kenia", "KE"),
        ("USA", "US"), ("U.S.A.", "US"), ("EE.UU.", "US"), ("Estados Unidos", "US"), ("États-Unis", "US"),
        ("UAE", "AE"), ("DRC", "CD"), ("RDC", "CD"), ("République démocratique du Congo", "CD"), ("CAR", "CF"),
        ("Ivory Coast", "CI"), ("South Korea", "KR"), ("Laos", "LA"), ("Russia", "RU"), ("Syria", "SY"),
        ("Palestine", "PS"), ("Bolivia", "BO"), ("Tanzania", "TZ"), ("Moldova", "MD"), ("Macedonia", "MK"),
        ("Swaziland", "SZ"), ("Burma", "MM"), ("Cape Verde", "CV"), ("Czechia", "CZ"), ("Holland", "NL"),
        ("Vatican", "VA"), ("Deutschland", "DE"), ("España", "ES"), ("Reino de España", "ES"), ("Sverige", "SE"),
        ("Brasil", "BR"), ("Allemagne", "DE"), ("Alemania", "DE"), ("Marruecos", "MA"), ("مصر", "EG"),
        ("Republic of Kenya", "KE"), ("Kenya, Republic of", "KE"), ("République du Mali", "ML"),
        ("Estado Plurinacional de Bolivia", "BO"), ("Trinidad y Tobago", "TT"), ("St Lucia", "LC"),
        ("Guinea-Bissau", "GW"), ("Guinée équatoriale", "GQ"), ("NA", "NA"),
    ],
)  # fmt: skip
def test_countries_by_library_in_three_languages_native_names_and_short_forms(written, code):
    read = country_code(written)
    assert read.value == code
    assert read.doubt is None


@pytest.mark.parametrize(
    ("written", "exact"),
    [("KE", True), ("KEN", True), ("Kenya", True), (" kenya ", True), ("Côte d'Ivoire", True), ("USA", True),
     ("Viet Nam", True), ("Republic of Kenya", True), ("UK", False), ("Kenia", False), ("Kenya (KE)", False),
     ("The Gambia", False), ("Turkey", False), ("Schweiz", False), ("Keyna", False)],
)  # fmt: skip
def test_a_country_is_exact_only_when_named_by_its_code_or_its_own_name(written, exact):
    assert country_code(written).exact is exact


def test_a_code_and_a_name_that_disagree_are_refused():
    with pytest.raises(Unreadable, match=r"names 2 countries, Kenya \(KE\) and Uganda \(UG\)"):
        country_code("Kenya (UG)")
    with pytest.raises(Unreadable, match="names 3 countries"):
        country_code("Kenya / Uganda / Tanzania")


def test_an_unknown_country_is_refused_in_words_with_suggestions_when_there_are_some():
    with pytest.raises(Unreadable) as caught:
        country_code("Nigera")
    assert str(caught.value) == "country 'Nigera' is not a country — did you mean Niger or Nigeria?"
    with pytest.raises(Unreadable) as caught:
        country_code("Atlantis")
    assert str(caught.value).startswith("country 'Atlantis' is not a country")
    assert "did you mean" not in str(caught.value)


@pytest.mark.parametrize("value", ["Virgin Islands", "Europe", "East Africa", "Global", "Kosovo", "N/A", "-"])
def test_regions_ambiguous_names_and_placeholders_are_not_countries(value):
    with pytest.raises(Unreadable):
        country_code(value)


def test_a_country_typo_never_crosses_north_and_south():
    assert country_code("Souht Korea").value == "KR"
    assert country_code("Souht Korea").doubt
    with pytest.raises(Unreadable, match="north or south"):
        country_code("Soth Africa")
    for source, code in [("North Korea", "KP"), ("South Korea", "KR"), ("South Sudan", "SS"), ("Sudan", "SD")]:
        for variant in _one_edit(source.lower(), "nosuthr -"):
            try:
                read = country_code(variant)
            except Unreadable:
                continue
            assert read.value == code or read.doubt is None, (source, variant, read)


# Partner types, modalities, areas, roles in English, French and Spanish ---------------------------------------


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("ONG internationale", "international_cso"), ("ONG nationale", "national_cso"),
        ("organisation communautaire", "community_based_organisation"), ("université", "academic_institution"),
        ("institut de recherche", "academic_institution"), ("groupe de réflexion", "think_tank"),
        ("secteur privé", "private_sector"), ("entreprise", "private_sector"), ("gouvernement", "government"),
        ("ministère", "government"), ("organisation intergouvernementale", "intergovernmental_organisation"),
        ("organisation régionale", "regional_organisation"), ("agence des Nations Unies", "un_agency"),
        ("ONG internacional", "international_cso"), ("organización comunitaria", "community_based_organisation"),
        ("universidad", "academic_institution"), ("centro de investigación", "academic_institution"),
        ("empresa privada", "private_sector"), ("sector privado", "private_sector"), ("gobierno", "government"),
        ("organismo regional", "regional_organisation"), ("agencia de la ONU", "un_agency"),
        ("organisation non gouvernementale", "national_cso"), ("organización sin fines de lucro", "national_cso"),
        ("non-profit", "national_cso"), ("for-profit", "private_sector"), ("public sector", "government"),
    ],
)  # fmt: skip
def test_partner_types_in_french_and_spanish(word, kind):
    read = organisation_kind(word)
    assert read.value == OrganisationKind(kind)
    assert read.doubt is None and not read.exact


def test_partner_type_exactness_and_negation():
    assert organisation_kind("national_cso").exact
    assert organisation_kind("Private sector").exact
    assert not organisation_kind("NGO").exact
    assert organisation_kind("non govermental organisation").value is OrganisationKind.NATIONAL_CSO
    assert organisation_kind("non govermental organisation").doubt
    with pytest.raises(Unreadable, match="the partner type is missing"):
        organisation_kind("n/a")


MODALITIES = {
    "formal": [
        "MoU", "MOU signed", "signed memorandum", "signed MoU", "memorandum of understanding", "signed agreement",
        "written agreement", "formal agreement", "contract", "accord signé", "protocole d'accord", "convention signée",
        "mémorandum d'entente", "convenio firmado", "memorando de entendimiento", "acuerdo formal", "acuerdo firmado",
        "MoU signé", "contrato firmado", "MoU 2019", "Signed MoU (2019)",
    ],
    "informal": [
        "oral commitment", "verbal agreement", "gentlemen's agreement", "letter of intent", "agreement in principle",
        "informal", "non-formal", "non formal", "nonformal", "in-formal", "in formal", "no formal", "informel",
        "engagement verbal", "accord informel", "accord de principe", "lettre d'intention", "compromiso verbal",
        "acuerdo informal", "carta de intención", "acuerdo de palabra", "non formel",
    ],
    "ad_hoc": [
        "single workshop", "one-off event", "ad-hoc", "joint event", "one-time activity", "meeting", "conference",
        "atelier ponctuel", "événement", "activité ponctuelle", "evento puntual", "taller", "reunión",
        "actividad puntual", "taller único", "atelier unique", "one-off mission", "visite ponctuelle",
    ],
    "formalising": [
        "MoU under negotiation", "MoU in preparation", "draft MoU", "unsigned MoU", "unsigned agreement",
        "not signed", "being formalised", "pending signature", "en négociation", "projet de protocole",
        "en cours de signature", "non signé", "MoU non signé", "en negociación", "borrador de memorando",
        "pendiente de firma", "sin firmar", "acuerdo no firmado", "convenio sin firmar",
    ],
}  # fmt: skip


@pytest.mark.parametrize(("phrase", "stage"), [(p, stage) for stage, group in MODALITIES.items() for p in group])
def test_modality_phrases_in_three_languages(phrase, stage):
    read = modality_stage(phrase)
    assert read.value == stage
    assert read.doubt is None


@pytest.mark.parametrize("value", ["", "  ", "n/a", "N/A", "-", "unknown", "sans objet", "no aplica"])
def test_an_empty_modality_is_not_said(value):
    assert modality_stage(value) == Read(None)


def test_only_the_stage_itself_is_an_exact_modality():
    for written in ["formal", "Formal", "informal", "ad hoc", "ad_hoc", "formalising"]:
        assert modality_stage(written).exact, written
    for written in ["MoU", "compromiso verbal", "in formal", "formel", "formall"]:
        assert not modality_stage(written).exact, written


# Never across a negation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "stage"),
    [("in formal", "informal"), ("in-formal", "informal"), ("non formal", "informal"), ("nonformal", "informal"),
     ("informel", "informal"), ("formel", "formal"), ("no formal", "informal"), ("sin firmar", "formalising"),
     ("non signé", "formalising"), ("no firmado", "formalising"), ("firmado", "formal"), ("formall", "formal"),
     ("infromal", "informal"), ("unsinged", "formalising"), ("imformal", "informal"), ("in formall", "informal"),
     ("formall agrement", "formal"), ("informal agreemnt", "informal"), ("signd mou", "formal")],
)  # fmt: skip
def test_polar_words_read_as_they_are_written_however_spaced_or_misspelt(written, stage):
    assert modality_stage(written).value == stage


@pytest.mark.parametrize(
    ("written", "reason"),
    [("nformal", "formal or informal"), ("iformal", "formal or informal"), ("not informal", "formal or informal"),
     ("not unsigned", "signed or unsigned"), ("noa signé", "negation"), ("mon-formal", "negation"),
     ("u signed", "negation"), ("acuerdono firmado", "a negation would be lost"), ("acuerdoino firmado", None),
     ("o-al agreement", None), ("governmental organisation x", None), ("normal", "formal or informal"),
     ("forml", "formal or")],
)  # fmt: skip
def test_a_misspelling_that_could_flip_the_meaning_is_refused(written, reason):
    with pytest.raises(Unreadable, match=reason):
        modality_stage(written) if "organisation" not in written else organisation_kind(written)


def test_a_near_phrase_of_opposite_meaning_is_refused_with_the_reason():
    """The rule itself, on a vocabulary that only knows the formal phrase: the informal typo is refused."""
    from app.imports import vocabulary
    from app.imports.phrase_tables import PhraseTable, match_phrase

    table = PhraseTable([("formal agreement", "formal", True, 0), ("no agreement", "none", True, 0)],
                   vocabulary.MODALITY_AXES)  # fmt: skip
    with pytest.raises(Unreadable) as caught:
        match_phrase(table, "informal agreemnt", "modality", "formal or informal")
    assert str(caught.value) == (
        "modality 'informal agreemnt' is close to 'formal agreement', which means the opposite; "
        "write formal or informal"
    )
    assert match_phrase(table, "no agrement", "modality", "formal or informal").value == "none"
    with pytest.raises(Unreadable, match="does not plainly say signed or unsigned"):
        modality_stage("no nirmado")


def _one_edit(word: str, alphabet: str) -> set[str]:
    """Every spelling one edit away: a letter left out, added, replaced, or two letters swapped."""
    variants = {word[:i] + word[i + 1 :] for i in range(len(word))}
    variants |= {word[:i] + char + word[i:] for i in range(len(word) + 1) for char in alphabet}
    variants |= {word[:i] + char + word[i + 1 :] for i in range(len(word)) for char in alphabet}
    variants |= {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}
    return variants - {word}


POLAR = [
    "formal", "informal", "formel", "informel", "signed", "unsigned", "signé", "non signé", "firmado", "no firmado",
    "sin firmar", "oral", "verbal", "escrito", "official", "unofficial", "draft mou", "signed mou", "unsigned mou",
    "formal agreement", "informal agreement", "acuerdo formal", "acuerdo informal", "accord informel",
]  # fmt: skip


@pytest.mark.parametrize("source", POLAR)
def test_no_single_typo_of_a_polar_phrase_reads_another_stage(source):
    """Adversarial: every one-edit spelling (letters that make negations, spaces, hyphens) is read as the
    phrase's own stage, as another exact phrase, or refused — a typo never lands on the opposite."""
    stage = modality_stage(source).value
    for variant in _one_edit(source, "inoufstrmalgde -"):
        try:
            read = modality_stage(variant)
        except Unreadable:
            continue
        assert read.value in (stage, None) or read.doubt is None, (source, variant, read)


@pytest.mark.parametrize(
    ("source", "kind"),
    [("non-governmental organisation", "national_cso"), ("government", "government"), ("non-profit", "national_cso"),
     ("for-profit", "private_sector"), ("national ngo", "national_cso"), ("international ngo", "international_cso")],
)  # fmt: skip
def test_no_single_typo_of_a_polar_partner_type_reads_another_type(source, kind):
    for variant in _one_edit(source, "inoutrgal -"):
        try:
            read = organisation_kind(variant)
        except Unreadable:
            continue
        assert read.value == OrganisationKind(kind) or read.doubt is None, (source, variant, read)


# Areas and roles ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "code"),
    [("lutte contre la traite", "counter_trafficking"), ("retour volontaire assisté", "assisted_voluntary_return"),
     ("santé des migrants", "migrant_health"), ("trata de personas", "counter_trafficking"),
     ("retorno voluntario asistido", "assisted_voluntary_return"), ("salud de los migrantes", "migrant_health"),
     ("migración laboral", "labour_migration"), ("investigación", "research_data"),
     ("diálogo político", "policy_dialogue"), ("renforcement des capacités", "education_training"),
     ("réinstallation", "resettlement_integration"), ("sensibilización", "awareness_raising"),
     ("droits des migrants", "migrants_rights"), ("desarrollo comunitario", "community_development"),
     ("réduction des risques de catastrophe", "humanitarian")],
)  # fmt: skip
def test_areas_in_french_and_spanish(written, code):
    read = area_codes(written)
    assert read.value == (code,)
    assert read.doubt is None and not read.exact


def test_area_names_with_commas_and_lists_joined_by_and():
    assert area_codes("Education, training and capacity building").value == ("education_training",)
    assert area_codes("Education, training and capacity building").exact
    assert area_codes("counter_trafficking; migrant_health").exact
    assert area_codes("Research, data collection and information dissemination; AVRR").value == (
        "research_data",
        "assisted_voluntary_return",
    )
    assert area_codes("health and protection").value == ("migrant_health", "migrants_rights")
    assert area_codes("santé et éducation").value == ("migrant_health", "education_training")
    read = area_codes("forced return")
    assert read.value == () and "forced return" in read.doubt


@pytest.mark.parametrize(
    ("written", "role"),
    [("chef de file", "lead_partner"), ("partenaire de mise en œuvre", "implementing_partner"),
     ("partenaire de mise en oeuvre", "implementing_partner"), ("socio principal", "lead_partner"),
     ("socio implementador", "implementing_partner"), ("donante", "donor"), ("bailleur", "donor"),
     ("bailleur de fonds", "donor"), ("observateur", "observer"), ("partenaire", "co_partner")],
)  # fmt: skip
def test_roles_in_french_and_spanish(written, role):
    read = party_role(written)
    assert read.value is PartyRole(role)
    assert not read.exact


def test_role_exactness_and_placeholders():
    assert party_role("lead_partner").exact and party_role("Lead partner").exact
    assert not party_role("lead").exact
    assert party_role("n/a").value is None


def test_the_vocabularies_never_give_one_phrase_two_meanings():
    from app.imports import categories

    for table in (categories._kinds(), categories._modalities(), categories._areas(), categories._roles()):
        assert table.conflicts() == []


def test_read_keeps_its_positional_form_and_is_exact_by_default():
    assert Read("x", "why") == Read("x", "why", True)
    assert Read("x").exact and Read("x").doubt is None
    read = organisation_kind("Univeristy")
    assert read.doubt and not read.exact


# Dates, phones, totals ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "day"),
    [("1er janvier 2024", date(2024, 1, 1)), ("15 de marzo de 2024", date(2024, 3, 15)),
     ("3 janv. 2024", date(2024, 1, 3)), ("12 févr. 2024", date(2024, 2, 12)), ("24 déc. 2024", date(2024, 12, 24)),
     ("5 ene 2024", date(2024, 1, 5)), ("31 dic. 2026", date(2026, 12, 31)), ("diciembre 31, 2026", date(2026, 12, 31)),
     ("1º de enero de 2024", date(2024, 1, 1)), ("3 set 2024", date(2024, 9, 3)), ("5 mayo 2024", date(2024, 5, 5)),
     ("45826", date(2025, 6, 18)), ("45826.0", date(2025, 6, 18)), (45826, date(2025, 6, 18)),
     (45826.75, date(2025, 6, 18)), ("2026-12-31T10:00:00Z", date(2026, 12, 31))],
)  # fmt: skip
def test_dates_in_french_and_spanish_and_excel_serials(written, day):
    assert parse_date(written) == Read(day)


@pytest.mark.parametrize(
    ("written", "number"),
    [("+254 20 123 4567", "+254 20 123 4567"), ("(020) 123-4567 ext. 12", "(020) 123-4567 ext. 12"),
     ("0712 345 678 x12", "0712 345 678 ext. 12"), ("0712/345.678", "0712/345.678"),
     ("  0712  345 678 ", "0712 345 678"), ("254712345678", "254712345678")],
)  # fmt: skip
def test_phone_numbers(written, number):
    assert phone_number(written) == Read(number)


@pytest.mark.parametrize("written", ["call me", "+1 55", "0712 345 678 ask for Ann"])
def test_a_phone_with_words_is_left_out_with_a_doubt(written):
    read = phone_number(written)
    assert read.value is None and "not a phone number" in read.doubt
    assert phone_number("  ") == Read(None)


@pytest.mark.parametrize(
    "cells",
    [["TOTAL", 142, None], ["Total:", "", 12], ["Grand total", 3, 4], ["Sous-total", 5], ["Total général"],
     ["Totales", "", 7], ["Suma", 3], ["Sum", 1, 2], ["Count: 142"], [None, "", "TOTAL", 12],
     ["Total partnerships", 12], ["TOTAL", "organisations", 142], [17, "Total", 9], ["TOTAL", "8 partners", ""],
     ["TOTAL PARTNERS: 10"], ["TOTAL: 14 partners"], ["TOTAL"]],
)  # fmt: skip
def test_total_rows(cells):
    assert is_total_row(cells)


@pytest.mark.parametrize(
    "cells",
    [["Total Energies", "France", "Private sector"], ["Total Energies"], ["Total", None, "Kenya", "NGO"],
     ["Total", "Kenya"], ["Summit Foundation", "KE", "NGO"], ["Countryside Trust"], [], [None, ""], [12, 14],
     ["Total Energies", 12], ["Total", "France", "REG-123"]],
)  # fmt: skip
def test_data_rows_are_not_totals(cells):
    assert not is_total_row(cells)


# Agreement status words as a modality ------------------------------------------------------------------------------

STATUS_MODALITIES = {
    "formal": [
        "Active", "Vigente", "Convenio vigente", "En vigueur", "Valid", "Expired", "Lapsed", "Expired MoU",
        "MoU expired", "MoU (expired)", "MoU signed - expired", "Vencido", "No vigente", "Convenio vencido",
        "Convention expirée", "Contrat expiré", "Former MoU", "Renewed MoU", "MoU renewed", "Non-binding MoU",
        "Active agreement", "Acuerdo caducado", "Previous MoU", "Ancienne convention", "Accord échu",
        "Convenio renovado", "MoU not renewed", "Agreement no longer in force",
    ],
    "formalising": [
        "MoU - renewal pending", "renewal pending", "En cours de renouvellement", "En renovación",
        "Renovación en trámite", "En trámite", "En proceso de firma", "Convention en cours de renouvellement",
        "Convenio pendiente de renovación", "MoU to be renewed", "No MoU - under negotiation",
    ],
    "informal": [
        "No MoU", "No formal agreement", "Without MoU", "Informal - no MoU", "Sin convenio", "No hay convenio",
        "Pas de convention", "Sans convention formelle", "Pas d'accord formel", "No agreement", "Sin acuerdo formal",
        "Aucun protocole d'accord", "Without a contract",
    ],
    "ad_hoc": [
        "Partenariat ponctuel (forum)", "Partenariat ponctuel", "Colaboración puntual", "One-off partnership",
        "Forum", "Mesa redonda", "Joint event (no MoU)", "Coopération ponctuelle",
    ],
}  # fmt: skip


@pytest.mark.parametrize(("phrase", "stage"), [(p, s) for s, group in STATUS_MODALITIES.items() for p in group])
def test_agreement_status_words_read_as_the_stage_they_imply(phrase, stage):
    read = modality_stage(phrase)
    assert read == Read(stage, None, False), read


def test_a_part_saying_no_agreement_reads_what_else_the_cell_says_and_lets_the_rest_go_doubtful():
    read = modality_stage("Joint workplan (no MoU)")
    assert read.value == "informal" and not read.exact
    assert "'Joint workplan' not read" in read.doubt
    with pytest.raises(Unreadable, match="says both formal and informal"):
        modality_stage("Signed MoU (no MoU)")
    with pytest.raises(Unreadable, match="says both"):
        modality_stage("Workshop / under negotiation")


@pytest.mark.parametrize(
    "written", ["Terminated", "Résilié", "Rescindido", "MoU terminated", "Convention résiliée", "Contrato rescindido",
                "MoU (terminated)", "Cancelled", "Terminatd"]
)  # fmt: skip
def test_a_terminated_agreement_is_refused_with_the_reason(written):
    with pytest.raises(Unreadable, match="a terminated agreement: record the partnership's stage instead"):
        modality_stage(written)


@pytest.mark.parametrize(
    ("written", "reason"),
    [("inactive", "negation would be lost"), ("Inactive MoU", "negation would be lost"), ("No activo", "unknown"),
     ("not terminated", "unknown"), ("invalid", "unknown"), ("former", "formal or informal"),
     ("form l", "whether 'form' means formal or informal"), ("form", "formal or informal"),
     ("agreement sign", "signed or unsigned"), ("no renewed", "unknown")],
)  # fmt: skip
def test_status_words_never_cross_a_negation_or_a_polar_word(written, reason):
    with pytest.raises(Unreadable, match=reason):
        modality_stage(written)


STATUS_POLAR = ["no mou", "sin convenio", "pas de convention", "no vigente", "former mou", "non-binding mou",
                "renewal pending", "mou renewed", "expired mou", "without mou", "active", "terminated", "vencido",
                "forum"]  # fmt: skip


@pytest.mark.parametrize("source", STATUS_POLAR)
def test_no_single_typo_of_a_status_phrase_reads_another_stage(source):
    """Adversarial, as for the polar phrases: one edit reads the phrase's own stage, another exact phrase, or
    nothing; never another stage by a guess."""
    try:
        stage = modality_stage(source).value
    except Unreadable:
        stage = "terminated"
    for variant in _one_edit(source, "inoufstrmalgde -"):
        try:
            read = modality_stage(variant)
        except Unreadable:
            continue
        assert read.value in (stage, None) or read.doubt is None, (source, variant, read)


# Partner types inventories use -------------------------------------------------------------------------------------

NEW_KINDS = {
    "national_cso": [
        "Red Cross", "Red Crescent", "Red Cross/Red Crescent", "National Society", "Red Cross National Society",
        "Société nationale", "Société nationale de la Croix-Rouge", "Sociedad Nacional de la Cruz Roja",
        "ONG confessionnelle", "Organisation confessionnelle", "Organización religiosa", "FBO",
        "Faith-based organisation", "Non-governmental", "Diaspora organisation", "Trade union", "Syndicat",
        "Sindicato", "LNGO", "NGOs", "ONGs",
    ],
    "government": [
        "Government Ministry", "Ministry of Health", "Ministry for Foreign Affairs", "Ministère de la Santé",
        "Ministerio del Interior", "Health Ministry", "Local government", "Gobierno local", "Municipalidad",
        "Collectivité territoriale", "Commune", "Mairie", "Mairie de Dakar", "Municipality of Kampala",
    ],
    "international_cso": ["ONGI", "Regional network", "Réseau régional", "Red regional", "Global network"],
    "un_agency": ["UN", "ONU", "UN agency", "U.N.", "ONUs"],
    "community_based_organisation": ["Cooperative", "Coopérative", "Cooperativa", "CBOs"],
    "academic_institution": ["Universidad pública", "Université publique", "Public university"],
    "regional_organisation": ["Regional consultative process"],
    "intergovernmental_organisation": ["IGOs"],
}  # fmt: skip


@pytest.mark.parametrize(("word", "kind"), [(w, k) for k, group in NEW_KINDS.items() for w in group])
def test_partner_types_inventories_use(word, kind):
    read = organisation_kind(word)
    assert read.value is OrganisationKind(kind), read
    assert read.doubt is None


@pytest.mark.parametrize("written", ["agency", "une entity", "Non-ministry", "ONGN", "ilngo", "spaceship ministry x"])
def test_partner_types_that_cannot_be_told_are_refused(written):
    """ "agency" alone was a UN agency (the "un" of "UN agency" was a French article); "ONGN" is one letter from the
    international "ONGI" and from "ONG", "ilngo" from INGO and LNGO: none is guessed."""
    with pytest.raises(Unreadable):
        organisation_kind(written)


@pytest.mark.parametrize(
    ("source", "kind"),
    [("ongi", "international_cso"), ("lngo", "national_cso"), ("ong", "national_cso"), ("ingo", "international_cso"),
     ("red cross", "national_cso"), ("local government", "government"), ("regional network", "international_cso"),
     ("non-governmental", "national_cso"), ("universidad publica", "academic_institution")],
)  # fmt: skip
def test_no_single_typo_of_a_new_partner_type_reads_another_type(source, kind):
    for variant in _one_edit(source, "inoutrgalsc -"):
        try:
            read = organisation_kind(variant)
        except Unreadable:
            continue
        assert read.value == OrganisationKind(kind) or read.doubt is None, (source, variant, read)


# Placeholders ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["N/A", "n.a.", "-", "—", "TBD", "TBC", "?", "unknown", "none", "nil", "à préciser", "por definir",
              "s/o", "sans objet", "", "  ", "NA", "Unknown", "n/a", "...", "xxx"]
)  # fmt: skip
def test_placeholders(value):
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["Kenya", "0", "NGO", "No", "Nil Foundation", "Sans Frontières", "Tbilisi"])
def test_values_are_not_placeholders(value):
    assert not is_placeholder(value)


# Dates: open-ended and partial ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written", ["ongoing", "Ongoing", "open-ended", "indefinite", "no end date", "until further notice", "en cours",
                "indéterminée", "Durée indéterminée", "indefinido", "vigente", "tacite reconduction"]
)  # fmt: skip
def test_an_open_ended_date_is_no_date_and_doubtful(written):
    read = parse_date(written)
    assert read.value is None
    assert read.doubt == f"{written!r} read as no end date"


@pytest.mark.parametrize("written", ["N/A", "-", "TBD", "?"])
def test_a_placeholder_date_is_no_date(written):
    assert parse_date(written) == Read(None)


@pytest.mark.parametrize(
    ("written", "first", "last", "period"),
    [("2024", date(2024, 1, 1), date(2024, 12, 31), "year"),
     ("Q3 2025", date(2025, 7, 1), date(2025, 9, 30), "quarter"),
     ("T3 2025", date(2025, 7, 1), date(2025, 9, 30), "quarter"),
     ("2025-Q4", date(2025, 10, 1), date(2025, 12, 31), "quarter"),
     ("3e trimestre 2025", date(2025, 7, 1), date(2025, 9, 30), "quarter"),
     ("first quarter of 2026", date(2026, 1, 1), date(2026, 3, 31), "quarter"),
     ("H2 2025", date(2025, 7, 1), date(2025, 12, 31), "half-year"),
     ("Apr 2024", date(2024, 4, 1), date(2024, 4, 30), "month"),
     ("April 2024", date(2024, 4, 1), date(2024, 4, 30), "month"),
     ("mars 2025", date(2025, 3, 1), date(2025, 3, 31), "month"),
     ("déc. 2027", date(2027, 12, 1), date(2027, 12, 31), "month"),
     ("diciembre 2027", date(2027, 12, 1), date(2027, 12, 31), "month"),
     ("febrero de 2024", date(2024, 2, 1), date(2024, 2, 29), "month"),
     ("04/2024", date(2024, 4, 1), date(2024, 4, 30), "month"),
     ("2024-04", date(2024, 4, 1), date(2024, 4, 30), "month"),
     (2024, date(2024, 1, 1), date(2024, 12, 31), "year")],
)  # fmt: skip
def test_a_partial_date_is_the_first_or_last_day_of_its_period_and_doubtful(written, first, last, period):
    start, end = parse_date(written), parse_date(written, "auto", period_end=True)
    assert start.value == first and end.value == last
    assert (
        start.doubt
        == f"{str(written)!r} is not a full date; read as {first.day} {first:%B %Y}, the start of that {period}"
    )
    assert (
        end.doubt == f"{str(written)!r} is not a full date; read as {last.day} {last:%B %Y}, the end of that {period}"
    )


def test_the_end_of_a_quarter_is_said_in_words():
    assert parse_date("Q3 2025", period_end=True).doubt == (
        "'Q3 2025' is not a full date; read as 30 September 2025, the end of that quarter"
    )


@pytest.mark.parametrize("written", ["13/2024", "2024-13", "Q5 2025", "1850", "Apr 24", "ongoin", "not ongoing"])
def test_bad_partial_dates_are_refused(written):
    with pytest.raises(Unreadable, match="not a date"):
        parse_date(written)


def test_full_dates_read_the_same_with_period_end():
    for written in ["31/12/2026", "2026-12-31", "31 Dec 2026", 46387, "03/04/2026"]:
        assert parse_date(written, "auto", period_end=True) == parse_date(written)


# Notice periods ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "days"),
    [("60", 60), ("60 days", 60), ("60 jours", 60), ("60 días", 60), ("one month", 30), ("six months", 180),
     ("3 months", 90), ("12 months", 365), ("18 months", 545), ("1 year", 365), ("un an", 365), ("un año", 365),
     ("2 years", 730), ("two weeks", 14), ("deux semaines", 14), ("tres meses", 90), ("douze mois", 365),
     ("sixty (60) days", 60), ("60 days' prior written notice", 60), ("préavis de 3 mois", 90),
     ("1 month and 15 days", 45), ("a month", 30), ("0", 0), ("90 d", 90), ("treinta días", 30)],
)  # fmt: skip
def test_notice_periods(written, days):
    assert notice_days(written) == Read(days)


@pytest.mark.parametrize("written", ["30 working days", "30 jours ouvrables", "30 días hábiles"])
def test_working_days_are_counted_as_calendar_days_and_doubtful(written):
    read = notice_days(written)
    assert read.value == 30
    assert "working days counted as calendar days" in read.doubt


@pytest.mark.parametrize("written", ["N/A", "-", "", "TBD"])
def test_an_empty_notice_period_is_none(written):
    assert notice_days(written) == Read(None)


@pytest.mark.parametrize(
    ("written", "reason"),
    [("whenever", "is not a notice period"), ("60-90 days", "more than one number"), ("20 years", "more than ten"),
     ("sixty (90) days", "is not a notice period"), ("days", "is not a notice period"),
     ("3 months notice or less", "is not a notice period")],
)  # fmt: skip
def test_nonsense_notice_periods_are_refused_in_words(written, reason):
    with pytest.raises(Unreadable, match=reason):
        notice_days(written)


# Notes and totals under a table -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cells",
    [["Note: figures are provisional"], [None, "NB: data as of March", None], ["N.B. see annex"],
     ["Nota: datos preliminares"], ["Obs. a revisar"], ["Observation : données partielles"], ["Remarque: à compléter"],
     ["Source: DTM 2024"], ["Fuente: OIM"], ["Fonte: OIM"], ["* estimated"], ["** to be confirmed"],
     ["(1) MoU under review"], ["† contact has left"], ["", "", "This list was compiled by the regional office"],
     ["Data checked by staff."], ["Note that two partners merged"], ["Source of data: DTM"],
     ["ALL FIGURES ARE PROVISIONAL AND SUBJECT TO CHANGE"]],
)  # fmt: skip
def test_note_rows(cells):
    assert is_note_row(cells)


@pytest.mark.parametrize(
    "cells",
    [["Association des Femmes Juristes du Sénégal"], ["Source of Hope Foundation"], ["Sources of Hope", "Kenya"],
     ["Note Foundation", "KE", "NGO"], ["Association pour la Promotion des Droits des Femmes du Sénégal"],
     ["Caritas Kenya"], ["Notre Dame University"], ["NB Consulting"], [12], [], [None, ""],
     ["Norwegian Refugee Council, Kenya Office."], ["Note: figures are provisional", "Kenya"],
     ["This list was compiled by the regional office", "NGO"]],
)  # fmt: skip
def test_organisation_rows_are_not_notes(cells):
    assert not is_note_row(cells)


@pytest.mark.parametrize(
    "cells",
    [["TOTAL: 12 parceiros"], ["Total: 14"], ["Grand Total", 14], [None, "Grand Total", "", 44],
     ["TOTAL: 14 partenaires"], ["Total: 9 socios"], ["Total", "8 parceiros"], ["Summary", "Grand Total", 14]],
)  # fmt: skip
def test_more_total_rows(cells):
    assert is_total_row(cells)


@pytest.mark.parametrize("cells", [["Total", "Kenya", 12], ["Total", "NGO", 3], ["Total", "KE", "14 partners"]])
def test_total_with_a_country_or_a_type_is_an_organisation(cells):
    assert not is_total_row(cells)


# Countries two countries share, short forms, and countries without a code ----------------------------------------


@pytest.mark.parametrize(
    ("written", "code", "doubt"),
    [("Congo", "CG", "Congo is read as the Republic of the Congo (CG); write DRC for the Democratic Republic"),
     ("the Congo", "CG", "write DRC"), ("Korea", "KR", "read as South Korea (KR)"), ("Corée", "KR", "South Korea")],
)  # fmt: skip
def test_a_name_two_countries_share_is_read_as_the_one_usually_meant_and_doubtful(written, code, doubt):
    read = country_code(written)
    assert read.value == code and not read.exact
    assert doubt in read.doubt


@pytest.mark.parametrize(
    ("written", "code"),
    [("Burkina", "BF"), ("Dominican Rep.", "DO"), ("Central African Rep.", "CF"), ("Congo Brazzaville", "CG"),
     ("Republic of the Congo", "CG"), ("South Korea", "KR"), ("North Korea", "KP"), ("DRC", "CD"),
     ("Trinidad", "TT"), ("Solomon Is.", "SB")],
)  # fmt: skip
def test_short_forms_of_countries(written, code):
    read = country_code(written)
    assert read.value == code
    assert read.doubt is None


@pytest.mark.parametrize("written", ["Kosovo", "XKX", "XK", "Kosovo*", "Kosova", "Kosovo (UNSCR 1244)"])
def test_kosovo_has_no_code_in_the_list_and_is_refused_with_the_reason(written):
    with pytest.raises(Unreadable, match="Kosovo has no ISO 3166-1 code in this product's list of countries"):
        country_code(written)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Tel: +33 1 45 67 89 00", "+33 1 45 67 89 00"),
        ("Tél. : 01 45 67 89 00 ext 12", "01 45 67 89 00 ext. 12"),
        ("Teléfono: 55 1234 5678", "55 1234 5678"),
        ("0700123456, 0711222333", "0700123456 / 0711222333"),
        ("Mob: 0700 111222 ou 0711 333444", "0700 111222 / 0711 333444"),
        ("+254 700 123 456 / grace@lakefishers.ug", "+254 700 123 456"),
        ("(+257) 22 22 33 44", "(+257) 22 22 33 44"),
        ("grace@lakefishers.ug", None),
    ],
)
def test_phone_cells_as_offices_write_them(value, expected):
    assert phone_number(value).value == expected


def test_a_phone_cell_with_an_unreadable_part_says_what_it_left_out():
    read = phone_number("0700 111222; call the office")
    assert read.value == "0700 111222"
    assert read.doubt and "call the office" in read.doubt
    assert phone_number("call the office").value is None


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Tanzania Women Lawyers Assoc.", "Tanzania Women Lawyers Association"),
        ("Center for Migration Studies", "Centre for Migration Studies"),
        ("World Health Organization", "World Health Organisation"),
        ("Intl. Rescue Committee", "International Rescue Committee"),
        ("Makerere Univ.", "Makerere University"),
        ("Asoc. Venezolanos en Lima", "Asociación Venezolanos en Lima"),
    ],
)
def test_abbreviations_and_spellings_of_a_name_share_its_key(one, other):
    assert organisation_name_key(one) == organisation_name_key(other)


def test_words_that_only_look_like_abbreviations_are_kept():
    assert organisation_name_key("Fund for Peace") != organisation_name_key("Foundation for Peace")
    assert organisation_name_key("Saint Mary Mission") != organisation_name_key("St Mary Mission")
