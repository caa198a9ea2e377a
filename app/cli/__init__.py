"""The ``agreements`` command line: one Typer application, its commands written one module per area.

The areas (``database``, ``serve``, ``drafting``, ``reminders``, ``devtools``, ``imports``, ``exports``, ``reports``,
``quality``, ``users``, ``workflow``) never import this module; it imports them and puts their commands in order.
Each command opens its own unit of work and commits it; the services it calls only flush.
"""

from __future__ import annotations

from typing import Annotated

import typer

import app.models  # noqa: F401  (every mapper and the audit recorder, before the first query)
from app.cli import database, devtools, drafting, exports, imports, quality, reminders, reports, serve, users, workflow
from app.cli.support import PlainHelpCommand, cli_language, set_verbosity, speak_the_users_language
from app.i18n import MESSAGES, set_language
from app.rules import register_all

cli = typer.Typer(
    name="agreements",
    help=MESSAGES.lazy("Agreement lifecycle and workflow engine."),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
)


@cli.callback(help=MESSAGES.lazy("Agreement lifecycle and workflow engine."))
def options(
    ctx: typer.Context,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help=MESSAGES.lazy("Also show the database migrations as they run."))
    ] = False,
) -> None:
    """Agreement lifecycle and workflow engine."""
    speak_the_users_language(ctx)
    set_verbosity(verbose)


# The order here is the order of ``agreements --help``.
cli.command("init")(database.init)
cli.command("serve")(serve.serve)
cli.command("tick")(serve.tick)
cli.command("draft")(drafting.draft)  # not a workflow state: the command that drafts a document
cli.command("remind")(reminders.remind)
cli.command("worker")(serve.worker)
cli.command("demo")(devtools.demo)
cli.command("generate")(devtools.generate)
cli.command("import")(imports.import_inventory)
cli.command("export")(exports.export)
cli.command("report")(reports.report)
cli.command("quality")(quality.quality)
cli.add_typer(users.users_cli, name="users")
cli.add_typer(users.tokens_cli, name="tokens")
cli.add_typer(reminders.reminders_cli, name="reminders")
cli.add_typer(workflow.workflow_cli, name="workflow")

for _typer in (cli, users.users_cli, users.tokens_cli, reminders.reminders_cli, workflow.workflow_cli):
    for _command in _typer.registered_commands:
        _command.cls = PlainHelpCommand  # none of ours asks for another class


def main() -> None:
    """Entry point of the ``agreements`` console script."""
    register_all()
    set_language(cli_language())  # before Typer builds the commands, so that their help is in it too
    cli()
