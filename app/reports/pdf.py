"""The portfolio report as a standalone HTML page and as a PDF (WeasyPrint), tables and SVG charts embedded."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from app.config import get_settings
from app.reports.charts import charts_for
from app.reports.schemas import PortfolioReport

CSS = """
@page { size: A4; margin: 16mm 14mm 18mm; @bottom-right { content: "Page " counter(page) " of " counter(pages);
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
svg { max-width: 100%; height: auto; }
section { page-break-inside: avoid; }
ul.notes { color: #52606d; font-size: 8.5pt; }
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _table(header: Sequence[str], rows: Iterable[Sequence[object]], numeric_from: int = 1, css: str = "") -> str:
    head = "".join(f'<th class="{"n" if i >= numeric_from else ""}">{_e(h)}</th>' for i, h in enumerate(header))
    body = "".join(
        "<tr>"
        + "".join(f'<td class="{"n" if i >= numeric_from else ""}">{_e(c)}</td>' for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share:.0%}"


def report_html(report: PortfolioReport) -> str:
    """The report as one self-contained HTML document (no external resource), for printing."""
    charts = charts_for(report)
    organisation = get_settings().organisation_name
    filters = ", ".join(f"{name}: {value}" for name, value in report.filters.items()) or "none"
    matrix_header = "".join(f'<th class="area n">{_e(area.name)}</th>' for area in report.areas)
    matrix_rows = "".join(
        f"<tr><th>{_e(row.label)}</th>"
        + "".join(f'<td class="n">{cell}</td>' for cell in row.cells)
        + f'<td class="n"><strong>{row.total}</strong></td></tr>'
        for row in report.modality_by_area
    )
    matrix = (
        f'<table class="matrix"><thead><tr><th>Modality</th>{matrix_header}<th class="n">Partnerships</th></tr></thead>'
        f"<tbody>{matrix_rows}</tbody></table>"
    )
    multi = report.multi_actor
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8"><title>Portfolio report</title>',
        f"<style>{CSS}</style></head><body>",
        "<h1>Portfolio report</h1>",
        f'<p class="meta">{_e(organisation)} · as of {report.today.isoformat()} · filters: {_e(filters)}</p>',
        f"<p><strong>{report.total_partnerships:,}</strong> partnerships; <strong>{multi.count:,}</strong> "
        f"multi-actor ({_percent(multi.share)}); <strong>{report.expiring[-1].within:,}</strong> active agreements "
        f"ending within 90 days; <strong>{report.overdue.total:,}</strong> overdue obligations.</p>",
        "<section><h2>Partnerships by modality and area of engagement</h2>",
        '<p class="meta">A partnership with several areas counts in each; the last column counts it once.</p>',
        matrix,
        charts["heat"],
        "</section>",
        "<section><h2>Partnerships by stage</h2>",
        _table(
            ["Stage", "Modality", "Partnerships"],
            [
                (
                    s.label,
                    next(m.label for m in report.modalities if m.key == s.modality)
                    if s.modality != "other"
                    else "Other",
                    s.count,
                )
                for s in report.stages
            ],
            numeric_from=2,
        ),
        "</section>",
        "<section><h2>Pipeline funnel</h2>",
        _table(
            ["Stage", "Ever reached", "Share of first step", "From previous step", "In it now"],
            [
                (s.label, s.ever_reached, _percent(s.share_of_first), _percent(s.share_of_previous), s.current)
                for s in report.funnel
            ],
        ),
        charts["funnel"],
        "</section>",
        "<section><h2>Median time in each stage</h2>",
        '<p class="meta">Stays that ended only; the current, still open stay is left out.</p>',
        _table(
            ["Stage", "Median time", "Ended stays", "Open stays"],
            [(s.label, s.median, s.completed_stays, s.open_stays) for s in report.stage_durations],
        ),
        "</section>",
        "<section><h2>Partnerships by kind of partner</h2>",
        _table(["Kind of partner", "Partnerships"], [(c.label, c.count) for c in report.by_partner_kind]),
        f'<p class="meta">Without any partner: {report.partnerships_without_partner:,}.</p>',
        charts["kinds"],
        "</section>",
        "<section><h2>Partnerships by region</h2>",
        _table(["Region", "Partnerships"], [(c.label, c.count) for c in report.by_region]),
        charts["regions"],
        "</section>",
        "<section><h2>Partnerships by country</h2>",
        _table(["Country", "Partnerships"], [(c.label, c.count) for c in report.by_country]),
        "</section>",
        "<section><h2>Multi-actor partnerships</h2>",
        f"<p>{multi.count:,} of {multi.total:,} partnerships ({_percent(multi.share)}) have two or more partners.</p>",
        _table(["Partner parties", "Partnerships"], [(d.parties, d.partnerships) for d in multi.distribution]),
        "</section>",
        "<section><h2>Agreements expiring</h2>",
        _table(
            ["Window", "From", "To", "Agreements", "Cumulative"],
            [(w.label, w.first_day.isoformat(), w.last_day.isoformat(), w.count, w.within) for w in report.expiring],
            numeric_from=3,
        ),
        charts["end_dates"],
        "</section>",
        "<section><h2>Overdue obligations by party</h2>",
        f"<p>{report.overdue.total:,} overdue obligations owed by {report.overdue.parties:,} parties.</p>",
        _table(["Party", "Overdue obligations"], [(p.name, p.count) for p in report.overdue.by_party]),
        "</section>",
        "<h2>How to read this report</h2>",
        '<ul class="notes">' + "".join(f"<li>{_e(note)}</li>" for note in report.notes) + "</ul>",
        "</body></html>",
    ]
    return "\n".join(parts)


def report_pdf(report: PortfolioReport) -> bytes:
    """The report as an A4 PDF through WeasyPrint; it refers to no external resource, so nothing is fetched."""
    from weasyprint import HTML

    return HTML(string=report_html(report), base_url=None).write_pdf()
