"""Agreement text, a small Markdown subset, parsed into a title, a reference and blocks (``app.drafting.outputs``
renders them as HTML, DOCX and PDF).

The subset, as the agreement templates produce it:

- ``# Title`` on the first line, optionally followed by ``Reference: PA-2026-0042``
  (``Référence : …``, ``Referencia: …``);
- ``## 1. Heading`` a numbered clause, ``## Heading`` an unnumbered section, ``### Heading`` a sub-heading;
- paragraphs separated by blank lines, ``- `` bullet items;
- pipe tables (the signature block): a header row, then one row per party; ``\\|`` is a pipe inside a cell.

Anything else is a plain paragraph. The text is raw, never pre-escaped; every renderer escapes it itself.
Parsing never raises: garbage in gives paragraphs out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

__all__ = ["Block", "Bullets", "Document", "Heading", "Paragraph", "Table", "clean", "is_reference_line", "parse"]

# Characters that XML 1.0 (and so DOCX, and well-formed HTML) cannot carry: C0 controls other than tab and
# newline, lone surrogates, and the two non-characters U+FFFE and U+FFFF.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# The reference line in English, French ("Référence : …") and Spanish ("Referencia: …").
_REFERENCE = re.compile(r"^(?:Reference|Référence|Referencia)[ \t\u00a0\u202f]?:\s*(?P<ref>\S.*)$", re.IGNORECASE)
_HEADING = re.compile(r"^(?P<hashes>#{1,3})[ \t]+(?P<rest>\S.*)$")
# "1. Purpose" and "4.2 Scope" are numbered; "2026 in review" is not.
_NUMBERED = re.compile(r"^(?P<num>\d+(?:\.\d+)*)\.[ \t]+(?P<text>\S.*)$|^(?P<num2>\d+(?:\.\d+)+)[ \t]+(?P<text2>\S.*)$")
_BULLET = re.compile(r"^[-*][ \t]+(?P<text>.*)$")
_SEPARATOR_CELL = re.compile(r"^:?-{1,}:?$")


@dataclass(frozen=True)
class Heading:
    """A heading: level 2 for ``##`` clauses and sections, 3 for ``###``; number is "" when unnumbered."""

    level: int
    number: str
    text: str

    @property
    def display(self) -> str:
        """The heading as printed, with its clause number ("1. Purpose")."""
        return f"{self.number}. {self.text}" if self.number else self.text


@dataclass(frozen=True)
class Paragraph:
    """A plain paragraph; its source lines joined by single spaces."""

    text: str


@dataclass(frozen=True)
class Bullets:
    """A run of consecutive bullet items."""

    items: list[str]


@dataclass(frozen=True)
class Table:
    """A pipe table: one header row and body rows, all padded to the same width."""

    header: list[str]
    rows: list[list[str]]


Block = Heading | Paragraph | Bullets | Table


@dataclass
class Document:
    """A parsed agreement: its title, its reference line (or ""), and its blocks in order."""

    title: str = ""
    reference: str = ""
    blocks: list[Block] = field(default_factory=list)


def is_reference_line(line: str) -> bool:
    """Whether ``line`` is a reference line ("Reference: …", "Référence : …", "Referencia: …")."""
    return bool(_REFERENCE.match(line.strip()))


def clean(text: str) -> str:
    """``text`` without the characters XML 1.0 (and so DOCX and HTML) cannot carry."""
    return _XML_INVALID.sub("", text)


def _split_row(line: str) -> list[str]:
    """Split one pipe-table row into stripped cells; ``\\|`` is a literal pipe."""
    cells: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(line):
        char = line[i]
        if char == "\\" and i + 1 < len(line) and line[i + 1] == "|":
            current.append("|")
            i += 2
            continue
        if char == "|":
            cells.append("".join(current))
            current = []
        else:
            current.append(char)
        i += 1
    cells.append("".join(current))
    # A row written as "| a | b |" has an empty piece before the first and after the last pipe.
    if line.startswith("|"):
        cells = cells[1:]
    if cells and line.endswith("|") and not line.endswith("\\|"):
        cells = cells[:-1]
    return [cell.strip() for cell in cells]


def _table(lines: list[str]) -> Table | None:
    rows = [_split_row(line) for line in lines]
    rows = [row for row in rows if not (row and all(_SEPARATOR_CELL.match(cell) for cell in row))]
    rows = [row for row in rows if any(row)]
    if not rows:
        return None
    width = max(len(row) for row in rows)
    padded = [row + [""] * (width - len(row)) for row in rows]
    return Table(header=padded[0], rows=padded[1:])


_ESCAPED_MARK = re.compile(r"^\\([#|*-])")


def _unescape(text: str) -> str:
    """Drop the backslash that keeps user text from starting a heading, bullet or table (``\\# 1`` is ``# 1``)."""
    return _ESCAPED_MARK.sub(r"\1", text)


def parse(text: str) -> Document:
    """Parse agreement text in the Markdown subset into a Document; never raises."""
    doc = Document()
    lines = [line.rstrip() for line in clean(text or "").splitlines()]
    position = 0
    while position < len(lines) and not lines[position].strip():
        position += 1
    if position < len(lines) and lines[position].startswith("# ") and lines[position][2:].strip():
        doc.title = lines[position][2:].strip()
        position += 1
        lookahead = position
        while lookahead < len(lines) and not lines[lookahead].strip():
            lookahead += 1
        if lookahead < len(lines) and (match := _REFERENCE.match(lines[lookahead].strip())):
            doc.reference = match["ref"].strip()
            position = lookahead + 1

    paragraph: list[str] = []
    bullets: list[str] = []

    def flush() -> None:
        if paragraph:
            doc.blocks.append(Paragraph(" ".join(part.strip() for part in paragraph)))
            paragraph.clear()
        if bullets:
            doc.blocks.append(Bullets(list(bullets)))
            bullets.clear()

    while position < len(lines):
        line = lines[position]
        stripped = line.strip()
        position += 1
        if not stripped:
            flush()
            continue
        if stripped.startswith("|"):
            flush()
            table_lines = [stripped]
            while position < len(lines) and lines[position].strip().startswith("|"):
                table_lines.append(lines[position].strip())
                position += 1
            table = _table(table_lines)
            if table is not None:
                doc.blocks.append(table)
            else:
                doc.blocks.append(Paragraph(" ".join(table_lines)))
            continue
        if match := _HEADING.match(stripped):
            flush()
            level = max(2, len(match["hashes"]))
            rest = match["rest"].strip()
            number = ""
            if level == 2 and (numbered := _NUMBERED.match(rest)):
                number = numbered["num"] or numbered["num2"]
                rest = (numbered["text"] or numbered["text2"]).strip()
            doc.blocks.append(Heading(level=level, number=number, text=rest))
            continue
        if match := _BULLET.match(stripped):
            if paragraph:
                flush()
            bullets.append(_unescape(match["text"].strip()))
            continue
        if bullets and line[:1].isspace():
            bullets[-1] = f"{bullets[-1]} {stripped}".strip()
            continue
        if bullets:
            flush()
        paragraph.append(_unescape(stripped))
    flush()
    return doc
