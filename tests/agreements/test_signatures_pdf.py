"""Digital signatures of uploaded PDFs, checked offline with pyHanko and no trust root."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from app.agreements.signatures_pdf import check_pdf_signatures
from tests.agreements.signed_copies import SIGNER, english_mou, pdf_file, signed_pdf, tampered


def test_a_signed_pdf_names_its_signer_and_is_intact_but_not_trusted():
    report = check_pdf_signatures(signed_pdf(pdf_file(english_mou(date(2024, 1, 1)))))
    assert report.signed and "1 of 1 intact" in report.summary
    (signature,) = report.signatures
    assert signature.signer == SIGNER and signature.field_name == "Signature1"
    assert abs(signature.signed_at - datetime.now(UTC)) < timedelta(minutes=5)
    assert signature.intact and signature.covers_whole_file and not signature.modified_after_signing
    assert signature.integrity.startswith("intact: the hash matches")
    assert not signature.trusted and signature.trust.startswith("not trusted: no trust root configured")
    assert SIGNER in signature.summary


def test_a_byte_changed_after_signing_is_not_intact():
    report = check_pdf_signatures(tampered(signed_pdf(pdf_file(english_mou(date(2024, 1, 1))))))
    (signature,) = report.signatures
    assert not signature.intact and signature.integrity.startswith("not intact")
    assert "0 of 1 intact" in report.summary


def test_content_added_after_signing_is_reported():
    signed = signed_pdf(pdf_file(english_mou(date(2024, 1, 1))))
    (signature,) = check_pdf_signatures(signed + b"\n% a later addition\n").signatures
    assert signature.modified_after_signing and not signature.covers_whole_file
    assert "modified after signing" in signature.integrity


def test_an_unsigned_or_damaged_pdf_says_so_without_failing():
    unsigned = check_pdf_signatures(pdf_file(english_mou(date(2024, 1, 1))))
    assert not unsigned.signed and "no digital signature" in unsigned.summary
    damaged = check_pdf_signatures(b"%PDF-1.7 nothing else")
    assert not damaged.signed and "could not be checked" in damaged.summary
