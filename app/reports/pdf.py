"""The portfolio report as a standalone HTML page and as a PDF (WeasyPrint), tables and SVG charts embedded.

Written in the language in use (the request's): headings and sentences from the ``reports`` catalog, numbers,
percentages and dates by Babel; the page footer ("Page 2 of 5") too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from app.config import get_settings
from app.i18n import REPORTS, current_language, format_date, format_number, format_percent
from app.reports.charts import charts_for
from app.reports.filters import filters_text
from app.reports.schemas import PortfolioReport

_ = REPORTS.gettext

CSS = """
@page { size: A4; margin: 16mm 14mm 18mm; @bottom-right { content: %(pages)s;
  font-size: 8pt; color: #52606d; } @bottom-left { content: string(heading); font-size: 8pt; color: #52606d; } }
body { font-family: Helvetica, Arial, sans-serif; font-size: 9.5pt; color: #1f2933; }
h1 { font-size: 18pt; margin: 0 0 2mm; string-set: heading content(); }
h2 { font-size: 12.5pt; margin: 7mm 0 2mm; border-bottom: 1px solid #d9e2ec; padding-bottom: 1mm; }
p.meta { color: #52606d; margin: 0 0 3mm; }
table { border-collapse: collapse; margin: 2mm 0 3mm; page-break-inside: auto; }
th, td { border: 1px solid #d9e2ec; padding: 1mm 2mm; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; }
th { background: #f0f4f8; }
table.matrix th.area { font-size: 7.5pt; font-weight: normal; }
svg { max-width: 100%%; height: auto; }
section { page-break-inside: avoid; }
ul.notes { color: #52606d; font-size: 8.5pt; }
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _n(value: int) -> str:
    return format_number(value)


def _strong(text: str) -> str:
    """``text`` escaped, with the parts marked \x01…\x02 in bold (numbers put into a translated sentence)."""
    return _e(text).replace("\x01", "<strong>").replace("\x02", "</strong>")


def _bold(value: int) -> str:
    return f"\x01{_n(value)}\x02"


def _page_counter() -> str:
    """The footer's "Page 2 of 5" as CSS content, in the language in use."""
    words = _("Page {page} of {pages}").replace("\\", "").replace('"', "'")
    content = '"' + words.replace("{page}", '" counter(page) "').replace("{pages}", '" counter(pages) "') + '"'
    return content.replace(' ""', "").replace('"" ', "")


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], numeric_from: int = 1, css: str = "") -> str:
    head = "".join(f'<th class="{"n" if i >= numeric_from else ""}">{_e(h)}</th>' for i, h in enumerate(header))
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{"n" if i >= numeric_from else ""}">{_e(_n(c) if isinstance(c, int) else c)}</td>'
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _percent(share: float | None) -> str:
    return "—" if share is None else format_percent(share)


def _headline(report: PortfolioReport) -> str:
    multi = report.multi_actor
    parts = [
        REPORTS.ngettext("{count} partnership", "{count} partnerships", report.total_partnerships,
                         count=_bold(report.total_partnerships)),
        REPORTS.ngettext("{count} multi-actor ({share})", "{count} multi-actor ({share})", multi.count,
                         count=_bold(multi.count), share=_percent(multi.share)),
        REPORTS.ngettext("{count} active agreement ending within 90 days",
                         "{count} active agreements ending within 90 days", report.expiring[-1].within,
                         count=_bold(report.expiring[-1].within)),
        REPORTS.ngettext("{count} overdue obligation", "{count} overdue obligations", report.overdue.total,
                         count=_bold(report.overdue.total)),
    ]  # fmt: skip
    return _strong("; ".join(parts) + ".")


def _matrix(report: PortfolioReport) -> str:
    matrix_header = "".join(f'<th class="area n">{_e(area.name)}</th>' for area in report.areas)
    matrix_rows = "".join(
        f"<tr><th>{_e(row.label)}</th>"
        + "".join(f'<td class="n">{_n(cell)}</td>' for cell in row.cells)
        + f'<td class="n"><strong>{_n(row.total)}</strong></td></tr>'
        for row in report.modality_by_area
    )
    return (
        f'<table class="matrix"><thead><tr><th>{_e(_("Modality"))}</th>{matrix_header}'
        f'<th class="n">{_e(_("Partnerships"))}</th></tr></thead><tbody>{matrix_rows}</tbody></table>'
    )


def _modality_label(report: PortfolioReport, key: str) -> str:
    return next((m.label for m in report.modalities if m.key == key), _("Other"))


def report_html(report: PortfolioReport) -> str:
    """The report as one self-contained HTML document (no external resource), for printing."""
    charts = charts_for(report)
    organisation = get_settings().organisation_name
    multi, overdue = report.multi_actor, report.overdue
    partnerships = _("Partnerships")
    stage = _("Stage")
    meta = _(
        "{organisation} · as of {day} · filters: {filters}",
        organisation=organisation,
        day=format_date(report.today),
        filters=filters_text(report.filters),
    )
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{current_language()}"><head><meta charset="utf-8"><title>{_e(_("Portfolio report"))}</title>',
        f"<style>{CSS % {'pages': _page_counter()}}</style></head><body>",
        f"<h1>{_e(_('Portfolio report'))}</h1>",
        f'<p class="meta">{_e(meta)}</p>',
        f"<p>{_headline(report)}</p>",
        f"<section><h2>{_e(_('Partnerships by modality and area of engagement'))}</h2>",
        f'<p class="meta">{_e(_("A partnership with several areas counts in each; the last column counts it once."))}'
        "</p>",
        _matrix(report),
        charts["heat"],
        "</section>",
        f"<section><h2>{_e(_('Partnerships by stage'))}</h2>",
        _table(
            [stage, _("Modality"), partnerships],
            [(s.label, _modality_label(report, s.modality), s.count) for s in report.stages],
            numeric_from=2,
        ),
        "</section>",
        f"<section><h2>{_e(_('Pipeline funnel'))}</h2>",
        _table(
            [stage, _("Ever reached"), _("Share of first step"), _("From previous step"), _("In it now")],
            [
                (s.label, s.ever_reached, _percent(s.share_of_first), _percent(s.share_of_previous), s.current)
                for s in report.funnel
            ],
        ),
        charts["funnel"],
        "</section>",
        f"<section><h2>{_e(_('Median time in each stage'))}</h2>",
        f'<p class="meta">{_e(_("Stays that ended only; the current, still open stay is left out."))}</p>',
        _table(
            [stage, _("Median time"), _("Ended stays"), _("Open stays")],
            [(s.label, s.median, s.completed_stays, s.open_stays) for s in report.stage_durations],
        ),
        "</section>",
        f"<section><h2>{_e(_('Partnerships by kind of partner'))}</h2>",
        _table([_("Kind of partner"), partnerships], [(c.label, c.count) for c in report.by_partner_kind]),
        f'<p class="meta">{_e(_("Without any partner: {count}.", count=_n(report.partnerships_without_partner)))}</p>',
        charts["kinds"],
        "</section>",
        f"<section><h2>{_e(_('Partnerships by region'))}</h2>",
        _table([_("Region"), partnerships], [(c.label, c.count) for c in report.by_region]),
        charts["regions"],
        "</section>",
        f"<section><h2>{_e(_('Partnerships by country'))}</h2>",
        _table([_("Country"), partnerships], [(c.label, c.count) for c in report.by_country]),
        "</section>",
        f"<section><h2>{_e(_('Multi-actor partnerships'))}</h2>",
        "<p>"
        + _e(
            REPORTS.ngettext(
                "{count} of {total} partnership ({share}) has two or more partners.",
                "{count} of {total} partnerships ({share}) have two or more partners.",
                multi.total,
                count=_n(multi.count),
                total=_n(multi.total),
                share=_percent(multi.share),
            )
        )
        + "</p>",
        _table([_("Partner parties"), partnerships], [(d.parties, d.partnerships) for d in multi.distribution]),
        "</section>",
        f"<section><h2>{_e(_('Agreements expiring'))}</h2>",
        _table(
            [_("Window"), _("From"), _("To"), _("Agreements"), _("Cumulative")],
            [
                (w.label, format_date(w.first_day, "medium"), format_date(w.last_day, "medium"), w.count, w.within)
                for w in report.expiring
            ],
            numeric_from=3,
        ),
        charts["end_dates"],
        "</section>",
        f"<section><h2>{_e(_('Overdue obligations by party'))}</h2>",
        "<p>"
        + _e(
            REPORTS.ngettext(
                "{count} overdue obligations owed by {parties} party.",
                "{count} overdue obligations owed by {parties} parties.",
                overdue.parties,
                count=_n(overdue.total),
                parties=_n(overdue.parties),
            )
        )
        + "</p>",
        _table([_("Party"), _("Overdue obligations")], [(p.name, p.count) for p in overdue.by_party]),
        "</section>",
        f"<h2>{_e(_('How to read this report'))}</h2>",
        '<ul class="notes">' + "".join(f"<li>{_e(note)}</li>" for note in report.notes) + "</ul>",
        "</body></html>",
    ]
    return "\n".join(parts)


def report_pdf(report: PortfolioReport) -> bytes:
    """The report as an A4 PDF through WeasyPrint; it refers to no external resource, so nothing is fetched."""
    from weasyprint import HTML

    return HTML(string=report_html(report), base_url=None).write_pdf()
