"""The per-party signing API, the withdrawal API, and the signed PDF sealed with pyHanko (verified, tampering seen)."""

from __future__ import annotations

import io

import pytest
from pydantic import SecretStr
from pypdf import PdfReader

from app import clock
from app.agreements import seal
from app.agreements.rules import signing_parties
from app.config import get_settings
from app.users.models import Role
from tests.builders import advance, assert_problem, cast, draft_agreement

PASSWORD = "correct horse"


@pytest.fixture
def people(make_user):
    return cast(make_user)


@pytest.fixture
def seal_certificate(tmp_path, monkeypatch):
    path = tmp_path / "seal.p12"
    seal.make_certificate(path, PASSWORD, "Test Organisation Seal")
    monkeypatch.setattr(get_settings(), "seal_pkcs12_path", str(path))
    monkeypatch.setattr(get_settings(), "seal_pkcs12_password", SecretStr(PASSWORD))
    return path


def _approved(session, people):
    agreement = draft_agreement(session, people)
    for trigger in ("submit_for_review", "approve"):
        advance(session, agreement, trigger, people)
    session.commit()
    return agreement


def _validate(content, trust_root):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    embedded = PdfFileReader(io.BytesIO(content), strict=False).embedded_signatures
    assert len(embedded) == 1
    context = ValidationContext(trust_roots=[trust_root], allow_fetching=False)
    return validate_pdf_signature(embedded[0], context)


def _sign_all_by_api(client, session, agreement, headers):
    today = clock.today(get_settings().zone).isoformat()
    sha = agreement.approved_sha256
    status = client.get(f"/api/v1/agreements/{agreement.id}/signing", headers=headers).json()
    assert status["awaited"] == ["organisation", *(str(p.id) for p in signing_parties(agreement))]
    assert status["version_sha256"] == sha
    first, second = signing_parties(agreement)
    stale = client.post(
        f"/api/v1/agreements/{agreement.id}/signing/{first.id}/electronic",
        json={"typed_name": "A", "signatory_title": "B", "consent_text": "I agree", "version_sha256": "a" * 64},
        headers=headers,
    )
    assert_problem(stale, 422, "version_sha256")
    electronic = client.post(
        f"/api/v1/agreements/{agreement.id}/signing/{first.id}/electronic",
        json={"typed_name": "Amina", "signatory_title": "Director", "consent_text": "I agree", "version_sha256": sha},
        headers=headers,
    )
    assert electronic.status_code == 201, electronic.text
    assert electronic.json()["method"] == "electronic"
    wet = client.post(
        f"/api/v1/agreements/{agreement.id}/signing/organisation/wet-ink",
        data={"signatory_name": "DG", "signatory_title": "Director General", "signed_on": today, "version_sha256": sha},
        files={"file": ("dg.png", b"\x89PNG\r\n\x1a\n" + b"0" * 32, "image/png")},
        headers=headers,
    )
    assert wet.status_code == 201, wet.text
    assert wet.json()["scan_sha256"] and wet.json()["method"] == "wet_ink"
    bad = client.post(
        f"/api/v1/agreements/{agreement.id}/signing/{second.id}/wet-ink",
        data={"signatory_name": "X", "signatory_title": "Y", "signed_on": today, "version_sha256": sha},
        files={"file": ("x.txt", b"hello", "text/plain")},
        headers=headers,
    )
    assert_problem(bad, 422, "file")
    last = client.post(
        f"/api/v1/agreements/{agreement.id}/signing/{second.id}/electronic",
        json={"typed_name": "Jo", "signatory_title": "Chair", "consent_text": "I agree", "version_sha256": sha},
        headers=headers,
    )
    assert last.status_code == 201, last.text
    session.expire_all()
    assert agreement.status == "active"


def test_parties_sign_by_api_and_the_signed_pdf_is_sealed_and_verified(client, session, people, auth, seal_certificate):
    agreement = _approved(session, people)
    _, headers = auth(user=people.second_lawyer)
    _, viewer = auth(Role.VIEWER)
    refused = client.post(
        f"/api/v1/agreements/{agreement.id}/signing/organisation/electronic",
        json={"typed_name": "A", "signatory_title": "B", "consent_text": "I agree",
              "version_sha256": agreement.approved_sha256},
        headers=viewer,
    )  # fmt: skip
    assert_problem(refused, 403)
    _sign_all_by_api(client, session, agreement, headers)

    response = client.get(f"/api/v1/agreements/{agreement.id}/signed.pdf", headers=viewer)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    content = response.content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Amina" in text and "Sealed with the certificate" in text
    root = seal.certificate_of(seal_certificate, PASSWORD)
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    status = _validate(content, root)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.signing_cert.dump() == root.dump()

    # One byte changed inside the signed range: the seal no longer holds.
    where = content.index(b"stream", len(content) // 4) + 20
    tampered = content[:where] + bytes([content[where] ^ 0x01]) + content[where + 1 :]
    broken = _validate(tampered, root)
    assert not (broken.intact and broken.valid)


def test_without_a_certificate_the_pdf_is_unsealed_and_says_so(client, session, people, auth, monkeypatch):
    monkeypatch.setattr(get_settings(), "seal_pkcs12_path", None)
    agreement = _approved(session, people)
    _, headers = auth(user=people.second_lawyer)
    early = client.get(f"/api/v1/agreements/{agreement.id}/signed.pdf", headers=headers)
    assert_problem(early, 409)
    _sign_all_by_api(client, session, agreement, headers)
    content = client.get(f"/api/v1/agreements/{agreement.id}/signed.pdf", headers=headers).content
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "Not sealed" in text
    from pyhanko.pdf_utils.reader import PdfFileReader

    assert PdfFileReader(io.BytesIO(content), strict=False).embedded_signatures == []


def test_a_party_withdraws_by_api_with_the_effective_date_computed(client, session, people, auth):
    agreement = draft_agreement(session, people, notice=45)
    for trigger in ("submit_for_review", "approve", "record_signatures"):
        advance(session, agreement, trigger, people)
    session.commit()
    party = signing_parties(agreement)[0]
    _, headers = auth(user=people.lawyer)
    _, manager = auth(user=people.manager)
    url = f"/api/v1/agreements/{agreement.id}/withdrawals"
    assert_problem(client.post(url, json={"party_id": party.id, "reason": "x"}, headers=manager), 403)
    assert_problem(client.post(url, json={"party_id": 999999, "reason": "x"}, headers=headers), 422, "party_id")
    response = client.post(url, json={"party_id": party.id, "reason": "Office closed"}, headers=headers)
    assert response.status_code == 201, response.text
    today = clock.today(get_settings().zone)
    from datetime import timedelta

    assert response.json()["effective_on"] == (today + timedelta(days=45)).isoformat()
    assert response.json()["agreement_status"] == "active"
    status = client.get(f"/api/v1/agreements/{agreement.id}/signing", headers=headers).json()
    row = next(r for r in status["parties"] if r["party"] == str(party.id))
    assert row["withdrawal_status"] == "pending"
