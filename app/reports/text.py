"""The portfolio report as plain-text tables for a terminal, in the language in use."""

from __future__ import annotations

from collections.abc import Sequence

from app.i18n import REPORTS, format_date, format_number, format_percent
from app.reports.filters import filters_text
from app.reports.schemas import PortfolioReport

_ = REPORTS.gettext


def _cell(value: object) -> str:
    return format_number(value) if isinstance(value, int) else str(value)


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Columns padded to their widest cell; numbers (every column after the first) aligned right."""
    cells = [[str(c) for c in header], *[[_cell(c) for c in row] for row in rows]]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    return [line(cells[0]), "  ".join("-" * w for w in widths), *(line(row) for row in cells[1:])]


def _percent(share: float | None) -> str:
    return "-" if share is None else format_percent(share)


def report_text(report: PortfolioReport) -> str:
    """Every section of the report as readable text tables."""
    filters = filters_text(report.filters)
    multi = report.multi_actor
    partnerships, stage = _("Partnerships"), _("Stage")
    out = [
        _("Portfolio report as of {day} (filters: {filters})", day=format_date(report.today), filters=filters),
        REPORTS.ngettext(
            "{count} partnership, {multi} multi-actor ({share})",
            "{count} partnerships, {multi} multi-actor ({share})",
            report.total_partnerships,
            count=format_number(report.total_partnerships),
            multi=format_number(multi.count),
            share=_percent(multi.share),
        ),
        "",
        _("Partnerships by modality and area of engagement (a partnership with several areas counts in each)"),
    ]
    area_rows = [[area.name, *(row.cells[i] for row in report.modality_by_area)] for i, area in enumerate(report.areas)]
    area_rows.append([_("All (each partnership once)"), *(row.total for row in report.modality_by_area)])
    out += table([_("Area"), *(row.label.split(" (")[0] for row in report.modality_by_area)], area_rows)
    sections: list[tuple[str, list[str], list[list[object]]]] = [
        (_("Partnerships by stage"), [stage, partnerships], [[s.label, s.count] for s in report.stages]),
        (
            _("Pipeline funnel (partnerships that ever reached each stage)"),
            [stage, _("Ever reached"), _("Of first"), _("Of previous"), _("Now")],
            [
                [s.label, s.ever_reached, _percent(s.share_of_first), _percent(s.share_of_previous), s.current]
                for s in report.funnel
            ],
        ),
        (
            _("Median time in each stage (stays that ended; the open stay is left out)"),
            [stage, _("Median time"), _("Ended stays"), _("Open stays")],
            [[s.label, s.median, s.completed_stays, s.open_stays] for s in report.stage_durations],
        ),
        (
            _(
                "Partnerships by kind of partner (without any partner: {count})",
                count=format_number(report.partnerships_without_partner),
            ),
            [_("Kind"), partnerships],
            [[c.label, c.count] for c in report.by_partner_kind],
        ),
        (_("Partnerships by region"), [_("Region"), partnerships], [[c.label, c.count] for c in report.by_region]),
        (_("Partnerships by country"), [_("Country"), partnerships], [[c.label, c.count] for c in report.by_country]),
        (
            _("Multi-actor partnerships: number of partner parties"),
            [_("Parties"), partnerships],
            [[str(d.parties), d.partnerships] for d in multi.distribution],
        ),
        (
            _("Active agreements expiring"),
            [_("Window"), _("From"), _("To"), _("Agreements"), _("Cumulative")],
            [
                [w.label, format_date(w.first_day, "medium"), format_date(w.last_day, "medium"), w.count, w.within]
                for w in report.expiring
            ],
        ),
        (
            _("Active agreements ending per month"),
            [_("Month"), _("Agreements")],
            [[m.label, m.count] for m in report.end_dates_by_month],
        ),
        (
            _(
                "Overdue obligations by party ({count} owed by {parties} parties)",
                count=format_number(report.overdue.total),
                parties=format_number(report.overdue.parties),
            ),
            [_("Party"), _("Overdue")],
            [[p.name, p.count] for p in report.overdue.by_party],
        ),
    ]
    for title, header, rows in sections:
        out += ["", title]
        out += table(header, rows) if rows else [_("(none)")]
    out += ["", _("Notes:"), *(f"- {note}" for note in report.notes)]
    return "\n".join(out) + "\n"
