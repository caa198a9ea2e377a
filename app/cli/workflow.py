"""``agreements workflow show``: a workflow's diagram, drawn from the definition that runs."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.support import fail, friendly_errors
from app.workflow.definition import STATE_ATTRIBUTES, get_workflow
from app.workflow.diagram import DRAWINGS

workflow_cli = typer.Typer(help="Inspect the workflows.", no_args_is_help=True)


@workflow_cli.command("show")
@friendly_errors
def workflow_show(
    name: Annotated[str, typer.Argument(help="partnership or agreement")],
    format: Annotated[str, typer.Option(help="Output format: mermaid (text) or svg (a drawing).")] = "mermaid",
) -> None:
    """Print a workflow's diagram, drawn from the definition that runs."""
    if name not in STATE_ATTRIBUTES:
        raise fail(f"unknown workflow {name!r}; choose one of: {', '.join(sorted(STATE_ATTRIBUTES))}")
    if format not in DRAWINGS:
        raise fail(f"unknown format {format!r}; choose one of: {', '.join(DRAWINGS)}")
    typer.echo(DRAWINGS[format](get_workflow(name)), nl=False)
