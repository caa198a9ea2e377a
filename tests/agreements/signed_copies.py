"""Real signed copies for the tests: Word documents (python-docx), PDFs (WeasyPrint) and digitally signed PDFs
(pyHanko with a self-signed certificate made here), and a formalising partnership whose partners they name.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from html import escape

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.agreements.signatures_pdf import outside_event_loop
from app.config import get_settings
from app.organisations.models import AreaOfEngagement
from app.partnerships.models import Partnership
from app.partnerships.schemas import UndertakingCreate
from app.partnerships.service import record_undertaking
from app.workflow import engine
from app.workflow.actor import Actor
from tests.builders import Cast, organisation, partnership

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PARTNER = "Kituo Cha Sheria Legal Aid Centre"
OTHER_PARTNER = "Refugee Consortium of Kenya"
FRENCH_PARTNER = "Association Tunisienne des Femmes Démocrates"
SIGNER = "Amina Wanjiru"
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]  # fmt: skip
MOIS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre",
        "décembre"]  # fmt: skip


def today() -> date:
    return clock.today(get_settings().zone)


def written(day: date) -> str:
    """1 March 2023."""
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def ecrit(day: date) -> str:
    """1er mars 2023."""
    return f"{'1er' if day.day == 1 else day.day} {MOIS[day.month - 1]} {day.year}"


def recordable_partnership(session: Session, people: Cast, *names: str) -> Partnership:
    """A committed formalising partnership of the named organisations (each with a focal point)."""
    orgs = [organisation(session, name, contacts=[{"name": f"Focal {i}", "title": "Director"}])
            for i, name in enumerate(names or (PARTNER,))]  # fmt: skip
    created = partnership(session, people.manager, *orgs, legal_officer_id=people.lawyer.id)
    for party, org in zip(created.parties, orgs, strict=True):
        party.focal_point_id = org.contacts[0].id
    created.areas = [session.scalars(select(AreaOfEngagement)).first()]
    undertaking = UndertakingCreate(given_on=today(), given_by="The director", scope="Legal aid", form="verbal")
    record_undertaking(session, created.id, undertaking, people.manager)
    engine.fire(session, "partnership", created, "start_formalising", Actor.person(people.manager))
    session.commit()
    return created


@dataclass(frozen=True)
class Text:
    """The paragraphs of an MOU, in order, and its signature table."""

    paragraphs: list[str]
    signature_rows: list[list[str]]


def english_mou(effective: date, partner: str = PARTNER, *, signed_on: date | None = None) -> Text:
    """An English MOU: parties, entry into force, a three-year term and sixty days' notice."""
    me = get_settings().organisation_name
    signed = written(signed_on or effective - timedelta(days=14))
    return Text(
        [
            "MEMORANDUM OF UNDERSTANDING",
            f"between {me}, having its headquarters in Geneva, and {partner}, a non-governmental organisation "
            'registered in Kenya (hereinafter "KCS")',
            "Article 1. Purpose. The Parties agree to cooperate on legal aid for migrants in Nairobi.",
            f"Article 9. This Memorandum shall enter into force on {written(effective)} and shall remain in force "
            "for a period of three (3) years.",
            "Article 10. Either Party may terminate this Memorandum by giving sixty (60) days' written notice to the "
            "other Party.",
            f"IN WITNESS WHEREOF the Parties have signed this Memorandum in Nairobi on {signed}.",
        ],
        [[f"For {partner}", f"Name: {SIGNER}", "Title: Executive Director", f"Date: {signed}"]],
    )


def french_mou(effective: date, partner: str = FRENCH_PARTNER) -> Text:
    """Un protocole d'accord : entrée en vigueur, deux ans, préavis de trois mois."""
    me = get_settings().organisation_name
    return Text(
        [
            "PROTOCOLE D'ACCORD",
            f"entre {me} et l'{partner}, ci-après « ATFD »",
            f"Le présent accord entre en vigueur le {ecrit(effective)} pour une durée de deux (2) ans.",
            "Chaque partie peut le résilier moyennant un préavis de trois mois.",
            f"Fait à Tunis, le {ecrit(effective - timedelta(days=10))}.",
        ],
        [[f"Pour l'{partner}", "Nom : Amel Ben Salah", "Titre : Présidente",
          f"Date : {ecrit(effective - timedelta(days=10))}"]],
    )  # fmt: skip


def docx_file(text: Text) -> bytes:
    """The text as a Word document: paragraphs, and the signature blocks in a table."""
    import docx

    document = docx.Document()
    document.add_heading(text.paragraphs[0], level=0)
    for paragraph in text.paragraphs[1:]:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=len(text.signature_rows[0]), cols=len(text.signature_rows))
    for column, block in enumerate(text.signature_rows):
        for row, line in enumerate(block):
            table.cell(row, column).text = line
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_file(text: Text) -> bytes:
    """The text as a PDF made by WeasyPrint from HTML."""
    from weasyprint import HTML

    body = f"<h1>{escape(text.paragraphs[0])}</h1>" + "".join(f"<p>{escape(p)}</p>" for p in text.paragraphs[1:])
    blocks = "".join("<div>" + "".join(f"<p>{escape(line)}</p>" for line in block) + "</div>"
                     for block in text.signature_rows)  # fmt: skip
    return HTML(string=f"<html><body>{body}{blocks}</body></html>").write_pdf()


@cache
def _certificate(common_name: str) -> tuple[object, object]:
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, PARTNER)])  # fmt: skip
    now = datetime.now(UTC)
    usage = x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
                          encipher_only=False, decipher_only=False)  # fmt: skip
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365)).add_extension(usage, critical=True)
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    der_key = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())  # fmt: skip
    return (asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER)),
            asn1_keys.PrivateKeyInfo.load(der_key))  # fmt: skip


def signed_pdf(content: bytes, common_name: str = SIGNER) -> bytes:
    """``content`` digitally signed by pyHanko with a self-signed certificate naming ``common_name``."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    certificate, key = _certificate(common_name)
    signer = signers.SimpleSigner(signing_cert=certificate, signing_key=key,
                                  cert_registry=SimpleCertificateStore.from_certs([certificate]))  # fmt: skip
    writer = IncrementalPdfFileWriter(io.BytesIO(content))
    metadata = signers.PdfSignatureMetadata(field_name="Signature1")
    out = outside_event_loop(signers.sign_pdf, writer, metadata, signer=signer)
    return out.getvalue()


def tampered(content: bytes) -> bytes:
    """One byte changed inside the signed range, well before the signature itself."""
    changed = bytearray(content)
    changed[len(content) // 3] ^= 0x01
    return bytes(changed)
