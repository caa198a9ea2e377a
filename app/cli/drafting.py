"""``agreements draft``: render a template from a partnership's facts into a file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from sqlalchemy import select

from app.cli.support import ensure_schema, fail, friendly_errors, operator
from app.config import get_settings
from app.db import unit_of_work
from app.i18n import MESSAGES
from app.partnerships.models import Partnership

if TYPE_CHECKING:
    from app.drafting.documents import Output


def default_output(document: Output) -> Path:
    """The file a draft goes to without ``-o``: the name the drafting service gives it (reference, template, format),
    the same as a download's, so that it follows the references the service uses."""
    return Path(document.file_name)


@friendly_errors
def draft(
    reference: Annotated[str, typer.Argument(help=MESSAGES.lazy("The partnership's reference, e.g. PA-2026-0042."))],
    template: Annotated[
        str, typer.Option(help=MESSAGES.lazy("Template key: mou, amendment, undertaking_record, …"))
    ] = "mou",
    format: Annotated[str, typer.Option("--format", help=MESSAGES.lazy("html, docx or pdf."))] = "docx",
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            metavar="FILE",
            help=MESSAGES.lazy(
                "File to write; by default named after the reference, template and format, e.g. PA-2026-0042-mou.pdf."
            ),
        ),
    ] = None,
    language: Annotated[str, typer.Option(help=MESSAGES.lazy("Language code; falls back to English."))] = "en",
    var: Annotated[
        list[str],
        typer.Option("--var", metavar="NAME=VALUE", help=MESSAGES.lazy("Extra variable as NAME=VALUE (repeatable).")),
    ] = [],  # noqa: B006
) -> None:
    """Render a template from a partnership's facts into a file (nothing is stored); lists what is missing."""
    # Imported here, not above: the template engine and the document renderers cost every other command 0.2 s.
    from app.drafting.service import preview_document

    if format not in {"html", "docx", "pdf"}:
        raise fail(MESSAGES.gettext("unknown format {format}; choose one of: html, docx, pdf", format=repr(format)))
    overrides = {}
    for item in var:
        name, separator, value = item.partition("=")
        if not separator or not name.strip():
            raise fail(MESSAGES.gettext("--var {item} must be written NAME=VALUE", item=repr(item)))
        overrides[name.strip()] = value
    ensure_schema(get_settings())
    with unit_of_work(write=False) as session:
        found = session.scalars(select(Partnership).where(Partnership.reference == reference.strip())).first()
        if found is None:
            raise fail(MESSAGES.gettext("no partnership has the reference {reference}", reference=repr(reference)))
        preview_for = operator("draft a preview")
        document = preview_document(session, found.id, template, language, overrides, format, actor=preview_for)
    output = output or default_output(document)
    try:
        output.write_bytes(document.content)
    except OSError as exc:
        raise fail(
            MESSAGES.gettext("cannot write {output}: {strerror}", output=output, strerror=exc.strerror)
        ) from None
    typer.echo(
        MESSAGES.gettext(
            "wrote {output} ({len:,} bytes, {format})", output=output, len=len(document.content), format=format
        )
    )
