"""Command line: ``agreements export ENTITY`` writes a list (the API's filters and sort) to a CSV or XLSX file."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from app.cli.support import ensure_schema, fail, friendly_errors
from app.config import get_settings
from app.db import unit_of_work
from app.errors import ValidationFailed
from app.i18n import MESSAGES


def _filters(items: list[str]) -> dict[str, str]:
    """``["stage=formal", "area=migrant_health"]`` → a dict; raises ``ValueError`` naming a malformed item."""
    values: dict[str, str] = {}
    for item in items:
        name, separator, value = item.partition("=")
        if not separator or not name.strip():
            raise ValueError(f"--filter {item!r} must be written NAME=VALUE")
        values[name.strip()] = value.strip()
    return values


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@friendly_errors
def export(
    entity: Annotated[
        str, typer.Argument(help=MESSAGES.lazy("organisations, partnerships, agreements or obligations."))
    ],
    file_format: Annotated[
        str, typer.Option("--format", help=MESSAGES.lazy("csv (UTF-8 with a BOM) or xlsx."))
    ] = "csv",
    output: Annotated[
        str | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            help=MESSAGES.lazy("File to write ('-' for standard output); default ENTITY-DATE.FORMAT."),
        ),
    ] = None,
    filter_items: Annotated[
        list[str] | None,
        typer.Option(
            "--filter",
            metavar="NAME=VALUE",
            help=MESSAGES.lazy(
                "NAME=VALUE, as the API list takes it (repeatable): e.g. stage=formal, area=migrant_health, "
                "sort=-created_at."
            ),
        ),
    ] = None,
) -> None:
    """Write a list to a CSV or XLSX file, with the same filters and sort as the API list."""
    # Imported here, not above: the spreadsheet writers cost every other command 0.25 s.
    from app.exports import service

    if entity not in service.ENTITIES:
        raise fail(
            MESSAGES.gettext(
                "there is no export of {entity}; choose one of: {values}",
                entity=repr(entity),
                values=", ".join(service.ENTITIES),
            ),
            2,
        )
    try:
        values = _filters(filter_items or [])
    except ValueError as exc:
        raise fail(str(exc), 2) from None
    if "format" in values:
        raise fail(MESSAGES.gettext("give the format with --format, not as a filter"), 2)
    allowed = [name for name in service.filter_names(entity) if name != "format"]
    unknown = [name for name in values if name not in allowed]
    if unknown:
        raise fail(
            MESSAGES.gettext(
                "unknown filter {value} for {entity}; choose from: {values}",
                value=repr(unknown[0]),
                entity=entity,
                values=", ".join(allowed),
            ),
            2,
        )
    try:
        query = service.parse_query(entity, {**values, "format": file_format})
    except ValidationFailed as exc:
        raise fail("; ".join(f"{p.field}: {p.reason}" for p in exc.problems), 2) from None
    ensure_schema(get_settings())
    with unit_of_work(write=False) as session:
        try:
            export = service.prepare(session, entity, query)
        except ValidationFailed as exc:
            raise fail("; ".join(f"{p.field}: {p.reason}" for p in exc.problems), 2) from None
        if output == "-":
            count = service.write(session, export, sys.stdout.buffer)
            sys.stdout.flush()
            typer.echo(MESSAGES.gettext("wrote {count} {entity}", count=count, entity=entity), err=True)
            return
        target = Path(output or export.filename)
        if target.is_dir():
            target = target / export.filename
        if not target.parent.is_dir():
            raise fail(MESSAGES.gettext("the folder {parent} does not exist", parent=target.parent), 2)
        # Write beside the target and move it into place: an interrupted export leaves no half-written file.
        handle, partial = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent.resolve())
        try:
            with os.fdopen(handle, "wb") as file:
                count = service.write(session, export, file)
            os.chmod(partial, 0o666 & ~_umask())
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    typer.echo(
        MESSAGES.gettext("wrote {count} {entity} to {target}", count=count, entity=entity, target=target), err=True
    )
