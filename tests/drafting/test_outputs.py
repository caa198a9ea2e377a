"""Agreement text rendered as HTML, DOCX and PDF: structure, escaping, non-Latin names, header, footer, draft mark."""

from __future__ import annotations

import io
import random
from html.parser import HTMLParser

import pytest

from app.drafting.outputs import Bullets, Heading, Paragraph, Table, parse, to_docx, to_html, to_pdf

docx = pytest.importorskip("docx")
pypdf = pytest.importorskip("pypdf")

REFERENCE = "PA-2026-0042"
VERSION = "version 3"
ESCAPE_PARTY = 'Smith & <Sons> "Ltd"'
CYRILLIC_PARTY = "Ассоциация «Мигрант»"
ARABIC_PARTY = "وزارة العمل"

CLAUSES = [
    "Purpose",
    "Definitions",
    "Areas of cooperation",
    "Responsibilities of the Organisation",
    "Responsibilities of the Partner",
    "Financial arrangements",
    "Reporting",
    "Visibility",
    "Data protection",
    "Dispute settlement",
    "Entry into force, duration and termination",
    "Amendments",
]


def sample_text() -> str:
    """A realistic memorandum in the template subset: 12 numbered clauses, bullets and a 3-party signature block."""
    lines = ["# Memorandum of Understanding", f"Reference: {REFERENCE}", ""]
    for number, heading in enumerate(CLAUSES, start=1):
        lines += [f"## {number}. {heading}", ""]
        lines += [
            f"{number}.1 The Parties agree that this clause on {heading.lower()} applies to all activities carried "
            "out under this Memorandum, including those implemented with sub-grantees & local partners "
            "(the <Implementing Partners>), and that the Parties shall consult each other in good faith.",
            "",
            f"{number}.2 Nothing in this clause shall be construed as a waiver of the privileges and immunities "
            "of the Organisation, which are expressly reserved, nor as creating any legally binding financial "
            "obligation beyond those set out in an annex signed by both Parties.",
            "",
        ]
        if number % 3 == 0:
            lines += ["### Specific undertakings", ""]
            lines += [
                "- share relevant information on migration trends;",
                "- jointly organise training for front-line staff;",
                "- refer victims of trafficking to appropriate assistance.",
                "",
            ]
    lines += [
        "## Signatures",
        "",
        "| Party | Name | Title | Date | Signature |",
        "|---|---|---|---|---|",
        f"| Partner company | {ESCAPE_PARTY} | Managing Director | 2026-03-01 | |",
        f"| Civil-society organisation | {CYRILLIC_PARTY} | Председатель \\| Chair | 2026-03-02 | |",
        f"| Ministry | {ARABIC_PARTY} | Minister | 2026-03-03 | |",
    ]
    return "\n".join(lines) + "\n"


TEXT = sample_text()

GARBAGE = [
    "",
    "   \n\n\t\n",
    "#######",
    "#",
    "# ",
    "##",
    "## 1.",
    "|",
    "||||",
    "| a | b\n|\n| \\| |\n|---|",
    "- \n-\n- - -",
    "Reference: nothing before me",
    "\x00\x01\x0b\x0c\ufffe\uffff\ud800 control characters",
    "<script>alert('x')</script> & </style> </table>",
    "# Title\nReference:\n## 9999999999999999999999. Big\n### \n| only header |",
    "".join(chr(c) for c in random.Random(20260301).choices(range(0x110000), k=3000)),
    "\n".join(random.Random(7).choice(["|", "#", "- ", "## 1. x", "", "\\|", "Ж", "ع"]) * 3 for _ in range(200)),
]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: list[str] = []
        self.cells: list[str] = []
        self.headings: list[str] = []
        self.title = ""
        self._cell: list[str] | None = None
        self._heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag in {"meta", "br"}:
            return
        self.stack.append(tag)
        if tag in {"td", "th"}:
            self._cell = []
        if tag in {"h1", "h2", "h3"}:
            self._heading = []

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"unbalanced </{tag}> with open {self.stack}"
        self.stack.pop()
        if tag in {"td", "th"} and self._cell is not None:
            self.cells.append("".join(self._cell))
            self._cell = None
        if tag in {"h1", "h2", "h3"} and self._heading is not None:
            self.headings.append("".join(self._heading))
            self._heading = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._heading is not None:
            self._heading.append(data)
        if self.stack and self.stack[-1] == "title":
            self.title += data


def _html_tree(page: str) -> _Collector:
    collector = _Collector()
    collector.feed(page)
    collector.close()
    assert collector.stack == []
    return collector


def _squash(text: str) -> str:
    """Text with all whitespace removed: table cells wrap onto several lines in the PDF."""
    return "".join(text.split())


def _pdf_text(data: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return len(reader.pages), "\n".join(page.extract_text() or "" for page in reader.pages)


@pytest.fixture(scope="module")
def draft_pdf() -> bytes:
    return to_pdf(TEXT, reference=REFERENCE, version_label=VERSION, draft=True)


@pytest.fixture(scope="module")
def final_pdf() -> bytes:
    return to_pdf(TEXT, reference=REFERENCE, version_label=VERSION, draft=False)


# ------------------------------------------------------------------------------------------------- parsing


def test_parse_reads_title_reference_clauses_bullets_and_signature_table():
    doc = parse(TEXT)

    assert doc.title == "Memorandum of Understanding"
    assert doc.reference == REFERENCE
    clauses = [block for block in doc.blocks if isinstance(block, Heading) and block.number]
    assert [(h.number, h.text) for h in clauses] == [(str(n), name) for n, name in enumerate(CLAUSES, start=1)]
    assert clauses[0].display == "1. Purpose"
    assert Heading(level=2, number="", text="Signatures") in doc.blocks
    assert Heading(level=3, number="", text="Specific undertakings") in doc.blocks
    bullets = [block for block in doc.blocks if isinstance(block, Bullets)]
    assert len(bullets) == 4 and bullets[0].items[0] == "share relevant information on migration trends;"
    (table,) = [block for block in doc.blocks if isinstance(block, Table)]
    assert table.header == ["Party", "Name", "Title", "Date", "Signature"]
    assert [row[1] for row in table.rows] == [ESCAPE_PARTY, CYRILLIC_PARTY, ARABIC_PARTY]
    assert table.rows[1][2] == "Председатель | Chair"
    assert all(len(row) == 5 for row in table.rows)


def test_parse_joins_wrapped_lines_and_keeps_unknown_lines_as_paragraphs():
    doc = parse("# T\n\nfirst line\nsecond line\n\n####### not a heading\n\n## 2026 in review\n\n## 4.2 Scope")

    assert doc.reference == ""
    assert doc.blocks == [
        Paragraph("first line second line"),
        Paragraph("####### not a heading"),
        Heading(level=2, number="", text="2026 in review"),
        Heading(level=2, number="4.2", text="Scope"),
    ]


# ---------------------------------------------------------------------------------------------------- HTML


def test_html_is_a_complete_page_with_escaped_names_and_a_real_signature_table():
    page = to_html(TEXT, reference=REFERENCE, version_label=VERSION, draft=False)
    tree = _html_tree(page)

    assert page.startswith("<!DOCTYPE html>")
    assert {"html", "head", "style", "body", "table", "thead", "tbody", "ul", "li"} <= set(tree.tags)
    assert "script" not in tree.tags
    assert tree.title == "Memorandum of Understanding"
    assert "Smith &amp; &lt;Sons&gt; &quot;Ltd&quot;" in page
    assert ESCAPE_PARTY not in page
    assert {"Party", "Name", "Signature", ESCAPE_PARTY, CYRILLIC_PARTY, ARABIC_PARTY} <= set(tree.cells)
    assert "Председатель | Chair" in tree.cells
    assert "1. Purpose" in tree.headings and "12. Amendments" in tree.headings
    assert "@page" in page and 'counter(page) " of " counter(pages)' in page and "size: A4" in page
    assert f"{REFERENCE} · {VERSION}" in page
    assert 'class="watermark"' not in page and "DRAFT" not in page


def test_html_draft_has_the_watermark_and_the_mark_in_the_running_header():
    page = to_html(TEXT, reference=REFERENCE, version_label=VERSION, draft=True)

    assert '<div class="watermark" aria-hidden="true">DRAFT</div>' in page
    assert f"{REFERENCE} · {VERSION} · DRAFT" in page


def test_html_escapes_markup_in_every_place_it_can_appear():
    hostile = (
        "# <b>T</b>\nReference: <i>R</i>\n\n## 1. <script>x</script>\n\n"
        "- <img src=x onerror=alert(1)>\n\n| a |\n|---|\n| </td> |"
    )
    page = to_html(hostile, reference='"><style>', version_label="</title>", draft=False)
    tree = _html_tree(page)

    assert not {"b", "i", "script", "img"} & set(tree.tags)
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "&lt;/title&gt;" in page
    assert "&quot;&gt;&lt;style&gt;" in page
    assert tree.cells == ["a", "</td>"]


def test_reference_defaults_to_the_reference_line_of_the_text():
    page = to_html(TEXT, version_label=VERSION)

    assert f"{REFERENCE} · {VERSION}" in page


# ---------------------------------------------------------------------------------------------------- DOCX


def _docx(data: bytes):
    return docx.Document(io.BytesIO(data))


def test_docx_has_title_numbered_headings_bullets_and_signature_table():
    document = _docx(to_docx(TEXT, reference=REFERENCE, version_label=VERSION, draft=False))
    paragraphs = document.paragraphs

    assert paragraphs[0].style.name == "Title" and paragraphs[0].text == "Memorandum of Understanding"
    assert document.core_properties.title == "Memorandum of Understanding"
    heading_1 = [p.text for p in paragraphs if p.style.name == "Heading 1"]
    assert heading_1 == [f"{n}. {name}" for n, name in enumerate(CLAUSES, start=1)] + ["Signatures"]
    assert [p.text for p in paragraphs if p.style.name == "Heading 2"] == ["Specific undertakings"] * 4
    bullets = [p.text for p in paragraphs if p.style.name == "List Bullet"]
    assert len(bullets) == 12 and bullets[1] == "jointly organise training for front-line staff;"
    assert any("(the <Implementing Partners>)" in p.text for p in paragraphs)

    (table,) = document.tables
    assert [cell.text for cell in table.rows[0].cells] == ["Party", "Name", "Title", "Date", "Signature"]
    assert all(run.bold for cell in table.rows[0].cells for run in cell.paragraphs[0].runs)
    assert [row.cells[1].text for row in table.rows[1:]] == [ESCAPE_PARTY, CYRILLIC_PARTY, ARABIC_PARTY]
    assert table.rows[2].cells[2].text == "Председатель | Chair"


def test_docx_header_carries_reference_and_version_and_footer_a_page_field():
    document = _docx(to_docx(TEXT, reference=REFERENCE, version_label=VERSION, draft=False))
    section = document.sections[0]
    header = "\n".join(p.text for p in section.header.paragraphs)
    footer_xml = section.footer._element.xml

    assert header == f"{REFERENCE} · {VERSION}"
    assert "DRAFT" not in header and "DRAFT" not in section.header._element.xml
    assert 'w:instr=" PAGE "' in footer_xml and 'w:instr=" NUMPAGES "' in footer_xml
    assert "Page" in "".join(p.text for p in section.footer.paragraphs)
    assert round(section.page_width.mm) == 210 and round(section.page_height.mm) == 297


def test_docx_draft_has_the_mark_in_the_header_and_a_watermark():
    document = _docx(to_docx(TEXT, reference=REFERENCE, version_label=VERSION, draft=True))
    section = document.sections[0]

    assert "\n".join(p.text for p in section.header.paragraphs) == f"{REFERENCE} · {VERSION} · DRAFT"
    assert 'string="DRAFT"' in section.header._element.xml


# ----------------------------------------------------------------------------------------------------- PDF


def test_pdf_has_reference_party_names_and_page_numbers(final_pdf):
    pages, text = _pdf_text(final_pdf)

    assert final_pdf.startswith(b"%PDF-")
    assert pages >= 2
    assert f"{REFERENCE} · {VERSION}" in text
    assert "Page 1 of" in text and f"Page {pages} of {pages}" in text
    for name in (ESCAPE_PARTY, CYRILLIC_PARTY, ARABIC_PARTY, "Председатель | Chair"):
        assert _squash(name) in _squash(text)
    assert "DRAFT" not in text


def test_pdf_draft_shows_the_draft_mark(draft_pdf):
    pages, text = _pdf_text(draft_pdf)

    assert pages >= 2
    assert f"{REFERENCE} · {VERSION} · DRAFT" in text
    # The watermark text, besides the running header, on every page.
    assert text.count("DRAFT") >= 2 * pages


def test_pdf_of_a_short_text_is_one_page():
    pages, text = _pdf_text(to_pdf("# Note\n\nOne line.", reference="X-1", version_label="v1", draft=False))

    assert pages == 1 and "Page 1 of 1" in text and "X-1 · v1" in text


# ------------------------------------------------------------------------------------------------- garbage


@pytest.mark.parametrize("garbage", GARBAGE, ids=range(len(GARBAGE)))
def test_garbage_never_raises(garbage):
    parse(garbage)
    _html_tree(to_html(garbage, reference=None, version_label="v1", draft=True))
    _docx(to_docx(garbage, reference=None, version_label="v1", draft=True))
    assert to_pdf(garbage, reference=None, version_label="v1", draft=False).startswith(b"%PDF-")
