"""Command line: ``agreements report`` — the portfolio report as text tables, JSON or a PDF file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.support import ensure_schema, fail, friendly_errors
from app.config import get_settings
from app.db import unit_of_work
from app.reports.pdf import report_pdf
from app.reports.schemas import ReportFilter
from app.reports.service import portfolio
from app.reports.text import report_text


@friendly_errors
def report(
    format: Annotated[str, typer.Option("--format", help="text, json or pdf.")] = "text",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", metavar="FILE", help="File to write (pdf needs one).")
    ] = None,
    area: Annotated[str | None, typer.Option(help="Only partnerships in this area (its code).")] = None,
    partner_kind: Annotated[str | None, typer.Option(help="Only those with a partner of this kind.")] = None,
    region: Annotated[str | None, typer.Option(help="Only those with a partner in this region.")] = None,
    country: Annotated[str | None, typer.Option(help="Only those with a partner in this country (ISO code).")] = None,
) -> None:
    """The portfolio report: by modality, area, partner kind and place; funnel; expiring; overdue."""

    if format not in {"text", "json", "pdf"}:
        raise fail(f"unknown format {format!r}; choose one of: text, json, pdf")
    if format == "pdf" and output is None:
        raise fail("a PDF needs a file: add -o report.pdf")
    filters = ReportFilter(area=area, partner_kind=partner_kind, region=region, country_code=country)
    ensure_schema(get_settings())
    with unit_of_work(write=False) as session:
        found = portfolio(session, filters=filters)
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
        raise fail(f"cannot write {output}: {exc.strerror}") from None
    typer.echo(f"wrote {output} ({len(content):,} bytes, {format})")
