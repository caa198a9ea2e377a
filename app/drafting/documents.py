"""Agreement versions as files, and files as versions' text: HTML, DOCX and PDF out, redlines, Word text in.

A version is marked DRAFT unless it is the approved one; a hand-edited Word version is served as uploaded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.agreements import service as agreements
from app.agreements.naming import agreement_file_name
from app.drafting import labels, outputs
from app.drafting.comparison import compare
from app.errors import Conflict, invalid
from app.i18n import MESSAGES, use_language
from app.uploads import UnsafeFile, check_docx

DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Output:
    """A file to send: its bytes, media type and a file name."""

    content: bytes
    media_type: str
    file_name: str


def safe_file_name(text: str) -> str:
    """Text reduced to letters, digits, dashes and underscores, fit for a download's file name."""
    return "".join(char if char.isalnum() or char in "-_" else "-" for char in text).strip("-") or "agreement"


def document_file(
    text: str, fmt: str, *, reference: str, label: str, draft: bool, name: str, language: str = "en"
) -> Output:
    """The agreement text as an HTML, DOCX or PDF file, with its reference and version label in the header.

    ``language`` is the document's (``"fr"``, or ``"en+fr"`` for a bilingual version), never the reader's.
    """
    if fmt == "html":
        html = outputs.to_html(text, reference=reference, version_label=label, draft=draft, language=language)
        return Output(html.encode("utf-8"), "text/html; charset=utf-8", f"{name}.html")
    if fmt == "docx":
        content = outputs.to_docx(text, reference=reference, version_label=label, draft=draft, language=language)
        return Output(content, DOCX_MEDIA_TYPE, f"{name}.docx")
    if fmt == "pdf":
        content = outputs.to_pdf(text, reference=reference, version_label=label, draft=draft, language=language)
        return Output(content, "application/pdf", f"{name}.pdf")
    raise invalid("format", MESSAGES.gettext("must be html, docx or pdf"))


def render_version(session: Session, agreement_id: int, number: int, fmt: str) -> Output:
    """A version as HTML, DOCX or PDF; marked DRAFT unless it is the approved version."""
    agreement = agreements.get_agreement(session, agreement_id)
    version = agreements.get_version(session, agreement_id, number)
    reference = f"{agreement.reference} · {agreement.partnership.reference}"
    name = agreement_file_name(agreement, "", version=version.number)
    if fmt == "docx" and version.file_content is not None and version.media_type == DOCX_MEDIA_TYPE:
        return Output(
            version.file_content, DOCX_MEDIA_TYPE, agreement_file_name(agreement, "docx", version=version.number)
        )
    language = version.language or "en"
    label = labels.version_label(version.number, language)
    if version.courtesy_of_sha256:  # a courtesy translation is never the binding text, nor a draft of it
        label, draft = f"{label} · {labels.courtesy_header(language)}", False
    else:
        draft = agreement.approved_version_number != version.number
    return document_file(version.body or "", fmt, reference=reference, label=label, draft=draft, name=name,
                         language=language)  # fmt: skip


def diff_versions(session: Session, agreement_id: int, old: int, new: int, fmt: str) -> Output:
    """The difference between two versions: an HTML redline or a unified text diff."""
    if fmt not in ("unified", "html"):
        raise invalid("format", MESSAGES.gettext("must be html or unified"))
    before = agreements.get_version(session, agreement_id, old)
    after = agreements.get_version(session, agreement_id, new)
    labels = (f"version {old}", f"version {new}")
    title = f"Changes from {labels[0]} to {labels[1]}"
    form = "unified" if fmt == "unified" else "page"
    text = compare(before.body or "", after.body or "", form, fields=("number", "other"), labels=labels, title=title)
    name = agreement_file_name(agreements.get_agreement(session, agreement_id), "", version=old) + f"-v{new}"
    if fmt == "unified":
        return Output(text.encode("utf-8"), "text/plain; charset=utf-8", f"{name}.diff")
    return Output(text.encode("utf-8"), "text/html; charset=utf-8", f"{name}.html")


def docx_text(content: bytes) -> str:
    """The text of a DOCX file in the agreement Markdown subset (headings, paragraphs, bullets, tables)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        check_docx(content)  # before python-docx reads every part into memory
    except UnsafeFile as exc:
        raise invalid("file", str(exc)) from None
    try:
        document = docx.Document(io.BytesIO(content))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise invalid(
            "file", MESSAGES.gettext("is not a readable Word (.docx) document ({name})", name=type(exc).__name__)
        ) from None
    except Exception as exc:  # zip and XML errors of a damaged file
        raise invalid(
            "file", MESSAGES.gettext("is not a readable Word (.docx) document ({name})", name=type(exc).__name__)
        ) from None
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraph = docx.text.paragraph.Paragraph(block, document)
            text = " ".join(paragraph.text.split())
            if not text:
                continue
            style = (paragraph.style.name if paragraph.style is not None else "") or ""
            if style == "Title":
                lines += [f"# {text}", ""]
            elif style.startswith("Heading"):
                level = 3 if style.endswith(("2", "3", "4")) else 2
                lines += [f"{'#' * level} {text}", ""]
            elif "List" in style:
                lines.append(f"- {text}")
            else:
                lines += [text, ""]
        elif tag == "tbl":
            table = docx.table.Table(block, document)
            for row in table.rows:
                cells = [" ".join(cell.text.split()).replace("|", "\\|") for cell in row.cells]
                lines.append("| " + " | ".join(cells) + " |")
            lines.append("")
    return "\n".join(lines).strip() + "\n"


def version_html(session: Session, agreement_id: int, number: int) -> str:
    """A version's text as the escaped HTML ``<article>`` of its HTML rendering, to embed in a page."""
    page = render_version(session, agreement_id, number, "html").content.decode("utf-8")
    start, end = page.find("<article"), page.rfind("</article>")
    return page[start : end + len("</article>")] if start >= 0 and end >= 0 else ""


def redline_fragment(session: Session, agreement_id: int, old: int, new: int) -> str:
    """The word-level redline from version ``old`` to ``new`` as an escaped ``<div class="redline">`` fragment."""
    before = agreements.get_version(session, agreement_id, old)
    after = agreements.get_version(session, agreement_id, new)
    return compare(before.body or "", after.body or "", "fragment", labels=(f"version {old}", f"version {new}"))


def signed_pdf(session: Session, agreement_id: int) -> Output:
    """The signed agreement as a PDF: the approved text, every party's signature, sealed with the organisation's
    certificate when one is configured (else it says it is unsealed)."""
    from app.agreements import seal
    from app.agreements.signing import signing_status
    from app.workflow.definition import states

    agreement = agreements.get_agreement(session, agreement_id)
    signed = states("agreement", group="signed_and_in_force") | states("agreement", group="no_longer_in_force")
    if agreement.status not in signed or agreement.approved_version_number is None:
        raise Conflict(MESSAGES.gettext("the agreement has not been signed by every party yet"))
    version = agreements.get_version(session, agreement_id, agreement.approved_version_number)
    language = version.language or "en"
    rows = []
    for row in signing_status(session, agreement):
        signature = row.signature
        if signature is None:
            continue
        how = {"electronic": "electronic signature", "wet_ink": "wet-ink signature (scan SHA-256 "
               f"{signature.scan_sha256})", "recorded": "signature recorded"}[str(signature.method)]  # fmt: skip
        when = signature.signed_at.isoformat(timespec="seconds") if signature.signed_at else signature.signed_on
        rows.append(f"| {row.name} | {signature.signatory_name}, {signature.signatory_title} | {when} | {how} |")
    with use_language(language):  # the document speaks its own language, whoever downloads it
        text = _signature_page(version, rows, seal.usable(), seal.get_settings().organisation_name)
    reference = f"{agreement.reference} · {agreement.partnership.reference}"
    label = labels.version_label(version.number, language)
    content = outputs.to_pdf(text, reference=reference, version_label=label, draft=False, language=language)
    result = seal.seal_pdf(content, reason=f"{agreement.reference}: signed by every party")
    name = agreement_file_name(agreement, "", version=version.number) + ("-sealed" if result.sealed else "-signed")
    return Output(result.content, "application/pdf", f"{name}.pdf")


def _signature_page(version, rows: list[str], sealed: bool, organisation: str) -> str:  # type: ignore[no-untyped-def]
    """The approved text followed by the signatures table and whether the file is sealed."""
    sealing = (
        MESSAGES.gettext("Sealed with the certificate of {organisation}.", organisation=organisation)
        if sealed
        else MESSAGES.gettext("Not sealed: no organisation certificate is configured.")
    )
    return "\n".join([
        version.body or "", "", "## " + MESSAGES.gettext("Signatures"), "",
        MESSAGES.gettext("Every signature binds the version with SHA-256 {sha256}.", sha256=version.sha256), "",
        "| Party | Signatory | Signed | How |", "| --- | --- | --- | --- |", *rows, "", sealing,
    ])  # fmt: skip
