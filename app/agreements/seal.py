"""The organisation's seal on a signed agreement's PDF: a PAdES (B-B) signature made with pyHanko from the PKCS#12
certificate and key named in the settings (``AGREEMENTS_SEAL_PKCS12_PATH`` and ``AGREEMENTS_SEAL_PKCS12_PASSWORD``).

Without a configured certificate the PDF is left unsealed (the caller says so in the document); the password is a
secret that is never logged.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.agreements.signatures_pdf import outside_event_loop
from app.config import Settings, get_settings

log = logging.getLogger(__name__)
FIELD_NAME = "OrganisationSeal"


class SealUnavailable(Exception):
    """The configured certificate cannot be read (missing file, wrong password, not PKCS#12)."""


@dataclass(frozen=True)
class SealedPdf:
    """A PDF and whether it carries the organisation's seal."""

    content: bytes
    sealed: bool


def configured(settings: Settings | None = None) -> bool:
    """Whether a seal certificate is configured."""
    return bool((settings or get_settings()).seal_pkcs12_path)


def usable(settings: Settings | None = None) -> bool:
    """Whether a seal is configured and its certificate opens; a broken one is logged (never its password)."""
    settings = settings or get_settings()
    if not configured(settings):
        return False
    try:
        _signer(settings)
    except (SealUnavailable, ValueError, OSError) as exc:
        log.warning("signed PDFs are produced unsealed: %s", exc if isinstance(exc, SealUnavailable) else type(exc))
        return False
    return True


def _signer(settings: Settings):  # type: ignore[no-untyped-def]
    from pyhanko.sign import signers

    path = Path(settings.seal_pkcs12_path or "")
    password = settings.seal_pkcs12_password.get_secret_value().encode() if settings.seal_pkcs12_password else None
    if not path.is_file():
        raise SealUnavailable(f"the seal certificate file {path} does not exist")
    try:
        signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=password)
    except (ValueError, TypeError) as exc:  # a wrong password or a file that is not PKCS#12
        raise SealUnavailable(f"the seal certificate file {path} could not be opened ({type(exc).__name__})") from None
    if signer is None:  # pyHanko logs and returns None on a wrong password or an unreadable file
        raise SealUnavailable(f"the seal certificate file {path} could not be opened (wrong password or not PKCS#12)")
    return signer


def seal_pdf(content: bytes, *, reason: str, settings: Settings | None = None) -> SealedPdf:
    """``content`` sealed (PAdES B-B, invisible field, covering the whole file), or unchanged when no seal is set up."""
    settings = settings or get_settings()
    if not usable(settings):
        return SealedPdf(content, False)
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    signer = _signer(settings)
    writer = IncrementalPdfFileWriter(io.BytesIO(content), strict=False)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES, reason=reason,
        name=settings.organisation_name,
    )  # fmt: skip
    output = outside_event_loop(signers.sign_pdf, writer, meta, signer=signer)
    return SealedPdf(output.getvalue(), True)


def make_certificate(path: Path, password: str, common_name: str, *, days: int = 730) -> None:
    """Write a self-signed certificate and its key as a PKCS#12 file at ``path`` (demos and tests, not production)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
         x509.NameAttribute(NameOID.ORGANIZATION_NAME, common_name[:64])]
    )  # fmt: skip
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    encryption = serialization.BestAvailableEncryption(password.encode()) if password else serialization.NoEncryption()
    data = pkcs12.serialize_key_and_certificates(b"seal", key, certificate, None, encryption)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)


def certificate_of(path: Path, password: str | None):  # type: ignore[no-untyped-def]
    """The certificate (asn1crypto) in a PKCS#12 file: the trust root that verifies a seal it made."""
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    _key, certificate, _others = pkcs12.load_key_and_certificates(
        path.read_bytes(), password.encode() if password else None
    )
    assert certificate is not None
    return asn1_x509.Certificate.load(certificate.public_bytes(Encoding.DER))
