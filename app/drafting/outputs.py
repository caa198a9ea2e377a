"""Agreement text rendered as HTML, DOCX and PDF, with a running header and, for drafts, a DRAFT watermark.

The text is the Markdown subset of ``app.drafting.markup``: raw, never pre-escaped; every renderer escapes it itself.
"""

from __future__ import annotations

import html
import io

from app.drafting import labels
from app.drafting.markup import Block, Bullets, Document, Heading, Paragraph, Table, clean, parse
from app.resources import reference_docx

__all__ = [
    "Bullets",
    "Document",
    "Heading",
    "Paragraph",
    "Table",
    "header_text",
    "parse",
    "to_docx",
    "to_html",
    "to_pdf",
]

DRAFT_MARK = "DRAFT"
"""The English watermark word; other languages come from ``app.drafting.labels.draft_mark``."""


def header_text(reference: str, version_label: str, draft: bool, language: str = "en") -> str:
    """The running header line: "PA-2026-0042 · version 3 · DRAFT" (empty parts left out), DRAFT in ``language``."""
    parts = [reference.strip(), version_label.strip(), labels.draft_mark(language) if draft else ""]
    return " · ".join(part for part in parts if part)


def _resolve(doc: Document, reference: str | None, version_label: str | None, draft: bool, language: str) -> str:
    ref = clean(reference if reference is not None else doc.reference)
    return header_text(ref, clean(version_label or ""), draft, language)


def split_texts(text: str, language: str) -> list[tuple[str, str]]:
    """The texts of a document and their languages: one for "fr", two for a bilingual "en+fr" version."""
    languages = labels.languages_of(language)
    parts, rest = [], text or ""
    for lang in languages[1:]:
        head, found, tail = rest.partition("\n" + labels.LANGUAGE_BREAK.format(language=lang) + "\n")
        if not found:
            break
        parts.append(head)
        rest = tail
    parts.append(rest)
    return list(zip(languages, parts, strict=False))


def _is_signature_table(header: list[str]) -> bool:
    words = labels.signature_headers()
    return any(cell.strip().lower() in words for cell in header)


# ----------------------------------------------------------------------------------------------------- HTML

_CSS = """
@page {
  size: A4;
  margin: 25mm 20mm 22mm 20mm;
  @top-center { content: element(running-header); width: 100%; }
  @bottom-center {
    content: @FOOTER@;
    font-family: "DejaVu Sans", sans-serif; font-size: 8.5pt; color: #555;
  }
}
html { font-family: "DejaVu Serif", "DejaVu Sans", "Noto Serif", serif; font-size: 10.5pt; line-height: 1.45;
  color: #111; }
body { margin: 0; }
.running-header { position: running(running-header); font-family: "DejaVu Sans", sans-serif; font-size: 8.5pt;
  color: #555; text-align: center; border-bottom: 0.5pt solid #bbb; padding-bottom: 2mm; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 2mm; }
p.reference { text-align: center; color: #444; margin: 0 0 8mm; }
h2 { font-size: 12.5pt; margin: 7mm 0 2mm; break-after: avoid; page-break-after: avoid; }
h3 { font-size: 11pt; margin: 5mm 0 1.5mm; break-after: avoid; page-break-after: avoid; }
p { margin: 0 0 3mm; text-align: justify; orphans: 3; widows: 3; overflow-wrap: break-word; }
ul { margin: 0 0 3mm; padding-left: 7mm; }
li { margin-bottom: 1mm; overflow-wrap: break-word; }
table { width: 100%; border-collapse: collapse; margin: 4mm 0; break-inside: avoid; page-break-inside: avoid; }
th, td { border: 0.6pt solid #444; padding: 2mm; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: #eee; font-family: "DejaVu Sans", sans-serif; font-size: 9pt; }
table.signatures td { height: 14mm; }
tr { break-inside: avoid; page-break-inside: avoid; }
section.second-language { break-before: page; page-break-before: always; }
p.courtesy { border: 0.8pt solid #900; color: #900; padding: 2mm; text-align: left; }
.watermark { position: fixed; top: 45%; left: 0; right: 0; text-align: center; z-index: -1;
  font-family: "DejaVu Sans", sans-serif; font-size: 110pt; font-weight: bold; letter-spacing: 8pt;
  color: rgba(190, 0, 0, 0.11); transform: rotate(-45deg); pointer-events: none; }
@media screen {
  body { max-width: 180mm; margin: 10mm auto; padding: 0 8mm; }
  .watermark { top: 40%; }
}
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _html_block(block: Block) -> str:
    if isinstance(block, Heading):
        tag = f"h{block.level}"
        if block.number:
            number = _e(block.number)
            return f'<{tag} id="clause-{number}"><span class="num">{number}.</span> {_e(block.text)}</{tag}>'
        return f"<{tag}>{_e(block.text)}</{tag}>"
    if isinstance(block, Paragraph):
        return f"<p>{_e(block.text)}</p>"
    if isinstance(block, Bullets):
        items = "".join(f"<li>{_e(item)}</li>" for item in block.items)
        return f"<ul>{items}</ul>"
    head = "".join(f'<th scope="col">{_e(cell)}</th>' for cell in block.header)
    body = "".join("<tr>" + "".join(f'<td dir="auto">{_e(cell)}</td>' for cell in row) + "</tr>" for row in block.rows)
    css_class = "signatures" if _is_signature_table(block.header) else "data"
    return f'<table class="{css_class}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _css(language: str) -> str:
    footer = []
    for kind, value in labels.page_footer(language):
        if kind == "field":
            footer.append("counter(page)" if value == "PAGE" else "counter(pages)")
        else:
            footer.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return _CSS.replace("@FOOTER@", " ".join(footer))


def _html_text(doc: Document, ref: str, language: str) -> list[str]:
    parts = []
    if doc.title:
        parts.append(f"<h1>{_e(doc.title)}</h1>")
    if ref:
        parts.append(f'<p class="reference">{_e(labels.reference_label(ref, language))}</p>')
    parts.extend(_html_block(block) for block in doc.blocks)
    return parts


def to_html(
    text: str, *, reference: str | None = None, version_label: str = "", draft: bool = False, language: str = "en"
) -> str:
    """Render agreement text as a complete standalone HTML5 page with print (A4, paged-media) styles.

    Every word the page adds (reference, DRAFT, page footer) is in ``language``; a bilingual ``language`` ("en+fr")
    prints the two texts of the version one after the other, the second from a new page.
    """
    texts = split_texts(text, language)
    docs = [(lang, parse(part)) for lang, part in texts]
    doc = docs[0][1]
    running = _resolve(doc, reference, version_label, draft, language)
    title = doc.title or (clean(reference) if reference is not None else doc.reference) or labels.untitled(language)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{_e(docs[0][0])}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_css(language)}</style>",
        "</head>",
        "<body>",
    ]
    if draft:
        parts.append(f'<div class="watermark" aria-hidden="true">{_e(labels.draft_mark(language))}</div>')
    if running:
        parts.append(f'<div class="running-header">{_e(running)}</div>')
    parts.append("<article>")
    if len(docs) == 1:
        ref = clean(reference) if reference is not None else doc.reference
        parts.extend(_html_text(doc, ref, language))
    else:
        for index, (lang, part) in enumerate(docs):
            ref = clean(reference) if reference is not None else part.reference
            css = ' class="second-language"' if index else ""
            parts.append(f'<section lang="{_e(lang)}"{css}>')
            parts.extend(_html_text(part, ref, lang))
            parts.append("</section>")
    parts.extend(["</article>", "</body>", "</html>", ""])
    return "\n".join(parts)


# ----------------------------------------------------------------------------------------------------- DOCX

# The VML text-path shape Word itself writes for a "DRAFT" watermark (Design > Watermark), anchored in the header so
# that it shows on every page, centred and rotated 45 degrees behind the text.
_WATERMARK_FORMULAS = "".join(
    f'<v:f eqn="{eqn}"/>'
    for eqn in (
        "sum #0 0 10800",
        "prod #0 2 1",
        "sum 21600 0 @1",
        "sum 0 0 @2",
        "sum 21600 0 @3",
        "if @0 @3 0",
        "if @0 21600 @1",
        "if @0 0 @2",
        "if @0 @4 21600",
        "mid @5 @6",
        "mid @8 @5",
        "mid @7 @8",
        "mid @6 @7",
        "sum @6 0 @5",
    )
)
_WATERMARK_XML_TEMPLATE = (
    '<w:r xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    ' xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office">'
    "<w:pict>"
    '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800"'
    ' path="m@7,l@8m@5,21600l@6,21600e">'
    f"<v:formulas>{_WATERMARK_FORMULAS}</v:formulas>"
    '<v:path textpathok="t" o:connecttype="custom" o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800"'
    ' o:connectangles="270,180,90,0"/>'
    '<v:textpath on="t" fitshape="t"/>'
    '<v:handles><v:h position="#0,bottomRight" xrange="6629,14971"/></v:handles>'
    '<o:lock v:ext="edit" text="t" shapetype="t"/>'
    "</v:shapetype>"
    '<v:shape id="DraftWatermark" o:spid="_x0000_s2049" type="#_x0000_t136" o:allowincell="f"'
    ' style="position:absolute;margin-left:0;margin-top:0;width:468pt;height:117pt;rotation:315;'
    "z-index:-251654144;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
    'mso-position-vertical:center;mso-position-vertical-relative:margin" fillcolor="#d9d9d9" stroked="f">'
    '<v:fill opacity=".5"/>'
    '<v:textpath on="t" fitshape="t" style="font-family:&quot;Calibri&quot;;font-size:1pt" string="@MARK@"/>'
    "</v:shape>"
    "</w:pict>"
    "</w:r>"
)


def _field(paragraph, instruction: str) -> None:
    """Append a simple field (PAGE, NUMPAGES) to a python-docx paragraph."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    field_element = OxmlElement("w:fldSimple")
    field_element.set(qn("w:instr"), f" {instruction} ")
    run = OxmlElement("w:r")
    placeholder = OxmlElement("w:t")
    placeholder.text = "1"
    run.append(placeholder)
    field_element.append(run)
    paragraph._p.append(field_element)


def _repeat_header_row(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    tr_pr.append(marker)


SIGNATURE_SHARE = 0.34
"""A signature column takes a third of the text width (about 58 mm on A4), and its rows are tall enough to sign."""
SIGNATURE_ROW_HEIGHT_MM = 18


def _fit_width(table, header: list[str], width: int) -> None:
    """Spread ``table`` over the full text ``width``; a signature column gets a third of it and tall rows."""
    from docx.enum.table import WD_ROW_HEIGHT_RULE
    from docx.shared import Mm

    table.autofit = False
    words = labels.signature_headers()
    signing = [index for index, name in enumerate(header) if name.strip().lower() in words]
    columns = len(header)
    if signing and columns > 1:
        rest = int(width * (1 - SIGNATURE_SHARE) / (columns - 1))
        widths = [int(width * SIGNATURE_SHARE) if index in signing else rest for index in range(columns)]
        for row in table.rows[1:]:
            row.height, row.height_rule = Mm(SIGNATURE_ROW_HEIGHT_MM), WD_ROW_HEIGHT_RULE.AT_LEAST
    else:
        widths = [int(width / columns)] * columns
    for index, column in enumerate(table.columns):
        column.width = widths[index]
        for cell in column.cells:
            cell.width = widths[index]


def _watermark_xml(mark: str) -> str:
    return _WATERMARK_XML_TEMPLATE.replace("@MARK@", html.escape(mark, quote=True))


def _styler(document):
    """``add(text, style name)``: a paragraph in a style looked up once (python-docx scans every style each time)."""
    from docx.enum.style import WD_STYLE_TYPE

    default, ids = document.styles.default(WD_STYLE_TYPE.PARAGRAPH), {}

    def add(text: str, name: str) -> None:
        if name not in ids:
            ids[name] = None if (style := document.styles[name]) == default else style.style_id
        document.add_paragraph(text)._p.style = ids[name]

    return add


def _docx_text(document, doc: Document, ref: str, language: str, width: int) -> None:
    add = _styler(document)
    if doc.title:
        add(doc.title, "Title")
    if ref:
        add(labels.reference_label(ref, language), "Subtitle")
    for block in doc.blocks:
        if isinstance(block, Heading):
            add(block.display, "Heading 1" if block.level <= 2 else "Heading 2")
        elif isinstance(block, Paragraph):
            document.add_paragraph(block.text)
        elif isinstance(block, Bullets):
            for item in block.items:
                add(item, "List Bullet")
        else:
            table = document.add_table(rows=1 + len(block.rows), cols=len(block.header))
            table.style = "Table Grid"
            for cell, value in zip(table.rows[0].cells, block.header, strict=True):
                cell.paragraphs[0].add_run(value).bold = True
            _repeat_header_row(table.rows[0])
            for row, values in zip(table.rows[1:], block.rows, strict=True):
                for cell, value in zip(row.cells, values, strict=True):
                    cell.text = value
            _fit_width(table, block.header, width)


def to_docx(
    text: str, *, reference: str | None = None, version_label: str = "", draft: bool = False, language: str = "en"
) -> bytes:
    """Render agreement text as a Word document (headings, bullets, signature table, header and page footer).

    The words the document adds are in ``language``; a bilingual one ("en+fr") holds both texts, the second from a
    new page.
    """
    import docx
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml import parse_xml
    from docx.shared import Pt

    docs = [(lang, parse(part)) for lang, part in split_texts(text, language)]
    doc = docs[0][1]
    running = _resolve(doc, reference, version_label, draft, language)
    ref = clean(reference) if reference is not None else doc.reference

    document = docx.Document(str(reference_docx()))  # the house style: fonts, headings, A4 page and margins
    properties = document.core_properties
    properties.title = (doc.title or ref or labels.untitled(language))[:255]
    properties.subject = ref[:255]
    properties.keywords = running[:255]
    properties.category = labels.untitled(language)[:255]
    properties.language = "+".join(lang for lang, _doc in docs)

    section = document.sections[0]

    header_paragraph = section.header.paragraphs[0]
    header_paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    header_run = header_paragraph.add_run(running)
    header_run.font.size = Pt(8.5)
    if draft:
        header_paragraph._p.append(parse_xml(_watermark_xml(labels.draft_mark(language))))

    footer_paragraph = section.footer.paragraphs[0]
    footer_paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, value in labels.page_footer(language):
        if kind == "field":
            _field(footer_paragraph, value)
        else:
            footer_paragraph.add_run(value)

    width = section.page_width - section.left_margin - section.right_margin
    for index, (lang, part) in enumerate(docs):
        if index:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        part_ref = clean(reference) if reference is not None else part.reference
        _docx_text(document, part, part_ref, lang if len(docs) > 1 else language, width)

    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------------------------ PDF


def to_pdf(
    text: str, *, reference: str | None = None, version_label: str = "", draft: bool = False, language: str = "en"
) -> bytes:
    """Render agreement text as an A4 PDF through WeasyPrint, from the page that to_html produces."""
    from weasyprint import HTML

    page = to_html(text, reference=reference, version_label=version_label, draft=draft, language=language)
    # The page refers to no external resource (no links, images or web fonts), so nothing is ever fetched.
    return HTML(string=page, base_url=None).write_pdf()
