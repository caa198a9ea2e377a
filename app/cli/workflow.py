"""``agreements workflow show``: a workflow's diagram, drawn from the definition that runs."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.support import PlainHelpGroup, fail, friendly_errors
from app.i18n import MESSAGES
from app.workflow.definition import STATE_ATTRIBUTES, get_workflow
from app.workflow.diagram import DRAWINGS

workflow_cli = typer.Typer(help=MESSAGES.lazy("Inspect the workflows."), no_args_is_help=True, cls=PlainHelpGroup)


@workflow_cli.command("show", help=MESSAGES.lazy("Print a workflow's diagram, drawn from the definition that runs."))
@friendly_errors
def workflow_show(
    name: Annotated[str, typer.Argument(help=MESSAGES.lazy("partnership or agreement"))],
    format: Annotated[
        str, typer.Option(help=MESSAGES.lazy("Output format: mermaid (text) or svg (a drawing)."))
    ] = "mermaid",
) -> None:
    """Print a workflow's diagram, drawn from the definition that runs."""
    if name not in STATE_ATTRIBUTES:
        raise fail(
            MESSAGES.gettext(
                "unknown workflow {name}; choose one of: {values}",
                name=repr(name),
                values=", ".join(sorted(STATE_ATTRIBUTES)),
            )
        )
    if format not in DRAWINGS:
        raise fail(
            MESSAGES.gettext(
                "unknown format {format}; choose one of: {values}", format=repr(format), values=", ".join(DRAWINGS)
            )
        )
    typer.echo(DRAWINGS[format](get_workflow(name)), nl=False)
