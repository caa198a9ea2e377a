"""Digital signatures in an uploaded PDF, checked with pyHanko and told in plain words.

The check is offline and trusts nobody by default: a ``ValidationContext`` with no trust roots and no fetching
of certificates, CRLs or OCSP answers. It can still tell who the certificate names, when the signer says it
signed, and whether the signed bytes are intact (the hash matches, it covers the whole file, nothing was
changed after signing); whether the signer is *trusted* needs a trust root, which is not configured, so it says so.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

log = logging.getLogger(__name__)
# pyHanko logs every untrusted or self-signed certificate as a warning with a traceback; here that is an expected
# answer, told to the user in words, not a fault of the server.
logging.getLogger("pyhanko.sign.validation.generic_cms").setLevel(logging.ERROR)
MAX_SIGNATURES = 20


@dataclass(frozen=True)
class SignatureCheck:
    """One digital signature: who, when, intact or not, trusted or not, each in words."""

    field_name: str
    signer: str | None
    signer_details: str | None
    signed_at: datetime | None
    intact: bool
    covers_whole_file: bool
    modified_after_signing: bool
    trusted: bool
    integrity: str
    trust: str
    summary: str


@dataclass(frozen=True)
class SignatureReport:
    """What a document's digital signatures say, as a whole and one by one."""

    signed: bool
    summary: str
    signatures: list[SignatureCheck] = field(default_factory=list)


NOT_A_PDF = SignatureReport(
    False, "Digital signatures are checked in PDF files only; this Word document was not checked."
)


def _validation_context():  # type: ignore[no-untyped-def]
    from pyhanko_certvalidator import ValidationContext

    return ValidationContext(trust_roots=[], allow_fetching=False)


def _signer(status) -> tuple[str | None, str | None]:  # type: ignore[no-untyped-def]
    cert = getattr(status, "signing_cert", None)
    if cert is None:
        return None, None
    subject = cert.subject.native
    name = subject.get("common_name") or subject.get("organization_name")
    return (str(name) if name else None), cert.subject.human_friendly


T = TypeVar("T")


def outside_event_loop(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Call one of pyHanko's blocking functions, which start an event loop of their own (``asyncio.run``).

    Where this thread already runs a loop (an async caller, a browser driver in tests) it is called in a
    worker thread instead, so it can start its loop there.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def _check(embedded) -> SignatureCheck:  # type: ignore[no-untyped-def]
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    name = embedded.field_name or "unnamed signature field"
    try:
        status = outside_event_loop(validate_pdf_signature, embedded, _validation_context())
    except (SignatureValidationError, ValueError, KeyError, TypeError, AttributeError) as exc:
        words = f"it could not be checked ({type(exc).__name__})"
        return SignatureCheck(name, None, None, None, False, False, False, False, words, "not trusted", words)
    signer, details = _signer(status)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    modified = not whole
    if not status.intact:
        integrity = "not intact: the document was changed after it was signed (its hash does not match)"
    elif not status.valid:
        integrity = "not intact: the hash matches but the signature itself does not verify"
    elif modified:
        integrity = "signed content intact, but the file was modified after signing (content was added afterwards)"
    else:
        integrity = "intact: the hash matches and the signature covers the whole file"
    if status.trusted:
        trust = "trusted: the certificate chains to a configured trust root"
    else:
        trust = "not trusted: no trust root configured, so who signed is what the certificate claims"
    when = f" on {status.signer_reported_dt:%d %B %Y at %H:%M} UTC" if status.signer_reported_dt else ""
    summary = f"Signed by {signer or 'an unnamed signer'}{when}; {integrity}; {trust}."
    return SignatureCheck(
        name, signer, details, status.signer_reported_dt, bool(status.intact and status.valid), whole, modified,
        bool(status.trusted), integrity, trust, summary,
    )  # fmt: skip


def check_pdf_signatures(content: bytes) -> SignatureReport:
    """Every digital signature of the PDF checked offline; a PDF pyHanko cannot read is reported, not raised."""
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader

        reader = PdfFileReader(io.BytesIO(content), strict=False)
        embedded = list(reader.embedded_signatures)[:MAX_SIGNATURES]
    except Exception as exc:  # a damaged file can fail anywhere inside the parser
        log.info("pyHanko could not read the PDF: %s", type(exc).__name__)
        return SignatureReport(False, f"The digital signatures could not be checked: the PDF structure is damaged "
                                      f"({type(exc).__name__}).")  # fmt: skip
    if not embedded:
        return SignatureReport(False, "This PDF carries no digital signature (a scanned or printed signature may "
                                      "still be on the page).")  # fmt: skip
    checks = []
    for signature in embedded:
        try:
            checks.append(_check(signature))
        except Exception as exc:  # one unreadable signature should not hide the others
            log.info("pyHanko could not check a signature: %s", type(exc).__name__)
            words = f"it could not be checked ({type(exc).__name__})"
            field_name = getattr(signature, "field_name", None) or "unnamed signature field"
            checks.append(SignatureCheck(field_name, None, None, None, False, False, False, False, words,
                                         "not trusted", words))  # fmt: skip
    intact = sum(1 for check in checks if check.intact and not check.modified_after_signing)
    trusted = sum(1 for check in checks if check.trusted)
    count = len(checks)
    summary = (
        f"{count} digital signature{'s' if count > 1 else ''}: {intact} of {count} intact over the whole file, "
        f"{trusted or 'none'} trusted{' (no trust root is configured)' if not trusted else ''}."
    )
    return SignatureReport(True, summary, checks)
