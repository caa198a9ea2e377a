"""What a rendered document says, and the English words a French or Spanish one must not say.

The English words are not hand-picked: they are every word the English templates can print (their text and the
string literals of their tags) and every message of the ``documents`` catalog, less every word the French (or
Spanish) templates and catalog print themselves ("Date", "Organisation", "Signature" are words of both). The
variables of a test rendering are neutral tokens, so any other English word in a rendering came from the pipeline.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from itertools import count
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

from app.drafting.labels import default_event
from app.drafting.samples import sample_variables
from app.resources import agreement_templates_dir, data_directory

WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?", re.UNICODE)
_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)
_LITERAL = re.compile(r'"([^"\\]*)"')
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def words(text: str) -> set[str]:
    """The words of ``text``, lower case."""
    return {word.lower() for word in WORD.findall(text)}


def printed_text(source: str) -> str:
    """What a template source can print: its text outside tags, and the literals inside them that read as text."""
    literals = []
    for tag in _TAG.findall(source):
        for literal in _LITERAL.findall(tag):
            if re.search(r"[\s,.:;()]", literal) or literal[:1].isupper():  # not "party", "in": attribute names
                literals.append(literal)
    return _TAG.sub(" ", source) + "\n" + "\n".join(literals)


def template_sources(language: str) -> str:
    """Every template and clause source in ``language``."""
    root = Path(agreement_templates_dir())
    files = sorted(root.glob(f"*/{language}.md.j2")) + sorted(root.glob(f"clauses/*.{language}.md.j2"))
    assert files, f"no template in {language}"
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def catalog(language: str) -> list[tuple[str, str]]:
    """The (English, translated) messages of the ``documents`` catalog in ``language``."""
    with open(Path(data_directory("locale")) / language / "LC_MESSAGES" / "documents.po", "rb") as handle:
        messages = read_po(handle, locale=language)
    return [(str(m.id), str(m.string)) for m in messages if m.id and isinstance(m.id, str)]


def _placeholders_out(text: str) -> str:
    return re.sub(r"\{[a-z_]+\}", " ", text)


def english_words(language: str) -> set[str]:
    """The English words a rendering in ``language`` must not contain."""
    english = words(printed_text(template_sources("en")))
    own = words(printed_text(template_sources(language)))
    for message, translation in catalog(language):
        english |= words(_placeholders_out(message))
        own |= words(_placeholders_out(translation))
    return english - own


def neutral_variables(key: str) -> dict[str, Any]:
    """The sample variables of template ``key`` with every free text a neutral token (the same text, the same token),
    plus facts the pipeline must put in the document's language: country codes, the owner's role, a recurrence and
    an interaction kind."""
    tokens: dict[str, str] = {}
    numbers = count(1)

    def token(text: str) -> str:
        if _ISO_DATE.match(text) or "@" in text:
            return text
        return tokens.setdefault(text, f"Ж{next(numbers)}")

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return token(value)
        if isinstance(value, list):
            return [walk(item) for item in value]
        if isinstance(value, dict):
            return {name: walk(item) for name, item in value.items()}
        return value

    variables = walk(sample_variables(key))
    for partner, (code, name) in zip(variables["partners"], (("KZ", "Kazakhstan"), ("IE", "Ireland")), strict=True):
        partner |= {"country_code": code, "country": name}  # as the facts hold them: the English name and the code
    owner = {"party": variables["organisation_name"], "name": "Ж0", "title": "Partnership owner",
             "role": "owner", "email": "z0@example.org"}  # fmt: skip
    variables["contacts"] = [owner, *variables["contacts"]]
    variables["obligations"].append({
        "party": variables["organisation_name"], "description": "Ж-report (monthly until 2027-06-30)",
        "summary": "Ж-report", "recurrence": "monthly", "recurrence_until": "2027-06-30", "due_date": "2026-05-31",
    })  # fmt: skip
    if key == "ad_hoc_note":
        variables |= {"event": default_event("field_visit"), "event_kind": "field_visit"}
    return variables


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._style = False

    def handle_data(self, data: str) -> None:
        if self._style:  # the printed strings of the style sheet: the page footer
            self.parts.extend(re.findall(r'"([^"]*)"', " ".join(re.findall(r"content:([^;]*);", data))))
        else:
            self.parts.append(data)


def html_text(page: str) -> str:
    """Everything an HTML rendering prints, its page footer included."""
    parser = _Text()
    parser.feed(page)
    return " ".join(parser.parts)


def docx_text(content: bytes) -> str:
    """Everything a DOCX rendering prints: body, tables, header, footer, watermark and document properties."""
    import docx

    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    for section in document.sections:
        parts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
        parts += re.findall(r'string="([^"]*)"', section.header._element.xml)
    properties = document.core_properties
    parts += [properties.title or "", properties.category or "", properties.keywords or ""]
    return "\n".join(parts)


def pdf_text(content: bytes) -> str:
    """Every page's text of a PDF rendering."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def english_in(text: str, language: str) -> list[str]:
    """The English words found in ``text``, a rendering in ``language``."""
    return sorted(words(text) & english_words(language))
