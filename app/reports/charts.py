"""Charts as SVG text, in pure Python: horizontal bars, a funnel, a timeline of end dates, a heat table.

Each chart is accessible on its own: ``role="img"``, a ``<title>`` and a ``<desc>`` carrying every number (named
by ``aria-labelledby``), and every value printed as text beside its shape, so nothing is told by colour alone.
No ``<style>`` element (the pages' Content-Security-Policy blocks it): colours are presentation attributes.
The output depends only on the input and the language in use (ids come from the ``chart_id`` given), and every text
is escaped. Titles, descriptions and numbers are written in the language in use (``reports`` catalog, Babel).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from app.i18n import REPORTS, format_number, format_percent
from app.reports.schemas import PortfolioReport

_ = REPORTS.gettext

BAR = "#2f6f9f"
BAR_LIGHT = "#cfe0ee"
INK = "#1f2933"
MUTED = "#52606d"
GRID = "#d9e2ec"
FONT = 'font-family="Helvetica, Arial, sans-serif"'
CHAR_WIDTH = 6.4  # average width of a 12px character, to size label columns
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ID = re.compile(r"[^A-Za-z0-9_-]")


def _text(value: object) -> str:
    """Text safe inside an SVG element or attribute."""
    return escape(_XML_INVALID.sub("", str(value)), quote=True)


def _short(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _number(value: float) -> str:
    return format_number(int(value) if float(value).is_integer() else round(float(value), 1))


def _open(chart_id: str, width: float, height: float, title: str, description: str) -> list[str]:
    ident = _ID.sub("-", chart_id) or "chart"
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" aria-labelledby="{ident}-title {ident}-desc" class="chart">',
        f'<title id="{ident}-title">{_text(title)}</title>',
        f'<desc id="{ident}-desc">{_text(description)}</desc>',
    ]


def _describe(items: Sequence[tuple[str, float]], empty: str) -> str:
    if not items:
        return empty
    return "; ".join(_("{label}: {value}", label=label, value=_number(value)) for label, value in items) + "."


def _empty(chart_id: str, title: str, message: str) -> str:
    parts = _open(chart_id, 480, 40, title, message)
    parts.append(f'<text x="0" y="24" {FONT} font-size="13" fill="{MUTED}">{_text(message)}</text>')
    return "\n".join([*parts, "</svg>"])


def bar_chart(
    chart_id: str, title: str, items: Sequence[tuple[str, float]], *, width: int = 640, empty: str | None = None
) -> str:
    """Horizontal bars, one per (label, value), the value written at the end of each bar."""
    empty = empty or _("Nothing to show.")
    if not items:
        return _empty(chart_id, title, empty)
    labels = [_short(label, 42) for label, _ in items]
    label_width = min(max(len(label) for label in labels) * CHAR_WIDTH + 12, width * 0.5)
    top, row = 8, 24
    height = top * 2 + row * len(items)
    biggest = max((value for _label, value in items), default=0) or 1
    room = width - label_width - 60
    parts = _open(chart_id, width, height, title, _describe(items, empty))
    for index, ((_label, value), label) in enumerate(zip(items, labels, strict=True)):
        y = top + index * row
        length = max(room * value / biggest, 1 if value else 0)
        parts.append(
            f'<text x="{label_width - 8:.1f}" y="{y + 16}" text-anchor="end" {FONT} font-size="12" '
            f'fill="{INK}">{_text(label)}</text>'
        )
        parts.append(f'<rect x="{label_width:.1f}" y="{y + 4}" width="{length:.1f}" height="16" fill="{BAR}"/>')
        parts.append(
            f'<text x="{label_width + length + 6:.1f}" y="{y + 16}" {FONT} font-size="12" '
            f'fill="{INK}">{_text(_number(value))}</text>'
        )
    return "\n".join([*parts, "</svg>"])


def funnel_chart(
    chart_id: str, title: str, steps: Sequence[tuple[str, float]], *, width: int = 640, empty: str | None = None
) -> str:
    """A funnel: centred bars narrowing with each step, with the count and the share of the first step."""
    empty = empty or _("Nothing yet.")
    if not steps or not steps[0][1]:
        return _empty(chart_id, title, empty)
    first = steps[0][1]
    row, top, label_width = 44, 8, 150
    height = top * 2 + row * len(steps)
    room = width - label_width - 20
    centre = label_width + room / 2
    description = "; ".join(
        _(
            "{label}: {value} ({share} of the first step)",
            label=label,
            value=_number(value),
            share=format_percent(value / first),
        )
        for label, value in steps
    )
    parts = _open(chart_id, width, height, title, description + ".")
    for index, (label, value) in enumerate(steps):
        y = top + index * row
        length = max(room * value / first, 2)
        parts.append(
            f'<text x="{label_width - 10}" y="{y + 24}" text-anchor="end" {FONT} font-size="12" '
            f'fill="{INK}">{_text(_short(label, 22))}</text>'
        )
        parts.append(
            f'<rect x="{centre - length / 2:.1f}" y="{y + 4}" width="{length:.1f}" height="32" fill="{BAR_LIGHT}" '
            f'stroke="{BAR}" stroke-width="1"/>'
        )
        parts.append(
            f'<text x="{centre:.1f}" y="{y + 24}" text-anchor="middle" {FONT} font-size="12" font-weight="bold" '
            f'fill="{INK}">{_text(_number(value))} · {_text(format_percent(value / first))}</text>'
        )
    return "\n".join([*parts, "</svg>"])


def timeline_chart(
    chart_id: str, title: str, months: Sequence[tuple[str, float]], *, width: int = 720, empty: str | None = None
) -> str:
    """Columns per month (a timeline of end dates), each with its count above and its month below.

    A month's label is its abbreviation and its year ("Jan 2027", "janv. 2027"); the year is written under the first
    month and under each month that starts a new year.
    """
    empty = empty or _("None.")
    if not months:
        return _empty(chart_id, title, empty)
    top, plot, bottom = 20, 120, 44
    height = top + plot + bottom
    step = width / len(months)
    biggest = max(value for _month, value in months) or 1
    listed = [(label, value) for label, value in months if value]
    description = _describe(listed, _("no agreement ends in these months"))
    if listed:
        description = REPORTS.ngettext("{n} month.", "{n} months.", len(months)) + " " + description
    parts = _open(chart_id, width, height, title, description)
    parts.append(f'<line x1="0" y1="{top + plot}" x2="{width}" y2="{top + plot}" stroke="{GRID}" stroke-width="1"/>')
    for index, (label, value) in enumerate(months):
        x = index * step
        length = plot * value / biggest
        bar_width = max(step - 6, 2)
        if value:
            parts.append(
                f'<rect x="{x + 3:.1f}" y="{top + plot - length:.1f}" width="{bar_width:.1f}" height="{length:.1f}" '
                f'fill="{BAR}"/>'
            )
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{top + plot - length - 4:.1f}" text-anchor="middle" {FONT} '
            f'font-size="10" fill="{INK}">{_text(_number(value))}</text>'
        )
        month, _space, year = label.rpartition(" ") if " " in label else (label, "", "")
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{top + plot + 14}" text-anchor="middle" {FONT} font-size="10" '
            f'fill="{MUTED}">{_text(_short(month, 6))}</text>'
        )
        if index == 0 or year != months[index - 1][0].rpartition(" ")[2]:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{top + plot + 28}" text-anchor="middle" {FONT} font-size="10" '
                f'fill="{MUTED}">{_text(year)}</text>'
            )
    return "\n".join([*parts, "</svg>"])


def _shade(value: float, biggest: float) -> tuple[str, str]:
    """Fill and text colours of a heat cell: five steps from white to the bar colour (text stays readable)."""
    if not value:
        return "#ffffff", MUTED
    level = min(4, int(4 * value / biggest)) if biggest else 0
    fills = ["#e8f1f8", "#cfe0ee", "#a9c8e2", "#7aa9d0", BAR]
    return fills[level], "#ffffff" if level >= 4 else INK


def heat_table(
    chart_id: str,
    title: str,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Sequence[Sequence[float]],
    *,
    empty: str | None = None,
) -> str:
    """A matrix of counts, darker where higher; every count is written in its cell."""
    empty = empty or _("Nothing to show.")
    if not rows or not columns:
        return _empty(chart_id, title, empty)
    row_labels = [_short(row, 30) for row in rows]
    label_width = max(len(label) for label in row_labels) * CHAR_WIDTH + 14
    cell_width, cell_height, header = 46, 26, 150
    width = label_width + cell_width * len(columns) + 4
    height = header + cell_height * len(rows) + 4
    biggest = max((value for line in cells for value in line), default=0)
    described = "; ".join(
        f"{row}: " + ", ".join(f"{column} {_number(value)}" for column, value in zip(columns, line, strict=True))
        for row, line in zip(rows, cells, strict=True)
    )
    parts = _open(chart_id, width, height, title, described + ".")
    for index, column in enumerate(columns):
        x = label_width + index * cell_width + cell_width / 2
        parts.append(
            f'<text x="{x:.1f}" y="{header - 6}" transform="rotate(-55 {x:.1f} {header - 6})" {FONT} font-size="11" '
            f'fill="{INK}">{_text(_short(column, 26))}</text>'
        )
    for r, (label, line) in enumerate(zip(row_labels, cells, strict=True)):
        y = header + r * cell_height
        parts.append(
            f'<text x="{label_width - 8:.1f}" y="{y + 17}" text-anchor="end" {FONT} font-size="12" '
            f'fill="{INK}">{_text(label)}</text>'
        )
        for c, value in enumerate(line):
            x = label_width + c * cell_width
            fill, ink = _shade(value, biggest)
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{cell_width}" height="{cell_height}" fill="{fill}" '
                f'stroke="{GRID}" stroke-width="1"/>'
            )
            parts.append(
                f'<text x="{x + cell_width / 2:.1f}" y="{y + 17}" text-anchor="middle" {FONT} font-size="12" '
                f'fill="{ink}">{_text(_number(value))}</text>'
            )
    return "\n".join([*parts, "</svg>"])


def charts_for(report: PortfolioReport) -> dict[str, str]:
    """The report's charts by name: modality by area heat table, funnel, partner kinds, regions, end dates."""
    return {
        "heat": heat_table(
            "chart-modality-area",
            _("Partnerships by modality and area of engagement"),
            [row.label for row in report.modality_by_area],
            [area.name for area in report.areas],
            [row.cells for row in report.modality_by_area],
        ),
        "funnel": funnel_chart(
            "chart-funnel",
            _("Pipeline funnel: partnerships that ever reached each stage"),
            [(step.label, step.ever_reached) for step in report.funnel],
            empty=_("No partnership yet."),
        ),
        "kinds": bar_chart(
            "chart-kinds",
            _("Partnerships by kind of partner"),
            [(item.label, item.count) for item in report.by_partner_kind],
            empty=_("No partner yet."),
        ),
        "regions": bar_chart(
            "chart-regions",
            _("Partnerships by region of the partners"),
            [(item.label, item.count) for item in report.by_region],
            empty=_("No partner yet."),
        ),
        "end_dates": timeline_chart(
            "chart-end-dates",
            REPORTS.ngettext(
                "Active agreements ending per month, next {n} month",
                "Active agreements ending per month, next {n} months",
                len(report.end_dates_by_month),
            ),
            [(month.label, month.count) for month in report.end_dates_by_month],
        ),
    }
