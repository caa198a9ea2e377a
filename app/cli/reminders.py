"""``agreements remind`` and ``agreements reminders …``: send, list, retry and cancel reminders."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import typer

from app import clock
from app.cli.support import PlainHelpGroup, ensure_schema, fail, friendly_errors, operator
from app.config import get_settings
from app.db import get_sessionmaker, unit_of_work
from app.i18n import MESSAGES
from app.listing import PageParams
from app.monitoring.logs import configure_logging
from app.reminders.dispatcher import dispatch_once
from app.reminders.schemas import ReminderFilter
from app.reminders.service import cancel, due_now, list_reminders, retry

reminders_cli = typer.Typer(
    help=MESSAGES.lazy("Look at and manage the reminder outbox."), no_args_is_help=True, cls=PlainHelpGroup
)


def _reminder_line(reminder: Any) -> str:
    when = reminder.send_at.astimezone(get_settings().zone).strftime("%Y-%m-%d %H:%M")
    kind = reminder.kind.value.replace("_", " ")
    return (
        f"{reminder.id:>7}  {when}  {reminder.status:<9}  {kind:<18}  due {reminder.due_on}  "
        f"{reminder.subject_type} {reminder.subject_id}  to {reminder.recipient_email}"
    )


@friendly_errors
def remind(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help=MESSAGES.lazy("Only show what would go out, to whom, when."))
    ] = False,
    days: Annotated[
        int,
        typer.Option(
            min=0,
            max=3650,
            metavar="N",
            help=MESSAGES.lazy("Also what falls due in the next N days: sent now, ahead of its time."),
        ),
    ] = 0,
) -> None:
    """Send the reminders that are due now (or, with --dry-run, list them without sending)."""
    configure_logging(get_settings())
    ensure_schema(get_settings())
    if dry_run:
        until = clock.now() + timedelta(days=days)
        with unit_of_work(write=False) as session:
            due = due_now(session, until)
            for reminder in due:
                typer.echo(_reminder_line(reminder))
        typer.echo(
            MESSAGES.gettext(
                "{len} reminder(s) would go out by {astimezone:%Y-%m-%d %H:%M}",
                len=len(due),
                astimezone=until.astimezone(get_settings().zone),
            )
        )
        return
    until = clock.now() + timedelta(days=days) if days else None
    report = dispatch_once(get_sessionmaker(), due_by=until)
    horizon = f" (due by {until.astimezone(get_settings().zone):%Y-%m-%d %H:%M})" if until else ""
    typer.echo(
        MESSAGES.gettext(
            "sent {sent}, retrying {retried}, failed {failed}, skipped {skipped}{horizon}",
            sent=report.sent,
            retried=report.retried,
            failed=report.failed,
            skipped=report.skipped,
            horizon=horizon,
        )
    )
    for reminder_id, error in report.failures:
        typer.echo(
            MESSAGES.gettext(
                "warning: reminder {reminder_id} could not be sent: {error}", reminder_id=reminder_id, error=error
            ),
            err=True,
        )
    if report.failures:
        typer.echo(
            MESSAGES.gettext(
                "warning: {len} reminder(s) could not be sent; "
                "see 'agreements reminders list --status failed' and the dashboard",
                len=len(report.failures),
            ),
            err=True,
        )


@reminders_cli.command("list", help=MESSAGES.lazy("List reminders, soonest first."))
@friendly_errors
def reminders_list(
    status: Annotated[
        str | None, typer.Option(help=MESSAGES.lazy("planned, sending, sent, failed, cancelled or skipped"))
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help=MESSAGES.lazy("How many to list, at most."))] = 100,
) -> None:
    """List reminders, soonest first."""
    filters = ReminderFilter(status=status)
    ensure_schema(get_settings())
    with unit_of_work(write=False) as session:
        found = list_reminders(session, filters, PageParams(page_size=min(limit, 200)))
        for reminder in found.items:
            typer.echo(_reminder_line(reminder))
    typer.echo(MESSAGES.gettext("{total} reminder(s)", total=found.total))


@reminders_cli.command("retry", help=MESSAGES.lazy("Send a failed reminder again at the next dispatch."))
@friendly_errors
def reminders_retry(reminder_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Send a failed reminder again at the next dispatch."""
    with unit_of_work() as session:
        typer.echo(_reminder_line(retry(session, reminder_id, actor=operator("reminders retry"))))


@reminders_cli.command("cancel", help=MESSAGES.lazy("Make sure a planned or failed reminder does not go out."))
@friendly_errors
def reminders_cancel(
    reminder_id: Annotated[int, typer.Argument(min=1)],
    reason: Annotated[str, typer.Option(help=MESSAGES.lazy("Why it should not go out."))],
) -> None:
    """Make sure a planned or failed reminder does not go out."""
    if not reason.strip():
        raise fail(MESSAGES.gettext("--reason must say why"))
    with unit_of_work() as session:
        typer.echo(_reminder_line(cancel(session, reminder_id, reason.strip(), actor=operator("reminders cancel"))))
