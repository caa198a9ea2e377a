"""The ``agreements`` command line: one Typer application, its commands written one module per area.

The areas (``database``, ``serve``, ``drafting``, ``reminders``, ``devtools``, ``imports``, ``exports``, ``reports``,
``quality``, ``users``, ``workflow``) never import this module; it imports them and puts their commands in order.
Each command opens its own unit of work and commits it; the services it calls only flush.
"""

from __future__ import annotations

from typing import Annotated

import typer

import app.models  # noqa: F401  (every mapper and the audit recorder, before the first query)
from app.cli import (
    database,
    devtools,
    drafting,
    exports,
    history,
    imports,
    quality,
    reminders,
    reports,
    screening,
    seal,
    serve,
    users,
    workflow,
)
from app.cli.support import PlainHelpCommand, PlainHelpGroup, cli_language, set_verbosity, speak_the_users_language
from app.i18n import MESSAGES, set_language
from app.rules import register_all

cli = typer.Typer(
    name="agreements",
    help=MESSAGES.lazy("Agreement lifecycle and workflow engine."),
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=False,
    cls=PlainHelpGroup,
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
cli.command("init", help=MESSAGES.lazy("Create or upgrade the database schema to the newest revision."))(database.init)
cli.command("serve", help=MESSAGES.lazy("Run the web server (migrating the embedded SQLite database first)."))(
    serve.serve
)
cli.command(
    "tick",
    help=MESSAGES.lazy(
        "Fire the automatic transitions due today now (activation on the effective date, expiry after the end)."
    ),
)(serve.tick)
cli.command(
    "draft",  # not a workflow state: the command that drafts a document
    help=MESSAGES.lazy(
        "Render a template from a partnership's facts into a file (nothing is stored); lists what is missing."
    ),
)(drafting.draft)  # not a workflow state: the command that drafts a document
cli.command(
    "remind", help=MESSAGES.lazy("Send the reminders that are due now (or, with --dry-run, list them without sending).")
)(reminders.remind)
cli.command(
    "worker",
    help=MESSAGES.lazy("Run the scheduled work in the foreground (the daily automatic transitions) until interrupted."),
)(serve.worker)
cli.command(
    "demo",
    help=MESSAGES.lazy("Load a realistic demo portfolio and one demo user per role (does nothing if already loaded)."),
)(devtools.demo)
cli.command(
    "generate",
    help=MESSAGES.lazy(
        "Bulk-insert a synthetic portfolio (benchmarks and trials); refuses a database holding other data."
    ),
)(devtools.generate)
cli.command(
    "import",
    help=MESSAGES.lazy(
        "Import organisations and partnerships from a CSV or XLSX inventory (idempotent; --dry-run to preview).\n\n"
        "Exit code 0: every line imported; 1: some lines were rejected or conflict with the record (see the\n"
        "rejects file; --update applies conflicts); 2: unusable input."
    ),
)(imports.import_inventory)
cli.command(
    "export", help=MESSAGES.lazy("Write a list to a CSV or XLSX file, with the same filters and sort as the API list.")
)(exports.export)
cli.command(
    "report",
    help=MESSAGES.lazy("The portfolio report: by modality, area, partner kind and place; funnel; expiring; overdue."),
)(reports.report)
cli.command(
    "portfolio",
    help=MESSAGES.lazy("Every partnership (or agreement) as it stood at the end of a past day, from the history."),
)(history.portfolio)
cli.command(
    "changes",
    help=MESSAGES.lazy(
        "What changed between two days: new, formalised, signed, extended, expired and terminated, by area, region\n"
        "and kind of partner (--records KIND lists the records behind a figure)."
    ),
)(history.changes)
cli.command("quality", help=MESSAGES.lazy("The completeness scores of the portfolio and the records to fix first."))(
    quality.quality
)
cli.add_typer(users.users_cli, name="users")
cli.add_typer(users.tokens_cli, name="tokens")
cli.add_typer(reminders.reminders_cli, name="reminders")
cli.add_typer(workflow.workflow_cli, name="workflow")
cli.add_typer(seal.seal_cli, name="seal")
cli.add_typer(screening.screening_cli, name="screening")

for _typer in (
    cli,
    users.users_cli,
    users.tokens_cli,
    reminders.reminders_cli,
    workflow.workflow_cli,
    seal.seal_cli,
    screening.screening_cli,
):
    for _command in _typer.registered_commands:
        _command.cls = PlainHelpCommand  # none of ours asks for another class


def main() -> None:
    """Entry point of the ``agreements`` console script."""
    register_all()
    set_language(cli_language())  # before Typer builds the commands, so that their help is in it too
    cli()
