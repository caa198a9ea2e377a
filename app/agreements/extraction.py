"""The text of an uploaded signed copy: what the file really is (by its bytes), and the words in it.

PDF text comes from pypdf and, where pypdf finds little (unusual fonts, odd layouts), from pdfminer.six; a Word
document's from python-docx (paragraphs and tables, in document order). A file that is neither, or that cannot be
read, is refused naming the ``file`` field: 415 for another kind of file, 422 for a damaged PDF or DOCX.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass

from app.errors import FieldProblem, ValidationFailed, invalid
from app.i18n import MESSAGES
from app.uploads import MB, UnsafeFile, check_docx, document_upload_bytes

PDF_MEDIA_TYPE = "application/pdf"
DOCX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MAX_PAGES = 300
MAX_TEXT_CHARACTERS = 400_000
LITTLE_TEXT_PER_PAGE = 80  # below this pypdf probably missed the text; pdfminer reads layouts differently
FILE_FIELD = "file"

log = logging.getLogger(__name__)


class UnsupportedFile(ValidationFailed):
    """The upload is not a PDF or a Word document (judged by its bytes, not its name)."""

    status = 415
    title = "Unsupported media type"

    def __init__(self, reason: str) -> None:
        super().__init__([FieldProblem(FILE_FIELD, reason)])


@dataclass(frozen=True)
class ExtractedText:
    """The words of a document, how they were read, and how many pages it has (``None`` for a Word document)."""

    text: str
    media_type: str
    method: str
    pages: int | None


def sniff(content: bytes) -> str:
    """The media type the bytes really are (PDF or DOCX), or ``UnsupportedFile``."""
    if not content:
        raise invalid(FILE_FIELD, MESSAGES.gettext("is empty"))
    if len(content) > document_upload_bytes():
        raise invalid(FILE_FIELD, MESSAGES.gettext("is larger than {value} MB", value=document_upload_bytes() // MB))
    if b"%PDF-" in content[:1024]:
        return PDF_MEDIA_TYPE
    if content.startswith(b"PK\x03\x04"):
        _check_archive(content)
        try:
            with zipfile.ZipFile(io.BytesIO(content)) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, ValueError, OSError):
            raise invalid(
                FILE_FIELD, MESSAGES.gettext("looks like a Word (.docx) document but the archive is damaged")
            ) from None
        if "word/document.xml" in names:
            return DOCX_MEDIA_TYPE
        raise UnsupportedFile("is a ZIP archive but not a Word (.docx) document; upload the signed copy as PDF or DOCX")
    raise UnsupportedFile("is neither a PDF nor a Word (.docx) document; upload the signed copy as PDF or DOCX")


def _tidy(text: str) -> str:
    """Whitespace made regular: no control characters, single spaces, at most one blank line between paragraphs."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x0c", "\n\n").replace("\u00a0", " ")
    text = re.sub(r"[\x00-\x08\x0b\x0e-\x1f]", "", text)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text[:MAX_TEXT_CHARACTERS]


def _pdf_reader(content: bytes):  # type: ignore[no-untyped-def]
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(content), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise invalid(
                FILE_FIELD, MESSAGES.gettext("is a password-protected PDF; upload a copy that opens without a password")
            )
        count = len(reader.pages)
    except ValidationFailed:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError, OSError) as exc:
        raise invalid(FILE_FIELD, MESSAGES.gettext("is not a readable PDF ({name})", name=type(exc).__name__)) from None
    except Exception as exc:  # a damaged file can fail anywhere inside the parser
        raise invalid(FILE_FIELD, MESSAGES.gettext("is not a readable PDF ({name})", name=type(exc).__name__)) from None
    if count == 0:
        raise invalid(FILE_FIELD, MESSAGES.gettext("is a PDF without any page"))
    return reader


def pdf_text(content: bytes) -> ExtractedText:
    """The text of a PDF: pypdf first, pdfminer.six when pypdf gets little; 422 when the file cannot be read."""
    reader = _pdf_reader(content)
    pages = len(reader.pages)
    parts = []
    for page in list(reader.pages)[:MAX_PAGES]:
        try:
            parts.append(page.extract_text() or "")
        except Exception as exc:  # one bad page should not hide the others
            log.info("pypdf could not read a page: %s", type(exc).__name__)
    text, method = _tidy("\n\n".join(parts)), "pypdf"
    if len(text) < LITTLE_TEXT_PER_PAGE * min(pages, MAX_PAGES):
        try:
            from pdfminer.high_level import extract_text

            mined = _tidy(extract_text(io.BytesIO(content), maxpages=MAX_PAGES))
        except Exception as exc:  # pdfminer is the second opinion; its failure leaves pypdf's text
            log.info("pdfminer could not read the PDF: %s", type(exc).__name__)
            mined = ""
        if len(mined) > len(text):
            text, method = mined, "pdfminer.six"
    return ExtractedText(text, PDF_MEDIA_TYPE, method, pages)


def _docx_blocks(document) -> list[str]:  # type: ignore[no-untyped-def]
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(block, document).text)
        elif tag == "tbl":
            for row in Table(block, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    words = " ".join(cell.text.split())
                    if words and words not in cells:  # merged cells repeat their text
                        cells.append(words)
                lines.append("\n".join(cells))
            lines.append("")
    return lines


def _check_archive(content: bytes) -> None:
    """Refuse a ZIP bomb, XML entities or broken XML before python-docx reads every part into memory."""
    try:
        check_docx(content)
    except UnsafeFile as exc:
        raise invalid(FILE_FIELD, str(exc)) from None


def docx_text(content: bytes) -> ExtractedText:
    """The text of a Word document, paragraphs and table cells in order; 422 when it cannot be read."""
    import docx

    _check_archive(content)
    try:
        document = docx.Document(io.BytesIO(content))
        lines = _docx_blocks(document)
    except Exception as exc:  # zip, XML and package errors of a damaged file
        raise invalid(
            FILE_FIELD, MESSAGES.gettext("is not a readable Word (.docx) document ({name})", name=type(exc).__name__)
        ) from None
    return ExtractedText(_tidy("\n".join(lines)), DOCX_MEDIA_TYPE, "python-docx", None)


def extract(content: bytes) -> ExtractedText:
    """The text of a PDF or DOCX upload (kind judged by its bytes)."""
    media_type = sniff(content)
    return pdf_text(content) if media_type == PDF_MEDIA_TYPE else docx_text(content)


LANGUAGE_WORDS = {
    "en": {"the", "and", "of", "shall", "this", "between", "agreement", "parties", "with", "for"},
    "fr": {"le", "la", "les", "et", "des", "du", "entre", "accord", "parties", "présent", "pour", "sera"},
    "es": {"el", "los", "las", "y", "del", "entre", "acuerdo", "partes", "presente", "para", "será", "con"},
}


def language_of(text: str) -> str:
    """The most likely language of ``text`` among English, French and Spanish (by common words)."""
    words = re.findall(r"[a-zà-ÿ]+", text[:20_000].lower())
    counts = {code: sum(1 for word in words if word in vocabulary) for code, vocabulary in LANGUAGE_WORDS.items()}
    best = max(counts, key=lambda code: counts[code])
    return best if counts[best] else "en"
