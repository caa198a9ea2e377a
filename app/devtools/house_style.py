"""Builds ``app/templates/documents/reference.docx``, the house style of generated agreements (run to regenerate).

Sober headings (near-black, serif, no Word theme blue), A4 pages with the margins the agreements use. The generated
DOCX files start from that document (``app.drafting.outputs.to_docx``), so the style is defined there only.
Run ``python -m app.devtools.house_style`` after changing it and commit the file.
"""

from __future__ import annotations

from pathlib import Path

from app.resources import reference_docx

FONT = "Georgia"
INK = "1A1A1A"
HEADINGS = {"Title": (INK, 20, True), "Subtitle": ("404040", 11, False), "Heading 1": (INK, 13, True),
            "Heading 2": ("333333", 11.5, True), "Heading 3": ("333333", 11, True)}  # fmt: skip


def build(path: Path) -> None:
    """Write the reference document to ``path``."""
    import docx
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    document = docx.Document()
    section = document.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(25), Mm(22)
    section.left_margin = section.right_margin = Mm(20)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(10.5)
    normal.font.color.rgb = RGBColor.from_string(INK)
    for name, (colour, size, bold) in HEADINGS.items():
        style = document.styles[name]
        style.font.name, style.font.size, style.font.bold = FONT, Pt(size), bold
        style.font.color.rgb = RGBColor.from_string(colour)
        style.font.italic = False
        fonts = style.element.rPr.find(qn("w:rFonts"))
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attribute), None)
        borders = style.element.pPr.find(qn("w:pBdr")) if style.element.pPr is not None else None
        if borders is not None:  # Word's Title carries a blue rule underneath
            style.element.pPr.remove(borders)
    document.save(str(path))


if __name__ == "__main__":
    build(reference_docx())
    print(reference_docx())
