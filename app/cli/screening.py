"""Command line: ``agreements screening load FILE`` (load the UN Consolidated List, report what changed and the new
hits), ``screening status`` and ``screening run`` (screen every organisation against the current list again)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.cli.support import PlainHelpGroup, ensure_schema, fail, friendly_errors, operator
from app.config import get_settings
from app.db import unit_of_work
from app.i18n import MESSAGES
from app.screening import loading, service
from app.screening.service import LoadReport
from app.screening.unlist import ListFormatError

screening_cli = typer.Typer(
    help=MESSAGES.lazy("Screen partner organisations against the UN Security Council Consolidated List."),
    no_args_is_help=True,
    cls=PlainHelpGroup,
)
SHOWN = 50


def report_lines(report: LoadReport) -> list[str]:
    """What a load changed, in lines a person reads (at most ``SHOWN`` items of each kind)."""
    lines = [
        MESSAGES.gettext(
            "Loaded {entries} entries; {added} added, {removed} removed, {changed} changed; {organisations} "
            "organisations screened in {seconds} s.",
            entries=report.entries, added=len(report.added), removed=len(report.removed),
            changed=len(report.changed), organisations=report.organisations, seconds=f"{report.seconds:.1f}",
        ),
        MESSAGES.gettext(
            "New hits: {hits}; decisions re-opened because their entry changed: {reopened}.",
            hits=len(report.new_hits), reopened=len(report.reopened),
        ),
    ]  # fmt: skip
    if report.unchanged_file:
        lines.append(MESSAGES.gettext("The file is the one loaded last: nothing changed."))
    for title, items in (("added", report.added), ("removed", report.removed), ("changed", report.changed)):
        for data_id, name in items[:SHOWN]:
            lines.append(f"  {title:<8} {data_id:>9}  {name}")
    for organisation_id, name, entry_name, score in report.new_hits[:SHOWN]:
        lines.append(f"  new hit  organisation {organisation_id} {name} ~ {entry_name} (score {score:.1f})")
    for organisation_id, name, entry_name in report.reopened[:SHOWN]:
        lines.append(f"  re-opened  organisation {organisation_id} {name} ~ {entry_name}")
    return lines


@screening_cli.command("load", help=MESSAGES.lazy("Load the Consolidated List (its XML file) and re-screen everyone."))
@friendly_errors
def load(file: Annotated[Path, typer.Argument(help=MESSAGES.lazy("The consolidated.xml file."))]) -> None:
    """Load a Consolidated List; print entries added, removed and changed, and the new hits."""
    if not file.is_file():
        raise fail(MESSAGES.gettext("no file at {path}", path=str(file)))
    ensure_schema(get_settings())
    try:
        with unit_of_work() as session, file.open("rb") as stream:
            report = loading.load_list(session, stream, file_name=file.name, actor=operator("screening load"))
    except ListFormatError as exc:
        where = f" (line {exc.line})" if exc.line else ""
        raise fail(MESSAGES.gettext("{file} is not a Consolidated List: {reason}", file=file.name,
                                    reason=f"{exc}{where}"), 2) from None  # fmt: skip
    service.forget_matchers()
    for line in report_lines(report):
        typer.echo(line)


@screening_cli.command("status", help=MESSAGES.lazy("The list loaded and how many organisations stand where."))
@friendly_errors
def status() -> None:
    """Print the current list and the organisations' screening statuses."""
    ensure_schema(get_settings())
    with unit_of_work(write=False) as session:
        loaded = service.current_list(session)
        if loaded is None:
            typer.echo(MESSAGES.gettext("No sanctions list is loaded."))
        else:
            generated = loaded.date_generated.isoformat() if loaded.date_generated else "?"
            typer.echo(MESSAGES.gettext("List generated {date}, {entries} entries, loaded {loaded}.", date=generated,
                                        entries=loaded.entries, loaded=loaded.loaded_at.isoformat()))  # fmt: skip
        for name, number in sorted(service.counts(session).items()):
            typer.echo(f"  {name:<11} {number}")


@screening_cli.command("run", help=MESSAGES.lazy("Screen every organisation against the current list again."))
@friendly_errors
def run() -> None:
    """Re-screen every organisation against the current list and print the new hits."""
    ensure_schema(get_settings())
    with unit_of_work() as session:
        loaded = service.current_list(session)
        if loaded is None:
            raise fail(MESSAGES.gettext("no sanctions list is loaded: run agreements screening load FILE first"))
        report = LoadReport(list_id=loaded.id, entries=loaded.entries)
        service.rescreen_all(session, loaded, report)
    typer.echo(MESSAGES.gettext("{count} organisations screened; {hits} new hits.", count=report.organisations,
                                hits=len(report.new_hits)))  # fmt: skip
