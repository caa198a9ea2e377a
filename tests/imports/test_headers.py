"""Column mapping by meaning: header spellings in English, French and Spanish, overrides, messages, saved mappings."""

from __future__ import annotations

import json

import pytest

from app.imports.headers import (
    FIELDS,
    ColumnMatch,
    HeaderMapping,
    MappingError,
    header_score,
    header_words,
    load_mapping,
    match_columns,
    missing_message,
    save_mapping,
)


def field_of(header: str) -> str | None:
    """The field one header alone is mapped to, or ``None``."""
    mapping = match_columns([header])
    return mapping.columns[0].field if mapping.columns else None


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        # The examples offices write.
        ("Organisation name (full)", "organisation_name"),
        ("Contact No.", "contact_phone"),
        ("Contact number", "contact_phone"),
        ("Engagement Modality", "modality"),
        ("Engagement type", "modality"),
        ("Tipo de vínculo", "modality"),
        ("Data de fim", "end_date"),
        ("Kind of partner", "partner_type"),
        ("Contact person e-mail", "contact_email"),
        ("Agreement starts", "start_date"),
        ("Raison sociale", "organisation_name"),
        ("Tipo de socio", "partner_type"),
        ("Focal pt email", "contact_email"),
        ("MoU end", "end_date"),
        ("Nombre de la organización", "organisation_name"),
        ("País", "country"),
        ("Date de fin", "end_date"),
        ("Fecha de inicio", "start_date"),
        ("Modalité de partenariat", "modality"),
        ("Tel. point focal", "contact_phone"),
        # Organisation.
        ("Org Ref", "organisation_ref"),
        ("Partner ID", "organisation_ref"),
        ("Code partenaire", "organisation_ref"),
        ("Organization Name", "organisation_name"),
        ("Name of the partner organisation", "organisation_name"),
        ("Legal name", "organisation_name"),
        ("Implementing partner", "organisation_name"),
        ("Dénomination de la structure", "organisation_name"),
        ("Razón social", "organisation_name"),
        ("1. Organisation name*", "organisation_name"),
        ("organisation_name", "organisation_name"),
        ("OrganisationName", "organisation_name"),
        ("Acronym", "acronym"),
        ("Short name", "acronym"),
        ("Sigle", "acronym"),
        ("Siglas", "acronym"),
        ("Partner type", "partner_type"),
        ("Type of organization", "partner_type"),
        ("Catégorie de partenaire", "partner_type"),
        ("Tipo de entidad", "partner_type"),
        ("Country (ISO code)", "country"),
        ("Pays", "country"),
        ("Country of registration", "country"),
        ("Région", "region"),
        ("Sub-region", "region"),
        ("Zone géographique", "region"),
        ("Registration No.", "registration_number"),
        ("N° d'enregistrement", "registration_number"),
        ("Número de registro", "registration_number"),
        ("Website", "website"),
        ("Site web", "website"),
        ("Página web", "website"),
        ("Adresse électronique", "email"),
        ("Correo electrónico de la organización", "email"),
        # Contacts.
        ("Focal point name", "contact_name"),
        ("Nom du point focal", "contact_name"),
        ("Persona de contacto", "contact_name"),
        ("Email (focal point)", "contact_email"),
        ("Email du point focal", "contact_email"),
        ("Correo de la persona de contacto", "contact_email"),
        ("Téléphone du point focal", "contact_phone"),
        ("Teléfono", "contact_phone"),
        ("Mobile", "contact_phone"),
        ("Phone number of focal point", "contact_phone"),
        # Partnership.
        ("Areas of engagement", "areas"),
        ("Thematic areas", "areas"),
        ("Sector(es)", "areas"),
        ("Domaines d'intervention", "areas"),
        ("Áreas", "areas"),
        ("Partnership ref", "partnership_ref"),
        ("Agreement No.", "partnership_ref"),
        ("N° de l'accord", "partnership_ref"),
        ("Partnership title", "partnership_title"),
        ("Project title", "partnership_title"),
        ("Intitulé du projet", "partnership_title"),
        ("Modality", "modality"),
        ("Form of cooperation", "modality"),
        ("Nature of the relationship", "modality"),
        ("Modalidad", "modality"),
        ("Partnership stage", "modality"),
        ("Role", "role"),
        ("Rôle du partenaire", "role"),
        ("Partner role (lead, implementing, donor)", "role"),
        # Dates and terms.
        ("Start date", "start_date"),
        ("StartDate", "start_date"),
        ("MoU start", "start_date"),
        ("Effective date", "start_date"),
        ("Commencement date", "start_date"),
        ("From", "start_date"),
        ("Date de début", "start_date"),
        ("Date d'entrée en vigueur", "start_date"),
        ("End date (dd/mm/yyyy)", "end_date"),
        ("Valid until", "end_date"),
        ("Expiry", "end_date"),
        ("Expiration date", "end_date"),
        ("Fecha de finalización", "end_date"),
        ("Vencimiento", "end_date"),
        ("Date d'échéance", "end_date"),
        ("Date signed", "signed_date"),
        ("Signature date", "signed_date"),
        ("Date de signature", "signed_date"),
        ("Fecha de firma", "signed_date"),
        ("Notice period (days)", "notice_period"),
        ("Préavis", "notice_period"),
        ("Plazo de preaviso", "notice_period"),
        # People here, and notes.
        ("Owner", "owner_email"),
        ("Project manager", "owner_email"),
        ("Responsible officer", "owner_email"),
        ("Gestionnaire", "owner_email"),
        ("Responsable", "owner_email"),
        ("Internal focal point", "owner_email"),
        ("Notes", "notes"),
        ("Comments", "notes"),
        ("Remarks", "notes"),
        ("Observations", "notes"),
        ("Comentarios", "notes"),
        # Typos.
        ("Organsation name", "organisation_name"),
        ("Countyr", "country"),
        ("Commencment date", "start_date"),
        ("enddate", "end_date"),
    ],
)
def test_headers_are_mapped_by_meaning(header, expected):
    assert field_of(header) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Type", "partner_type"),
        ("Category", "partner_type"),
        ("Partnership type", "modality"),
        ("Type of agreement", "modality"),
        ("Type of partnership", "modality"),
        ("Tipo de acuerdo", "modality"),
        ("Type d'accord", "modality"),
        ("Email", "email"),
        ("E-mail", "email"),
        ("Contact email", "contact_email"),
        ("E-mail of the focal point", "contact_email"),
        ("Courriel de la personne de contact", "contact_email"),
        ("Name", "organisation_name"),
        ("Partner", "organisation_name"),
        ("Contact name", "contact_name"),
        ("Focal point", "contact_name"),
        ("Contact", "contact_name"),
        ("Phone", "contact_phone"),
        ("Start", "start_date"),
        ("End", "end_date"),
        ("Status", "modality"),
        ("Geographic area", "region"),
    ],
)
def test_ambiguous_words_are_read_in_context(header, expected):
    assert field_of(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        "Budget (USD)",
        "Registration date",
        "Date of last update",
        "Country office",
        "Signatory",
        "Address",
        "Duration (months)",
        "No.",
        "Inventory of CSO partners — West Africa office, 2025",
        "",
    ],
)
def test_unrelated_headers_are_ignored(header):
    mapping = match_columns([header])
    assert mapping.columns == []
    assert mapping.ignored == ([header] if header else [])


def test_how_says_how_each_column_was_found():
    mapping = match_columns(["organisation_name", "Partner type", "Type de partenaire", "Pays d'intervention"])
    assert [(column.field, column.how) for column in mapping.columns] == [
        ("organisation_name", "exact"),
        ("partner_type", "exact"),
        ("country", "meaning"),
    ]
    assert match_columns(["Raison sociale"]).columns[0].how == "alias"


def test_normalised_words():
    assert header_words("Focal pt. E-mail (if any)") == ("focal", "point", "email")
    assert header_words("Nº de l'organización") == ("number", "organisacion")
    assert header_words("Sectores") == ("sector",)


def test_a_title_row_scores_nothing_and_a_header_row_scores_its_fields():
    assert header_score(["Inventory of CSO partners — West Africa office, 2025", None, None]) == 0
    assert header_score(["Please fill in one row per partnership. Dates as DD/MM/YYYY."]) == 0
    header = ["Raison sociale", "Type", "Pays", "Date de début", "Date de fin", "Commentaires"]
    assert header_score(header) == 6
    data = ["Association Espoir Rural", "NGO", "Kenya", "2025-01-01", "2027-12-31", "renewal pending", 12]
    assert header_score(data) == 0


def test_header_score_counts_distinct_fields_and_given_headers():
    assert header_score(["Name", "Organisation name", "Country"]) == 2
    assert header_score(["Qui", "Genre", "Pays"]) == 1
    assert header_score(["Qui", "Genre", "Pays"], {"QUI": "organisation_name", "Genre": "ignore"}) == 2


def test_each_field_is_taken_by_its_best_column_and_the_others_are_listed():
    mapping = match_columns(["Name", "Organisation name", "Country", "Type", "Budget (USD)"])
    assert mapping.by_index() == {1: "organisation_name", 2: "country", 3: "partner_type"}
    assert mapping.ignored == ["Name", "Budget (USD)"]
    assert mapping.missing == []
    assert mapping.describe() == [
        'column "Organisation name" → organisation name',
        'column "Country" → country',
        'column "Type" → partner type',
        'column "Name" ignored (organisation name comes from "Organisation name")',
        'column "Budget (USD)" ignored',
    ]


def test_equally_good_columns_go_to_the_first():
    mapping = match_columns(["Nom", "Nombre", "Pays", "Type"])
    assert mapping.by_index() == {0: "organisation_name", 2: "country", 3: "partner_type"}
    assert mapping.ignored == ["Nombre"]


def test_required_fields_that_are_missing_are_named():
    mapping = match_columns(["Name", "Budget"])
    assert mapping.missing == ["partner_type", "country"]
    assert [spec.name for spec in FIELDS.values() if spec.required] == ["organisation_name", "partner_type", "country"]


def test_given_mapping_overrides_and_ignores():
    headers = ["Raison sociale", "Genre", "Nation", "Nom", "Notes"]
    given = {"GENRE": "partner_type", "nation": "Country", "Nom": "ignore", "notes": "contact_name"}
    mapping = match_columns(headers, given)
    assert [(c.index, c.field, c.how) for c in mapping.columns] == [
        (0, "organisation_name", "alias"),
        (1, "partner_type", "given"),
        (2, "country", "given"),
        (4, "contact_name", "given"),
    ]
    assert mapping.ignored == ["Nom"]
    assert mapping.missing == []


def test_a_given_field_wins_over_a_guess_for_the_same_field():
    mapping = match_columns(["Name", "Nom complet", "Type", "Country"], {"Nom complet": "organisation_name"})
    assert mapping.by_index() == {1: "organisation_name", 2: "partner_type", 3: "country"}
    assert mapping.ignored == ["Name"]


def test_given_header_is_compared_without_case_accents_spaces_or_punctuation():
    mapping = match_columns(["Pays d'origine (ISO)"], {"pays  d\u2019ORÍGINE iso": "country"})
    assert mapping.columns == [ColumnMatch(0, "Pays d'origine (ISO)", "country", "given")]


def test_given_header_of_punctuation_alone_is_found_as_written():
    mapping = match_columns(["", "#", "Name"], {"#": "organisation_ref"})
    assert mapping.by_index() == {1: "organisation_ref", 2: "organisation_name"}


def test_unknown_field_in_the_given_mapping_is_named_with_the_valid_ones():
    with pytest.raises(MappingError) as raised:
        match_columns(["Name", "Nation"], {"Nation": "contry"})
    message = str(raised.value)
    assert 'unknown field "contry"' in message
    assert 'did you mean "country"' in message
    assert all(name in message for name in FIELDS)


def test_given_header_not_in_the_file_is_named_with_the_file_headers():
    with pytest.raises(MappingError) as raised:
        match_columns(["Name", "Type", "Nation"], {"Land": "country"})
    message = str(raised.value)
    assert '"Land"' in message and "not in the file" in message
    assert '"Name", "Type", "Nation"' in message


def test_one_field_given_to_two_columns_is_refused():
    with pytest.raises(MappingError, match="country twice"):
        match_columns(["Nation", "Land"], {"Nation": "country", "Land": "country"})


def test_missing_message_offers_the_closest_headers_and_the_option_that_fixes_it():
    headers = ["Organisation", "Type", "Nation", "Location", "Phone"]
    mapping = match_columns(headers)
    message = missing_message(mapping, headers)
    assert message.startswith('required column "country" not found; closest headers: "Nation" (')
    assert '"Location" (' in message
    assert '"Organisation"' not in message and '"Phone"' not in message  # surely mapped: not candidates
    assert message.endswith('if one of them is it, add --map "Nation=country"')


def test_missing_message_counts_weakly_mapped_columns_as_candidates():
    headers = ["Name", "Contry office", "Categorie du partenair"]
    mapping = match_columns(headers)
    assert mapping.by_index() == {0: "organisation_name", 2: "partner_type"}
    message = missing_message(mapping, headers)
    assert 'closest headers: "Contry office" (' in message
    assert '--map "Contry office=country"' in message


def test_missing_message_without_candidates_and_for_several_fields():
    headers = ["Foo", "Bar"]
    lines = missing_message(match_columns(headers), headers).splitlines()
    assert len(lines) == 3
    assert lines[0].startswith('required column "organisation name" not found')
    assert lines[2] == (
        'required column "country" not found and no header of the file resembles it; '
        'add the column, or name it: add --map "<header>=country"'
    )
    assert missing_message(match_columns(["Name", "Type", "Country"]), ["Name", "Type", "Country"]) == ""


def test_save_and_load_round_trip_in_file_order(tmp_path):
    headers = ["Budget (USD)", "Raison sociale", "Genre", "Pays", "", "Catégorie"]
    mapping = match_columns(headers, {"Genre": "partner_type"})
    assert mapping.as_saved() == {
        "Budget (USD)": "ignore",
        "Raison sociale": "organisation_name",
        "Genre": "partner_type",
        "Pays": "country",
        "Catégorie": "ignore",
    }
    path = tmp_path / "mapping.json"
    save_mapping(path, mapping)
    text = path.read_text(encoding="utf-8")
    assert '"Catégorie": "ignore"' in text and '\n  "Raison sociale"' in text
    assert list(json.loads(text)) == ["Budget (USD)", "Raison sociale", "Genre", "Pays", "Catégorie"]
    loaded = load_mapping(path)
    assert loaded == mapping.as_saved()
    again = match_columns(headers, loaded)
    assert again.by_index() == mapping.by_index()
    assert all(column.how == "given" for column in again.columns)


def test_as_saved_without_the_header_row_keeps_mapped_then_ignored():
    mapping = HeaderMapping([ColumnMatch(1, "Pays", "country", "alias")], ["Budget"], [])
    assert mapping.as_saved() == {"Pays": "country", "Budget": "ignore"}
    assert mapping.by_index() == {1: "country"}


def test_load_mapping_accepts_labels_for_fields(tmp_path):
    path = tmp_path / "mapping.json"
    path.write_text('{"Raison sociale": "Organisation name", "Genre": "IGNORE"}', encoding="utf-8")
    assert load_mapping(path) == {"Raison sociale": "organisation_name", "Genre": "ignore"}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not valid JSON"),
        ('["Raison sociale", "organisation_name"]', "must hold one JSON object"),
        ('{"Raison sociale": 3}', '"Raison sociale" must name a field as text'),
        ('{"Raison sociale": "legal_name"}', 'unknown field "legal_name"'),
    ],
)
def test_load_mapping_refuses_bad_files_clearly(tmp_path, content, message):
    path = tmp_path / "mapping.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(MappingError, match=message):
        load_mapping(path)


def test_load_mapping_of_a_missing_file(tmp_path):
    with pytest.raises(MappingError, match="cannot read the mapping file"):
        load_mapping(tmp_path / "absent.json")


def test_every_alias_and_label_names_its_own_field():
    for spec in FIELDS.values():
        for text in (spec.name, spec.label, *spec.aliases):
            assert field_of(text) == spec.name, text


def test_the_contact_persons_block_keeps_its_phone_and_e_mail_together():
    """ "Focal Person | Contact No. | Email Address": the number and the address are the person's."""
    headers = ["Name", "Country", "Type", "Focal Person", "Contact No.", "Email Address"]
    fields = match_columns(headers).by_index()
    assert [fields[3], fields[4], fields[5]] == ["contact_name", "contact_phone", "contact_email"]
    french = match_columns(["Partenaire", "Pays", "Catégorie", "Référent", "Mél"]).by_index()
    assert french[4] == "contact_email"


def test_a_legal_status_is_not_a_modality():
    assert "Statut juridique" in match_columns(["Nom", "Pays", "Type", "Statut juridique"]).ignored
