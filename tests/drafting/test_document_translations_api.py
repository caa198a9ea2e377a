"""Bilingual versions and courtesy translations through the API: stored, hashed, marked, bound to the signed hash,
refused with a reason, and never touching the agreement's state or its signed version."""

from __future__ import annotations

import hashlib
import io

import docx
import pytest
from pypdf import PdfReader

from app.agreements.models import Agreement
from app.drafting.labels import LANGUAGE_BREAK
from app.organisations.models import Contact
from app.users.models import Role
from tests.builders import assert_problem, cast, draft_agreement, formalising_partnership, signatures_for

API = "/api/v1"


@pytest.fixture
def drafted(session, make_user, auth):
    """A draft MOU with complete facts, its partners in Kenya and France, signed in English and French."""
    people = cast(make_user)
    owner = formalising_partnership(session, people)
    owner.objectives = "to protect migrants' rights in border areas"
    for party, code in zip(owner.parties, ("KE", "FR"), strict=True):
        party.organisation.country_code = code
        session.get(Contact, party.focal_point_id).email = f"focal{party.id}@example.org"
    session.commit()
    agreement = draft_agreement(session, people, owner, notice=60)
    agreement.languages = ["en", "fr"]
    session.commit()
    return people, agreement, auth(user=people.manager)[1], auth(user=people.lawyer)[1]


def _generate(client, agreement_id, headers, **body):
    return client.post(f"{API}/agreements/{agreement_id}/versions/generate", json=body, headers=headers)


def _document(client, agreement_id, number, fmt, headers):
    response = client.get(f"{API}/agreements/{agreement_id}/versions/{number}/document", params={"format": fmt},
                          headers=headers)  # fmt: skip
    assert response.status_code == 200, response.text
    return response.content


def _signed(client, session, drafted, **generate):
    """Generate, submit, approve and sign a version; its JSON."""
    _people, agreement, manager, lawyer = drafted
    version = _generate(client, agreement.id, manager, **generate)
    assert version.status_code == 201, version.text
    url = f"{API}/agreements/{agreement.id}/transitions"
    assert client.post(f"{url}/submit_for_review", json={}, headers=manager).status_code == 200
    payload = {"version_sha256": version.json()["sha256"]}
    assert client.post(f"{url}/approve", json={"payload": payload}, headers=lawyer).status_code == 200
    session.refresh(agreement)
    signed = client.post(f"{url}/record_signatures", json={"payload": {"signatures": signatures_for(agreement)}},
                         headers=lawyer)  # fmt: skip
    assert signed.status_code == 200, signed.text
    return version.json()


def _translate(client, agreement_id, number, headers, language):
    url = f"{API}/agreements/{agreement_id}/versions/{number}/translations"
    return client.post(url, json={"language": language}, headers=headers)


def test_a_bilingual_version_holds_both_texts_and_renders_them_one_after_the_other(client, session, drafted):
    _people, agreement, manager, _lawyer = drafted
    created = _generate(client, agreement.id, manager, bilingual=True)
    assert created.status_code == 201, created.text
    version = created.json()
    assert version["language"] == "en+fr"
    body = version["body"]
    assert body.startswith("# Memorandum of Understanding") and LANGUAGE_BREAK.format(language="fr") in body
    assert body.index("Memorandum of Understanding") < body.index("# Mémorandum d'accord")
    assert version["sha256"] == hashlib.sha256(body.encode("utf-8")).hexdigest()
    assert "Kenya" in body and "France" in body and "Responsable du partenariat" in body

    word = docx.Document(io.BytesIO(_document(client, agreement.id, version["number"], "docx", manager)))
    paragraphs = [p.text for p in word.paragraphs]
    assert "Memorandum of Understanding" in paragraphs and "Mémorandum d'accord" in paragraphs
    headers = [[cell.text for cell in table.rows[0].cells] for table in word.tables]
    assert ["Party", "Name", "Title", "Date", "Signature"] in headers
    assert ["Partie", "Nom", "Fonction", "Date", "Signature"] in headers
    footer = word.sections[0].footer.paragraphs[0].text
    assert "of" in footer and "sur" in footer
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(_document(client, agreement.id, version["number"],
                                                                        "pdf", manager))).pages]  # fmt: skip
    french = next(index for index, text in enumerate(pages) if "Mémorandum d'accord" in text)
    assert french > 0 and "DRAFT / PROJET" in pages[french]
    same = _generate(client, agreement.id, manager, language="en+fr").json()
    assert same["language"] == "en+fr" and same["sha256"] == version["sha256"]


def test_bilingual_requests_that_cannot_be_honoured_are_422(client, session, drafted):
    _people, agreement, manager, _lawyer = drafted
    assert_problem(_generate(client, agreement.id, manager, language="en+en"), 422, "language")
    assert_problem(_generate(client, agreement.id, manager, language="fr+de"), 422, "language")
    assert_problem(_generate(client, agreement.id, manager, language="en+fr+es"), 422, "language")
    agreement.languages = ["fr"]
    session.commit()
    assert_problem(_generate(client, agreement.id, manager, bilingual=True), 422, "bilingual")
    versions = client.get(f"{API}/agreements/{agreement.id}/versions", headers=manager).json()["items"]
    assert len(versions) == 1  # nothing stored


def test_a_courtesy_translation_is_bound_to_the_signed_hash_and_marked_not_binding(client, session, drafted):
    _people, agreement, manager, _lawyer = drafted
    signed = _signed(client, session, drafted)
    session.refresh(agreement)
    before = (agreement.status, agreement.approved_version_number, agreement.approved_sha256, agreement.version)
    response = _translate(client, agreement.id, signed["number"], manager, "fr")
    assert response.status_code == 201, response.text
    translation = response.json()
    assert response.headers["Location"].endswith(f"/versions/{translation['number']}")
    assert translation["courtesy_of_sha256"] == signed["sha256"] and translation["language"] == "fr"
    assert translation["number"] == signed["number"] + 1 and translation["template_key"] == "mou"
    body = translation["body"]
    assert body.startswith("# Mémorandum d'accord")
    assert "Traduction de courtoisie — sans valeur contractuelle" in body and signed["sha256"] in body
    assert f"version {signed['number']} (anglais)" in body
    assert translation["sha256"] == hashlib.sha256(body.encode("utf-8")).hexdigest() != signed["sha256"]

    session.expire_all()
    agreement = session.get(Agreement, agreement.id)
    assert (agreement.status, agreement.approved_version_number, agreement.approved_sha256) == before[:3]
    assert agreement.latest_version.number == signed["number"]  # the binding text stays the latest one
    assert {s.document_sha256 for s in agreement.signatures} == {signed["sha256"]}

    content = _document(client, agreement.id, translation["number"], "pdf", manager)
    pdf = "".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Traduction de courtoisie — sans valeur contractuelle" in pdf and "PROJET" not in pdf
    assert "Page 1 sur" in pdf and "DRAFT" not in pdf
    word = docx.Document(io.BytesIO(_document(client, agreement.id, translation["number"], "docx", manager)))
    assert "Traduction de courtoisie" in word.sections[0].header.paragraphs[0].text
    html = _document(client, agreement.id, translation["number"], "html", manager).decode()
    assert '<html lang="fr">' in html and 'class="watermark"' not in html

    spanish = _translate(client, agreement.id, signed["number"], manager, "es").json()
    assert spanish["courtesy_of_sha256"] == signed["sha256"] and "Traducción de cortesía" in spanish["body"]
    assert spanish["number"] == translation["number"] + 1


def test_courtesy_translations_are_refused_with_a_reason(client, session, drafted, auth):
    _people, agreement, manager, lawyer = drafted
    early = _translate(client, agreement.id, 1, manager, "fr")
    assert "no signed version" in assert_problem(early, 409)["detail"]
    signed = _signed(client, session, drafted)
    assert_problem(_translate(client, agreement.id, signed["number"], manager, "en"), 422, "language")
    assert_problem(_translate(client, agreement.id, signed["number"], manager, "de"), 422)
    other = _translate(client, agreement.id, 1, lawyer, "fr")
    assert f"the signed text is version {signed['number']}" in assert_problem(other, 409)["detail"]
    _viewer, viewer = auth(Role.VIEWER)
    assert _translate(client, agreement.id, signed["number"], viewer, "fr").status_code == 403
    assert _translate(client, agreement.id, 999, manager, "fr").status_code == 404
    translated = _translate(client, agreement.id, signed["number"], lawyer, "fr").json()
    again = _translate(client, agreement.id, translated["number"], manager, "es")
    assert_problem(again, 409)  # a translation is not the signed text
    versions = client.get(f"{API}/agreements/{agreement.id}/versions", headers=manager).json()["items"]
    assert [v["courtesy_of_sha256"] for v in versions][-1] == signed["sha256"]
    assert sum(1 for v in versions if v["courtesy_of_sha256"]) == 1


def test_a_signed_bilingual_version_translates_into_the_third_language_only(client, session, drafted):
    _people, agreement, manager, _lawyer = drafted
    signed = _signed(client, session, drafted, bilingual=True)
    assert_problem(_translate(client, agreement.id, signed["number"], manager, "fr"), 422, "language")
    spanish = _translate(client, agreement.id, signed["number"], manager, "es")
    assert spanish.status_code == 201, spanish.text
    assert "(inglés / francés)" in spanish.json()["body"] and LANGUAGE_BREAK[:10] not in spanish.json()["body"]
