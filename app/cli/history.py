"""Command line: ``agreements portfolio --as-of DAY`` (every partnership or agreement as it stood that day) and
``agreements changes --from DAY --to DAY`` (what changed between two days), as text, JSON or CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli.support import ensure_schema, fail, friendly_errors
from app.config import get_settings
from app.db import unit_of_work
from app.i18n import MESSAGES
from app.listing import MAX_PAGE_SIZE, Paging
from app.reports import history
from app.reports.schemas import AsOfFilter, ChangesFilter

FORMATS = ("text", "json", "csv")
_ = MESSAGES.gettext


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(_("{option}: not a date (YYYY-MM-DD): {value}", option=option, value=repr(value))) from None


def _check_format(format: str) -> None:
    if format not in FORMATS:
        choices = ", ".join(FORMATS)
        raise fail(_("unknown format {format}; choose one of: {values}", format=repr(format), values=choices))


def _write(content: str, output: Path | None, format: str) -> None:
    if output is None:
        typer.echo(content, nl=False)
        return
    try:
        output.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise fail(_("cannot write {output}: {strerror}", output=output, strerror=exc.strerror)) from None
    typer.echo(_("wrote {output} ({len:,} bytes, {format})", output=output, len=len(content.encode()), format=format))


def _walk(read: Any, filters: Any) -> Iterator[Any]:
    """Every item of a keyset-paged list, page after page (one read-only transaction a page)."""
    paging = Paging(page_size=MAX_PAGE_SIZE)
    while True:
        with unit_of_work(write=False) as session:
            found = read(session, filters, paging)
            yield from found.items
            cursor = found.next_cursor
        if cursor is None:
            return
        paging = Paging(page_size=MAX_PAGE_SIZE, cursor=cursor)


def _table(rows: list[dict[str, Any]], format: str, columns: list[str]) -> str:
    if format == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False, default=str) + "\n"
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()
    widths = {c: max([len(c), *(len(str(row.get(c, ""))) for row in rows)]) for c in columns}
    lines = ["  ".join(c.ljust(widths[c]) for c in columns)]
    lines += ["  ".join(str(row.get(c, "")).ljust(widths[c]) for c in columns).rstrip() for row in rows]
    return "\n".join(lines) + "\n"


AreaOption = Annotated[str | None, typer.Option(help=MESSAGES.lazy("Only partnerships in this area (its code)."))]
KindOption = Annotated[str | None, typer.Option(help=MESSAGES.lazy("Only those with a partner of this kind."))]
RegionOption = Annotated[str | None, typer.Option(help=MESSAGES.lazy("Only those with a partner in this region."))]
CountryOption = Annotated[
    str | None, typer.Option(help=MESSAGES.lazy("Only those with a partner in this country (ISO code)."))
]
FormatOption = Annotated[str, typer.Option("--format", help=MESSAGES.lazy("text, json or csv."))]
OutputOption = Annotated[
    Path | None, typer.Option("-o", "--output", metavar="FILE", help=MESSAGES.lazy("File to write."))
]


@friendly_errors
def portfolio(
    as_of: Annotated[
        str,
        typer.Option(
            "--as-of",
            metavar="DAY",
            help=MESSAGES.lazy("The day (YYYY-MM-DD, its end in the organisation's timezone)."),
        ),
    ],
    agreements: Annotated[
        bool, typer.Option("--agreements", help=MESSAGES.lazy("List the agreements instead of the partnerships."))
    ] = False,
    stage: Annotated[
        str | None, typer.Option(help=MESSAGES.lazy("Only those in this stage (agreements: status) that day."))
    ] = None,
    area: AreaOption = None,
    partner_kind: KindOption = None,
    region: RegionOption = None,
    country: CountryOption = None,
    format: FormatOption = "text",
    output: OutputOption = None,
) -> None:
    """Every partnership (or agreement) as it stood at the end of a past day, from the history."""
    _check_format(format)
    filters = AsOfFilter(
        on=_day(as_of, "--as-of"),
        stage=stage,
        area=area,
        partner_kind=partner_kind,
        region=region,
        country_code=country,
    )
    ensure_schema(get_settings())
    read = history.agreements_as_of if agreements else history.partnerships_as_of
    rows = [item.model_dump(mode="json") for item in _walk(read, filters)]
    if agreements:
        columns = ["id", "reference", "title", "kind", "partnership_id", "status", "since", "status_now"]
    else:
        columns = ["id", "reference", "title", "stage", "since", "stage_now"]
    _write(_table(rows, format, columns), output, format)


@friendly_errors
def changes(
    start: Annotated[str, typer.Option("--from", metavar="DAY", help=MESSAGES.lazy("The first day (YYYY-MM-DD)."))],
    end: Annotated[
        str, typer.Option("--to", metavar="DAY", help=MESSAGES.lazy("The last day (YYYY-MM-DD), included."))
    ],
    records: Annotated[
        str | None,
        typer.Option(
            "--records",
            metavar="KIND",
            help=MESSAGES.lazy(
                "List the records behind one figure: new, formalised, agreements_signed, agreements_extended, "
                "agreements_expired or agreements_terminated."
            ),
        ),
    ] = None,
    area: AreaOption = None,
    partner_kind: KindOption = None,
    region: RegionOption = None,
    country: CountryOption = None,
    format: FormatOption = "text",
    output: OutputOption = None,
) -> None:
    """What changed between two days: new, formalised, signed, extended, expired and terminated, by area, region
    and kind of partner."""
    _check_format(format)
    filters = ChangesFilter(
        start=_day(start, "--from"),
        end=_day(end, "--to"),
        area=area,
        partner_kind=partner_kind,
        region=region,
        country_code=country,
    )
    ensure_schema(get_settings())
    if records is not None:
        history.category(records)

        def read(session: Any, chosen: ChangesFilter, paging: Paging) -> Any:
            return history.change_records(session, records, chosen, paging)

        rows = [item.model_dump(mode="json") for item in _walk(read, filters)]
        columns = ["id", "record", "reference", "title", "partnership_id", "occurred_at"]
        _write(_table(rows, format, columns), output, format)
        return
    with unit_of_work(write=False) as session:
        summary = history.changes_between(session, filters)
    if format == "json":
        _write(summary.model_dump_json(indent=2) + "\n", output, format)
        return
    rows = []
    for kind in summary.categories:
        rows.append({"change": kind.key, "by": "all", "key": "", "label": kind.label, "count": kind.count})
        for dimension, counts in (
            ("area", kind.by_area),
            ("region", kind.by_region),
            ("partner_kind", kind.by_partner_kind),
        ):
            rows += [
                {"change": kind.key, "by": dimension, "key": c.key or "", "label": c.label, "count": c.count}
                for c in counts
            ]
    columns = ["change", "by", "key", "label", "count"]
    if format == "csv":
        _write(_table(rows, format, columns), output, format)
        return
    heading = _(
        "Changes from {start} to {end} ({zone})",
        start=summary.start.isoformat(),
        end=summary.end.isoformat(),
        zone=summary.timezone,
    )
    lines = [heading, ""]
    for kind in summary.categories:
        lines.append(f"{kind.label}: {kind.count:,}")
        for title, counts in (
            (_("by area"), kind.by_area),
            (_("by region"), kind.by_region),
            (_("by kind of partner"), kind.by_partner_kind),
        ):
            if counts:
                lines.append(f"  {title}: " + ", ".join(f"{c.label} {c.count:,}" for c in counts))
    lines += ["", *(f"- {note}" for note in summary.notes)]
    _write("\n".join(lines) + "\n", output, format)
