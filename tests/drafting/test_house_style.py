"""DOCX house style: sober headings from the reference document, signature blocks wide enough to sign, page numbers."""

from __future__ import annotations

import io

import docx
from docx.oxml.ns import qn
from docx.shared import Mm

from app.drafting.outputs import to_docx
from app.resources import reference_docx

TEXT = """# Memorandum of Understanding
Reference: MOU-2026-0042

## 1. Purpose

The Parties cooperate.

### Scope

- Research

## Signatures

| Party | Name | Title | Date | Signature |
|---|---|---|---|---|
| Sahel Women's Network | Fatou Sow | Director | 1 March 2027 | |
| Institute for Migration Research | Omar Ba | Dean | 1 March 2027 | |
"""
WORD_BLUES = {"4F81BD", "365F91", "17365D", "2E74B5", "1F4D78", "0F4761", "156082", "243F60"}


def _generated() -> docx.document.Document:
    return docx.Document(io.BytesIO(to_docx(TEXT, reference="MOU-2026-0042", version_label="version 1")))


def _dark(rgb) -> bool:
    return rgb is not None and all(int(str(rgb)[i : i + 2], 16) <= 0x50 for i in (0, 2, 4))


def test_headings_are_sober_and_come_from_the_reference_document() -> None:
    document = _generated()
    headings = [p for p in document.paragraphs if p.style.name in {"Title", "Heading 1", "Heading 2"}]
    assert {p.style.name for p in headings} == {"Title", "Heading 1", "Heading 2"}
    reference = docx.Document(str(reference_docx()))
    for paragraph in headings:
        style = paragraph.style
        assert _dark(style.font.color.rgb), f"{style.name} is coloured {style.font.color.rgb}"
        assert str(style.font.color.rgb) not in WORD_BLUES
        assert style.font.color.theme_color is None, f"{style.name} still takes the theme's accent colour"
        assert style.font.name == reference.styles[style.name].font.name == "Georgia"
        assert all(run.font.color.rgb is None for run in paragraph.runs), "a colour set by hand overrides the style"
    title = document.styles["Title"].element
    assert title.pPr is None or title.pPr.find(qn("w:pBdr")) is None, "Word's blue rule under the title"


def test_signature_blocks_span_the_page_with_a_wide_signature_column() -> None:
    document = _generated()
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    text_width = section.page_width - section.left_margin - section.right_margin
    (table,) = document.tables
    widths = [cell.width for cell in table.rows[0].cells]
    assert abs(sum(widths) - text_width) < Mm(2), "the signature table spans the text width"
    signature = widths[-1]
    assert signature >= Mm(55) and signature == max(widths), [round(w.mm) for w in widths]
    for row in table.rows[1:]:
        assert row.height is not None and row.height >= Mm(15), "a row tall enough to sign in"


def test_the_footer_numbers_the_pages() -> None:
    footer = _generated().sections[0].footer
    instructions = [field.get(qn("w:instr")).strip() for field in footer._element.iter(qn("w:fldSimple"))]
    assert "PAGE" in instructions and "NUMPAGES" in instructions
