"""Reading signed copies: the file's kind by its bytes, its text, and the facts proposed from it with their snippets."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from app.agreements import extraction
from app.agreements.proposals import KnownOrganisation, add_months, find_notice, propose
from app.errors import ValidationFailed
from app.uploads import document_upload_bytes
from tests.agreements.signed_copies import (
    FRENCH_PARTNER,
    PARTNER,
    SIGNER,
    docx_file,
    english_mou,
    french_mou,
    pdf_file,
)

ME = KnownOrganisation(None, "The Organisation", is_self=True)


def _known(*names: str) -> list[KnownOrganisation]:
    return [ME, *(KnownOrganisation(index + 1, name, party_id=index + 11) for index, name in enumerate(names))]


def test_an_english_docx_proposes_its_parties_term_and_notice_with_snippets():
    read = extraction.extract(docx_file(english_mou(date(2023, 3, 1))))
    assert (read.media_type, read.method) == (extraction.DOCX_MEDIA_TYPE, "python-docx")
    assert extraction.language_of(read.text) == "en"
    proposals = propose(read.text, [*_known(PARTNER), KnownOrganisation(99, "Unrelated Body")])

    assert proposals.title.value == "Memorandum of understanding"
    assert proposals.kind.value == "mou"
    assert proposals.effective_date.value == date(2023, 3, 1)
    assert "shall enter into force on 1 March 2023" in proposals.effective_date.snippet
    assert proposals.term.value == 36 and "for a period of three (3) years" in proposals.term.snippet
    assert proposals.end_date.value == date(2026, 2, 28)  # three years from 1 March 2023, to the day before
    assert "three (3) years" in proposals.end_date.snippet and "anniversary" in proposals.end_date.basis
    assert proposals.notice_period_days.value == 60
    assert "sixty (60) days' written notice" in proposals.notice_period_days.snippet

    by_name = {found.organisation_name: found for found in proposals.parties}
    assert by_name[PARTNER].party_id == 11 and PARTNER in by_name[PARTNER].snippet
    assert by_name["The Organisation"].is_self
    assert "Unrelated Body" not in by_name
    (block,) = [s for s in proposals.signatories if s.party_id == 11]
    assert (block.name, block.title, block.signed_on) == (SIGNER, "Executive Director", date(2023, 2, 15))
    assert [d.value for d in proposals.signature_dates] == [date(2023, 2, 15), date(2023, 2, 15)]


def test_a_french_docx_reads_entree_en_vigueur_duree_and_preavis_in_months():
    read = extraction.extract(docx_file(french_mou(date(2023, 3, 1))))
    assert extraction.language_of(read.text) == "fr"
    proposals = propose(read.text, _known(FRENCH_PARTNER))
    assert proposals.effective_date.value == date(2023, 3, 1) and "1er mars 2023" in proposals.effective_date.snippet
    assert proposals.end_date.value == date(2025, 2, 28) and proposals.term.value == 24
    assert proposals.notice_period_days.value == 90 and "préavis de trois mois" in proposals.notice_period_days.snippet
    assert any(found.party_id == 11 for found in proposals.parties)
    assert any(s.party_id == 11 and s.name == "Amel Ben Salah" for s in proposals.signatories)


def test_spanish_wording_and_a_fuzzy_name_match():
    text = (
        "CONVENIO DE COLABORACIÓN\nentre The Organisation y la Fundacion Esperanza para los Migrantes\n"
        "El presente Convenio entrará en vigor el 1 de marzo de 2023 y estará vigente hasta el 28 de febrero de 2026.\n"
        "Cualquiera de las partes podrá darlo por terminado con un preaviso de 30 días.\n"
        "Firmado en Bogotá el 20 de febrero de 2023."
    )
    proposals = propose(text, _known("Fundación Esperanza para los Migrantes"))
    assert (proposals.effective_date.value, proposals.end_date.value) == (date(2023, 3, 1), date(2026, 2, 28))
    assert "hasta" in proposals.end_date.basis and proposals.term is None
    notice = proposals.notice_period_days
    assert notice.value == 30 and "con un preaviso de 30 días" in notice.snippet
    assert [d.value for d in proposals.signature_dates] == [date(2023, 2, 20)]
    matched = [found for found in proposals.parties if found.party_id == 11]
    assert matched and matched[0].score >= 90  # "Fundacion" without its accent still matches


@pytest.mark.parametrize(
    ("words", "days"),
    [
        ("by giving sixty (60) days' written notice", 60),
        ("upon three months' prior written notice", 90),
        ("moyennant un préavis de trois mois", 90),
        ("avec un préavis écrit de quarante-cinq (45) jours", 45),
        ("con un preaviso de 30 días", 30),
        ("notificando por escrito con dos meses de antelación", 60),
        ("at least one month's notice", 30),
    ],
)
def test_notice_periods_in_three_languages(words, days):
    assert find_notice(f"Either party may terminate this agreement {words} to the other.").value == days


def test_a_pdf_made_from_html_is_read_with_pypdf():
    read = extraction.extract(pdf_file(english_mou(date(2024, 5, 2))))
    assert (read.media_type, read.method, read.pages) == (extraction.PDF_MEDIA_TYPE, "pypdf", 1)
    proposals = propose(read.text, _known(PARTNER))
    assert proposals.effective_date.value == date(2024, 5, 2) and proposals.notice_period_days.value == 60
    assert proposals.title.value == "Memorandum of understanding"
    # Each organisation once, matched; no pieces of names or headings offered as unknown organisations.
    assert sorted((found.party_id or 0, found.is_self) for found in proposals.parties) == [(0, True), (11, False)]


def test_a_name_wrapped_over_two_lines_is_one_organisation():
    text = (
        "MEMORANDUM OF\nUNDERSTANDING\nbetween The Organisation and the South American Regional Forum\n"
        "on Migrant Dignity, a regional body\nArticle 1. Purpose\nThe Parties agree to cooperate."
    )
    proposals = propose(text, _known("South American Regional Forum on Migrant Dignity"))
    assert proposals.title.value == "Memorandum of understanding"
    assert sorted((found.party_id or 0, found.is_self) for found in proposals.parties) == [(0, True), (11, False)]
    assert [found.name_in_text for found in proposals.parties if found.party_id == 11] == [
        "South American Regional Forum on Migrant Dignity"
    ]


def test_text_without_facts_proposes_nothing_rather_than_guessing():
    proposals = propose("A letter about a meeting next week.", _known(PARTNER))
    assert proposals.effective_date is None and proposals.end_date is None and proposals.notice_period_days is None
    assert proposals.parties == [] and proposals.signatories == []


def test_months_are_added_to_the_last_day_of_short_months():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 3, 1), 36) == date(2026, 3, 1)


def _refusal(content: bytes) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as caught:
        extraction.extract(content)
    return caught.value


def test_files_are_judged_by_their_bytes_not_their_names():
    text_file = _refusal(b"Memorandum of understanding, plain text")
    assert text_file.status == 415 and text_file.problems[0].field == "file"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("notes.txt", "not a Word document")
    assert _refusal(archive.getvalue()).status == 415
    damaged_pdf = _refusal(b"%PDF-1.7\n1 0 obj <<>> garbage without any structure")
    assert damaged_pdf.status == 422 and "readable PDF" in damaged_pdf.problems[0].reason
    damaged_docx = _refusal(b"PK\x03\x04" + b"\x00" * 200)
    assert damaged_docx.status == 422 and damaged_docx.problems[0].field == "file"
    assert _refusal(b"").problems[0].reason == "is empty"
    too_big = _refusal(b"%PDF-" + b"0" * document_upload_bytes())
    assert too_big.status == 422 and "larger than 10 MB" in too_big.problems[0].reason
