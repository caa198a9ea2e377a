"""Drafting end to end: facts → template → immutable version → DOCX/PDF read back, redline, approval by hash."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import docx
import pytest
from pypdf import PdfReader

from app import clock
from app.agreements.models import AgreementKind
from app.config import get_settings
from app.drafting.outputs import to_docx
from app.drafting.service import DOCX_MEDIA_TYPE
from app.organisations.models import Contact
from app.users.models import Role
from tests.builders import (
    advance,
    assert_problem,
    cast,
    draft_agreement,
    formalising_partnership,
    organisation,
    partnership,
)

API = "/api/v1"


def _today():
    return clock.today(get_settings().zone)


@pytest.fixture
def drafted(session, make_user, auth):
    """A draft MOU whose facts are complete: purpose, focal points with emails, obligations, term."""
    people = cast(make_user)
    owner = formalising_partnership(session, people)
    owner.objectives = "to protect migrants' rights & <health> in border areas"
    owner.handles_personal_data = True
    owner.parties[0].organisation.legal_name = "Ассоциация «Мигрант»"
    for party in owner.parties:
        session.get(Contact, party.focal_point_id).email = f"focal{party.id}@example.org"
    session.commit()
    agreement = draft_agreement(session, people, owner, notice=60)
    return people, agreement, auth(user=people.manager)[1], auth(user=people.lawyer)[1]


def _generate(client, agreement_id, headers, **body):
    return client.post(f"{API}/agreements/{agreement_id}/versions/generate", json=body, headers=headers)


def test_preflight_lists_what_is_missing_in_plain_words(client, session, make_user, auth):
    people = cast(make_user)
    agreement = draft_agreement(session, people)  # the partnership has no objectives
    agreement.end_date = None
    session.commit()
    _, headers = auth(user=people.manager)
    report = client.get(f"{API}/agreements/{agreement.id}/preflight", headers=headers).json()
    assert report["ready"] is False and report["template"] == "mou"
    reasons = {problem["reason"] for problem in report["problems"]}
    assert {"the purpose of the partnership is missing", "the end date of the agreement is missing"} <= reasons
    refused = _generate(client, agreement.id, headers)
    assert_problem(refused, 422, "purpose", "end_date")
    assert (
        len(client.get(f"{API}/agreements/{agreement.id}/versions", headers=headers).json()["items"]) == 1
    )  # unchanged


def test_a_generated_mou_reads_back_from_docx_and_pdf(client, session, drafted):
    _, agreement, manager, _ = drafted
    created = _generate(client, agreement.id, manager)
    assert created.status_code == 201, created.text
    version = created.json()
    assert (version["number"], version["template_key"], version["template_version"]) == (2, "mou", "1.0")
    assert "## 1. " in version["body"] and "Ассоциация «Мигрант»" in version["body"]
    reference = agreement.partnership.reference
    url = f"{API}/agreements/{agreement.id}/versions/2/document"

    word = client.get(url, params={"format": "docx"}, headers=manager)
    assert word.headers["content-type"] == DOCX_MEDIA_TYPE
    document = docx.Document(io.BytesIO(word.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings[0].startswith("1. ") and any("Data protection" in h for h in headings)
    cells = {cell.text for table in document.tables for row in table.rows for cell in row.cells}
    partners = {party.organisation.legal_name for party in agreement.partnership.parties}
    assert partners <= cells and get_settings().organisation_name in cells
    header = " ".join(p.text for p in document.sections[0].header.paragraphs)
    assert reference in header and "version 2" in header and "DRAFT" in header

    pdf = client.get(url, params={"format": "pdf"}, headers=manager)
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert reference in text and "Ассоциация «Мигрант»" in text and "DRAFT" in text
    assert len(reader.pages) >= 2 and "Page 1 of" in text

    html = client.get(url, headers=manager)
    assert html.headers["content-type"].startswith("text/html")
    assert "protect migrants&#x27; rights &amp; &lt;health&gt;" in html.text


def test_hash_follows_the_text_and_approval_binds_to_it(client, session, drafted):
    _people, agreement, manager, lawyer = drafted
    first = _generate(client, agreement.id, manager).json()
    same = _generate(client, agreement.id, manager).json()
    assert same["sha256"] == first["sha256"] and same["number"] == first["number"] + 1  # same text, same hash
    patch = {"end_date": (agreement.end_date + timedelta(days=31)).isoformat()}
    assert client.patch(f"{API}/agreements/{agreement.id}", json=patch, headers=manager).status_code == 200

    url = f"{API}/agreements/{agreement.id}/transitions"
    stale = client.post(f"{url}/submit_for_review", json={}, headers=manager)
    reasons = [e["reason"] for e in assert_problem(stale, 409, "trigger")["errors"]]
    assert any("the end date changed after version" in reason for reason in reasons)

    fresh = _generate(client, agreement.id, manager).json()
    assert fresh["sha256"] != first["sha256"]
    assert client.post(f"{url}/submit_for_review", json={}, headers=manager).status_code == 200
    older = client.post(f"{url}/approve", json={"payload": {"version_sha256": first["sha256"]}}, headers=lawyer)
    assert_problem(older, 409, "trigger")
    approved = client.post(f"{url}/approve", json={"payload": {"version_sha256": fresh["sha256"]}}, headers=lawyer)
    assert approved.json()["approved_version_number"] == fresh["number"]

    document = f"{API}/agreements/{agreement.id}/versions/{{}}/document"
    final = PdfReader(io.BytesIO(client.get(document.format(fresh["number"]), params={"format": "pdf"},
                                            headers=manager).content))  # fmt: skip
    earlier = PdfReader(io.BytesIO(client.get(document.format(first["number"]), params={"format": "pdf"},
                                              headers=manager).content))  # fmt: skip
    assert "DRAFT" not in "".join(page.extract_text() for page in final.pages)
    assert "DRAFT" in "".join(page.extract_text() for page in earlier.pages)


def test_a_hand_edited_docx_becomes_a_version_and_shows_in_a_redline(client, session, drafted):
    _people, agreement, manager, lawyer = drafted
    generated = _generate(client, agreement.id, manager).json()
    edited = generated["body"].replace("## 1. ", "## 1. Revised ", 1) + "\nA new closing sentence & <note>.\n"
    file = to_docx(edited, reference="X", version_label="edited")
    files = {"file": ("edited by legal.docx", file, DOCX_MEDIA_TYPE)}
    assert_problem(client.post(f"{API}/agreements/{agreement.id}/versions/upload", files=files, headers=manager), 403)
    uploaded = client.post(f"{API}/agreements/{agreement.id}/versions/upload", files=files, headers=lawyer)
    assert uploaded.status_code == 201, uploaded.text
    number = uploaded.json()["number"]
    assert "A new closing sentence & <note>." in uploaded.json()["body"]
    download = client.get(f"{API}/agreements/{agreement.id}/versions/{number}/document", params={"format": "docx"},
                          headers=manager)  # fmt: skip
    assert download.content == file
    assert uploaded.json()["sha256"] == hashlib.sha256(file).hexdigest()

    base = f"{API}/agreements/{agreement.id}/versions/{generated['number']}/diff/{number}"
    redline = client.get(base, headers=manager)
    assert "<ins>" in redline.text and "&amp; &lt;note&gt;" in redline.text
    unified = client.get(base, params={"format": "unified"}, headers=manager).text
    assert unified.startswith(f"--- version {generated['number']}") and "+A new closing sentence & <note>." in unified

    garbage = {"file": ("x.docx", b"PK\x03\x04 not really a zip", DOCX_MEDIA_TYPE)}
    assert_problem(client.post(f"{API}/agreements/{agreement.id}/versions/upload", files=garbage, headers=lawyer),
                   422, "file")  # fmt: skip


def test_a_custom_template_is_checked_then_used(client, session, drafted, auth):
    _, agreement, manager, lawyer = drafted
    template = {
        "title": "House MOU",
        "version": "2.0",
        "kinds": ["mou"],
        "variables": [
            {"name": "reference", "type": "text", "required": True, "description": "the reference"},
            {"name": "partners", "type": "parties", "required": True, "description": "the partners"},
        ],
        "source": "# House MOU\nReference: {{ reference }}\n\n## 1. Parties\n\n"
        "{% for p in partners %}- {{ p.legal_name | inline }}\n{% endfor %}",
    }
    assert_problem(client.put(f"{API}/templates/mou/en", json=template, headers=manager), 403)
    injected = {**template, "source": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}
    assert_problem(client.put(f"{API}/templates/mou/en", json=injected, headers=lawyer), 422, "source")
    saved = client.put(f"{API}/templates/mou/en", json=template, headers=lawyer)
    assert saved.status_code == 200 and saved.json()["custom"] is True and saved.headers["ETag"] == '"1"'
    listed = {t["key"]: t for t in client.get(f"{API}/templates", headers=manager).json()["items"]}
    assert listed["mou"]["version"] == "2.0" and "termination_notice" in listed

    version = _generate(client, agreement.id, manager).json()
    assert version["body"].startswith("# House MOU") and version["template_version"] == "2.0"
    french = _generate(client, agreement.id, manager, language="fr").json()
    assert french["template_version"] == "1.0" and french["language"] == "fr"  # the shipped French one


def test_a_note_for_the_file_is_previewed_without_being_stored(client, session, make_user, auth):
    manager, headers = auth(Role.PROJECT_MANAGER)
    created = partnership(session, manager, organisation(session, "Kituo Cha Sheria"))
    body = {
        "template": "ad_hoc_note",
        "format": "docx",
        "variables": {"interaction_date": "2026-01-20", "event": "Workshop", "summary": "Met", "areas": ["Health"]},
    }
    response = client.post(f"{API}/partnerships/{created.id}/drafts", json=body, headers=headers)
    assert response.status_code == 200, response.text
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(response.content)).paragraphs)
    assert "Kituo Cha Sheria" in text and "Workshop" in text


def test_an_amendment_takes_its_parents_facts(client, session, drafted):
    people, mou, manager, _lawyer = drafted
    for step in ("submit_for_review", "approve", "record_signatures", "activate"):
        advance(session, mou, step, people)
    amendment = draft_agreement(session, people, mou.partnership, kind=AgreementKind.AMENDMENT, parent=mou)
    report = client.get(f"{API}/agreements/{amendment.id}/preflight", headers=manager).json()
    assert report["template"] == "amendment"
    assert [p["field"] for p in report["problems"]] == ["amendments"]
    created = _generate(client, amendment.id, manager, variables={"amendments": ["Clause 5 changes."]})
    assert created.status_code == 201, created.text
    assert mou.title in created.json()["body"] and "Clause 5 changes." in created.json()["body"]
