"""The portfolio report as plain-text tables for a terminal."""

from __future__ import annotations

from collections.abc import Sequence

from app.reports.schemas import PortfolioReport


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """Columns padded to their widest cell; numbers (every column after the first) aligned right."""
    cells = [[str(c) for c in header], *[[str(c) for c in row] for row in rows]]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]

    def line(row: list[str]) -> str:
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    return [line(cells[0]), "  ".join("-" * w for w in widths), *(line(row) for row in cells[1:])]


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share:.0%}"


def report_text(report: PortfolioReport) -> str:
    """Every section of the report as readable text tables."""
    filters = ", ".join(f"{k}={v}" for k, v in report.filters.items()) or "none"
    multi = report.multi_actor
    out = [
        f"Portfolio report as of {report.today.isoformat()} (filters: {filters})",
        f"{report.total_partnerships:,} partnerships, {multi.count:,} multi-actor ({_percent(multi.share)})",
        "",
        "Partnerships by modality and area of engagement (a partnership with several areas counts in each)",
    ]
    area_rows = [[area.name, *(row.cells[i] for row in report.modality_by_area)] for i, area in enumerate(report.areas)]
    area_rows.append(["All (each partnership once)", *(row.total for row in report.modality_by_area)])
    out += table(["Area", *(row.label.split(" (")[0] for row in report.modality_by_area)], area_rows)
    sections: list[tuple[str, list[str], list[list[object]]]] = [
        ("Partnerships by stage", ["Stage", "Partnerships"], [[s.label, s.count] for s in report.stages]),
        (
            "Pipeline funnel (partnerships that ever reached each stage)",
            ["Stage", "Ever reached", "Of first", "Of previous", "Now"],
            [
                [s.label, s.ever_reached, _percent(s.share_of_first), _percent(s.share_of_previous), s.current]
                for s in report.funnel
            ],
        ),
        (
            "Median time in each stage (stays that ended; the open stay is left out)",
            ["Stage", "Median time", "Ended stays", "Open stays"],
            [[s.label, s.median, s.completed_stays, s.open_stays] for s in report.stage_durations],
        ),
        (
            f"Partnerships by kind of partner (without any partner: {report.partnerships_without_partner})",
            ["Kind", "Partnerships"],
            [[c.label, c.count] for c in report.by_partner_kind],
        ),
        ("Partnerships by region", ["Region", "Partnerships"], [[c.label, c.count] for c in report.by_region]),
        ("Partnerships by country", ["Country", "Partnerships"], [[c.label, c.count] for c in report.by_country]),
        (
            "Multi-actor partnerships: number of partner parties",
            ["Parties", "Partnerships"],
            [[str(d.parties), d.partnerships] for d in multi.distribution],
        ),
        (
            "Active agreements expiring",
            ["Window", "From", "To", "Agreements", "Cumulative"],
            [[w.label, str(w.first_day), str(w.last_day), w.count, w.within] for w in report.expiring],
        ),
        (
            "Active agreements ending per month",
            ["Month", "Agreements"],
            [[m.label, m.count] for m in report.end_dates_by_month],
        ),
        (
            f"Overdue obligations by party ({report.overdue.total} owed by {report.overdue.parties} parties)",
            ["Party", "Overdue"],
            [[p.name, p.count] for p in report.overdue.by_party],
        ),
    ]
    for title, header, rows in sections:
        out += ["", title]
        out += table(header, rows) if rows else ["(none)"]
    out += ["", "Notes:", *(f"- {note}" for note in report.notes)]
    return "\n".join(out) + "\n"
