"""Command line: ``agreements report`` — the portfolio report as text tables, JSON or a PDF file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from app.cli.support import ensure_schema, fail, friendly_errors
from app.config import get_settings
from app.db import unit_of_work
from app.i18n import MESSAGES
from app.reports.history import check_day
from app.reports.pdf import report_pdf
from app.reports.schemas import ReportFilter
from app.reports.service import portfolio
from app.reports.text import report_text


@friendly_errors
def report(
    format: Annotated[str, typer.Option("--format", help=MESSAGES.lazy("text, json or pdf."))] = "text",
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", metavar="FILE", help=MESSAGES.lazy("File to write (pdf needs one).")),
    ] = None,
    area: Annotated[str | None, typer.Option(help=MESSAGES.lazy("Only partnerships in this area (its code)."))] = None,
    partner_kind: Annotated[
        str | None, typer.Option(help=MESSAGES.lazy("Only those with a partner of this kind."))
    ] = None,
    region: Annotated[str | None, typer.Option(help=MESSAGES.lazy("Only those with a partner in this region."))] = None,
    country: Annotated[
        str | None, typer.Option(help=MESSAGES.lazy("Only those with a partner in this country (ISO code)."))
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="DAY", help=MESSAGES.lazy("The portfolio as it stood at the end of this past day.")
        ),
    ] = None,
) -> None:
    """The portfolio report: by modality, area, partner kind and place; funnel; expiring; overdue."""

    if format not in {"text", "json", "pdf"}:
        raise fail(MESSAGES.gettext("unknown format {format}; choose one of: text, json, pdf", format=repr(format)))
    if format == "pdf" and output is None:
        raise fail(MESSAGES.gettext("a PDF needs a file: add -o report.pdf"))
    day = None
    if as_of is not None:
        try:
            day = date.fromisoformat(as_of)
        except ValueError:
            raise fail(
                MESSAGES.gettext("{option}: not a date (YYYY-MM-DD): {value}", option="--as-of", value=repr(as_of))
            ) from None
        check_day(day, "as_of")
    filters = ReportFilter(area=area, partner_kind=partner_kind, region=region, country_code=country)
    ensure_schema(get_settings())
    with unit_of_work(write=False) as session:
        found = portfolio(session, day, filters=filters)
    if format == "pdf":
        content = report_pdf(found)
    elif format == "json":
        content = (found.model_dump_json(indent=2) + "\n").encode()
    else:
        content = report_text(found).encode()
    if output is None:
        typer.echo(content.decode(), nl=False)
        return
    try:
        output.write_bytes(content)
    except OSError as exc:
        raise fail(
            MESSAGES.gettext("cannot write {output}: {strerror}", output=output, strerror=exc.strerror)
        ) from None
    typer.echo(
        MESSAGES.gettext("wrote {output} ({len:,} bytes, {format})", output=output, len=len(content), format=format)
    )
