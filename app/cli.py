"""The ``agreements`` command line: set up the database, serve, load demo data, manage users and tokens."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.config import ConfigError, Settings, get_settings
from app.errors import DomainError
from app.monitoring.logs import configure_logging, uvicorn_options
from app.workflow.engine import WorkflowDefinitionError, load_all

F = TypeVar("F", bound=Callable[..., Any])

cli = typer.Typer(
    name="agreements",
    help="Agreement lifecycle and workflow engine.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
users_cli = typer.Typer(help="Manage users and their roles.", no_args_is_help=True)
tokens_cli = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")
cli.add_typer(tokens_cli, name="tokens")
workflow_cli = typer.Typer(help="Inspect the workflows.", no_args_is_help=True)
reminders_cli = typer.Typer(help="Look at and manage the reminder outbox.", no_args_is_help=True)
cli.add_typer(reminders_cli, name="reminders")
cli.add_typer(workflow_cli, name="workflow")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def friendly_errors(command: F) -> F:
    """Turn the errors a user can cause into one-line messages and a non-zero exit, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ConfigError, WorkflowDefinitionError) as exc:
            raise fail(str(exc), 2) from None
        except DomainError as exc:
            if len(exc.problems) > 1:  # one line per problem, so a long preflight list stays readable
                lines = "\n".join(f"  - {problem.reason}" for problem in exc.problems)
                raise fail(f"{exc.title.lower()}:\n{lines}") from None
            raise fail(exc.detail) from None
        except ValidationError as exc:
            reasons = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'value'}: {str(e['msg']).removeprefix('Value error, ')}"
                for e in exc.errors()
            )
            raise fail(reasons) from None
        except OperationalError as exc:
            raise fail(f"cannot use the database: {str(exc.orig).strip().splitlines()[0]}") from None

    return wrapper  # type: ignore[return-value]


def _safe_url(settings: Settings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)


def _ensure_schema(settings: Settings) -> None:
    """Migrate the embedded SQLite database; on PostgreSQL insist that someone ran ``agreements init``."""
    from app import migrate

    if settings.is_sqlite:
        migrate.upgrade(settings.database_url)
        return
    current, head = migrate.current_revision(settings.database_url), migrate.head_revision()
    if current != head:
        raise fail(
            f"the database {_safe_url(settings)} is at revision {current or 'none'} but this version needs {head}; "
            "run 'agreements init' first"
        )


@cli.command()
@friendly_errors
def init() -> None:
    """Create or upgrade the database schema to the newest revision."""
    from app import migrate

    settings = get_settings()
    migrate.upgrade(settings.database_url)
    typer.echo(f"database {_safe_url(settings)} is at revision {migrate.current_revision(settings.database_url)}")


@cli.command()
@friendly_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
) -> None:
    """Run the web server (migrating the embedded SQLite database first)."""
    import uvicorn

    from app.api.app import create_app

    settings = get_settings()
    configure_logging(settings)
    _ensure_schema(settings)
    load_all()  # a broken workflow file stops here, before anything starts
    scheduler = None
    if settings.scheduler_enabled and settings.is_sqlite:
        # The embedded default runs its scheduled work in-process; on PostgreSQL run 'agreements worker'.
        from app.jobs import make_scheduler

        scheduler = make_scheduler(settings.daily_run_hour, settings.timezone)
        scheduler.start()
    typer.echo(f"serving on http://{host}:{port} with database {_safe_url(settings)}")
    try:
        uvicorn.run(create_app(settings), host=host, port=port, **uvicorn_options(settings))
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@cli.command()
@friendly_errors
def tick() -> None:
    """Fire the automatic transitions due today now (activation on the effective date, expiry after the end)."""
    from app.jobs import run_daily_transitions
    from app.workflow.engine import current_date

    settings = get_settings()
    configure_logging(settings)
    _ensure_schema(settings)
    report = run_daily_transitions()
    typer.echo(f"{current_date()}: {report.total} automatic transition(s) fired")
    for trigger, ids in report.fired.items():
        typer.echo(f"  {trigger}: {len(ids)} ({', '.join(map(str, ids[:20]))}{', …' if len(ids) > 20 else ''})")
    for name, entity_id, trigger, reason in report.refused:
        typer.echo(f"  not done: {trigger} {name} {entity_id}: {reason}", err=True)


@cli.command()
@friendly_errors
def draft(
    reference: Annotated[str, typer.Argument(help="The partnership's reference, e.g. PA-2026-0042.")],
    template: Annotated[str, typer.Option(help="Template key: mou, amendment, undertaking_record, …")] = "mou",
    format: Annotated[str, typer.Option("--format", help="html, docx or pdf.")] = "docx",
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")] = Path("agreement.docx"),
    language: Annotated[str, typer.Option(help="Language code; falls back to English.")] = "en",
    var: Annotated[list[str], typer.Option("--var", help="Extra variable as NAME=VALUE (repeatable).")] = [],  # noqa: B006
) -> None:
    """Render a template from a partnership's facts into a file (nothing is stored); lists what is missing."""
    from sqlalchemy import select

    from app.db import unit_of_work
    from app.drafting.service import preview_document
    from app.partnerships.models import Partnership

    if format not in {"html", "docx", "pdf"}:
        raise fail(f"unknown format {format!r}; choose one of: html, docx, pdf")
    overrides = {}
    for item in var:
        name, separator, value = item.partition("=")
        if not separator or not name.strip():
            raise fail(f"--var {item!r} must be written NAME=VALUE")
        overrides[name.strip()] = value
    _ensure_schema(get_settings())
    with unit_of_work(write=False) as session:
        found = session.scalars(select(Partnership).where(Partnership.reference == reference.strip())).first()
        if found is None:
            raise fail(f"no partnership has the reference {reference!r}")
        document = preview_document(session, found.id, template, language, overrides, format)
    try:
        output.write_bytes(document.content)
    except OSError as exc:
        raise fail(f"cannot write {output}: {exc.strerror}") from None
    typer.echo(f"wrote {output} ({len(document.content):,} bytes, {format})")


def _reminder_line(reminder: Any) -> str:
    when = reminder.send_at.astimezone(get_settings().zone).strftime("%Y-%m-%d %H:%M")
    kind = reminder.kind.value.replace("_", " ")
    return (
        f"{reminder.id:>7}  {when}  {reminder.status:<9}  {kind:<18}  due {reminder.due_on}  "
        f"{reminder.subject_type} {reminder.subject_id}  to {reminder.recipient_email}"
    )


@cli.command()
@friendly_errors
def remind(
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only show what would go out, to whom, when.")] = False,
    days: Annotated[int, typer.Option(min=0, max=3650, help="With --dry-run: also what falls due in N days.")] = 0,
) -> None:
    """Send the reminders that are due now (or, with --dry-run, list them without sending)."""
    from datetime import timedelta

    from app import clock
    from app.db import unit_of_work
    from app.reminders.service import due_now

    configure_logging(get_settings())
    _ensure_schema(get_settings())
    if dry_run:
        until = clock.now() + timedelta(days=days)
        with unit_of_work(write=False) as session:
            due = due_now(session, until)
            for reminder in due:
                typer.echo(_reminder_line(reminder))
        typer.echo(f"{len(due)} reminder(s) would go out by {until.astimezone(get_settings().zone):%Y-%m-%d %H:%M}")
        return
    from app.reminders.dispatcher import dispatch_once

    report = dispatch_once()
    typer.echo(f"sent {report.sent}, retrying {report.retried}, failed {report.failed}, skipped {report.skipped}")


@reminders_cli.command("list")
@friendly_errors
def reminders_list(
    status: Annotated[str | None, typer.Option(help="planned, sending, sent, failed, cancelled or skipped")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
) -> None:
    """List reminders, soonest first."""
    from app.db import unit_of_work
    from app.listing import PageParams
    from app.reminders.schemas import ReminderFilter
    from app.reminders.service import list_reminders

    filters = ReminderFilter(status=status)
    _ensure_schema(get_settings())
    with unit_of_work(write=False) as session:
        found = list_reminders(session, filters, PageParams(page_size=min(limit, 200)))
        for reminder in found.items:
            typer.echo(_reminder_line(reminder))
    typer.echo(f"{found.total} reminder(s)")


@reminders_cli.command("retry")
@friendly_errors
def reminders_retry(reminder_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Send a failed reminder again at the next dispatch."""
    from app.db import unit_of_work
    from app.reminders.service import retry

    with unit_of_work() as session:
        typer.echo(_reminder_line(retry(session, reminder_id)))


@reminders_cli.command("cancel")
@friendly_errors
def reminders_cancel(
    reminder_id: Annotated[int, typer.Argument(min=1)],
    reason: Annotated[str, typer.Option(help="Why it should not go out.")],
) -> None:
    """Make sure a planned or failed reminder does not go out."""
    from app.db import unit_of_work
    from app.reminders.service import cancel

    if not reason.strip():
        raise fail("--reason must say why")
    with unit_of_work() as session:
        typer.echo(_reminder_line(cancel(session, reminder_id, reason.strip())))


@cli.command()
@friendly_errors
def worker() -> None:
    """Run the scheduled work in the foreground (the daily automatic transitions) until interrupted."""
    from app.jobs import make_scheduler

    settings = get_settings()
    configure_logging(settings)
    _ensure_schema(settings)
    typer.echo(f"worker running with database {_safe_url(settings)}; daily run at {settings.daily_run_hour}:00")
    try:
        make_scheduler(settings.daily_run_hour, settings.timezone, blocking=True).start()
    except (KeyboardInterrupt, SystemExit):
        typer.echo("worker stopped")


@cli.command()
@friendly_errors
def demo() -> None:
    """Load a realistic demo portfolio and one demo user per role (does nothing if already loaded)."""
    from app.db import unit_of_work
    from app.demo import load_demo

    settings = get_settings()
    _ensure_schema(settings)
    with unit_of_work() as session:
        summary = load_demo(session)
    if summary.already_loaded:
        typer.echo("demo data is already loaded; nothing added")
        return
    typer.echo(
        f"loaded {summary.organisations} organisations, {summary.partnerships} partnerships and "
        f"{summary.agreements} agreements into {_safe_url(settings)}"
    )
    typer.echo("demo API tokens (shown once; send as 'Authorization: Bearer <token>'):")
    for user in summary.users:
        typer.echo(f"  {user.role.value:<16} {user.email:<32} {user.token}")
    typer.echo(f"demo sign-in for the pages at {settings.base_url}/sign-in (passwords shown once):")
    for user in summary.users:
        typer.echo(f"  {user.role.value:<16} {user.email:<32} password {user.password}")


@cli.command()
@friendly_errors
def generate(
    organisations: Annotated[int, typer.Option(help="Organisations to add (at least 4).")],
    partnerships: Annotated[int, typer.Option(help="Partnerships to add (0 or more).")],
    seed: Annotated[int, typer.Option(help="Random seed (same seed and day, same portfolio).")] = 2026,
    append: Annotated[
        bool, typer.Option("--append", help="Add to a database that already holds generated data.")
    ] = False,
) -> None:
    """Bulk-insert a synthetic portfolio (benchmarks and trials); refuses a database holding other data."""
    import time

    from app.db import get_engine
    from app.generate import existing_data, generate_portfolio

    if organisations < 4:
        raise fail(f"--organisations must be at least 4 (got {organisations})", 2)
    if partnerships < 0:
        raise fail(f"--partnerships must not be negative (got {partnerships})", 2)
    settings = get_settings()
    _ensure_schema(settings)
    engine = get_engine()
    found = existing_data(engine)
    if found["real_partnerships"]:
        raise fail(
            f"the database {_safe_url(settings)} holds {found['real_partnerships']} partnerships that were not "
            "generated; refusing to mix synthetic data into it (use an empty database)",
            2,
        )
    if (found["organisations"] or found["partnerships"]) and not append:
        raise fail(
            f"the database {_safe_url(settings)} is not empty ({found['organisations']} organisations, "
            f"{found['partnerships']} partnerships); pass --append to add generated data to it",
            2,
        )
    started = time.perf_counter()
    written = generate_portfolio(engine, organisations, partnerships, seed)
    seconds = time.perf_counter() - started
    total = sum(written.values())
    for table, rows in sorted(written.items()):
        typer.echo(f"  {table:<28} {rows:>12,}")
    typer.echo(
        f"wrote {total:,} rows ({organisations:,} organisations, {partnerships:,} partnerships) into "
        f"{_safe_url(settings)} in {seconds:.1f} s, {total / max(seconds, 1e-9):,.0f} rows/s"
    )


@users_cli.command("create")
@friendly_errors
def users_create(
    email: Annotated[str, typer.Option(help="Email address; also the sign-in name.")],
    name: Annotated[str, typer.Option(help="Full name.")],
    role: Annotated[list[str], typer.Option(help="Role: admin, legal_officer, project_manager or viewer; repeatable.")],
    password_stdin: Annotated[bool, typer.Option(help="Read a password (12+ characters) from standard input.")] = False,
) -> None:
    """Create a user with one or more roles."""
    from app.db import unit_of_work
    from app.users.schemas import UserCreate
    from app.users.service import create_user

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    data = UserCreate(email=email, full_name=name, roles=role, password=password)  # type: ignore[arg-type]
    _ensure_schema(get_settings())
    with unit_of_work() as session:
        user = create_user(session, data)
        typer.echo(f"created user {user.id} {user.email} ({', '.join(user.roles)})")


@users_cli.command("list")
@friendly_errors
def users_list(role: Annotated[str | None, typer.Option(help="Only users with this role.")] = None) -> None:
    """List users and their roles."""
    from app.db import unit_of_work
    from app.users.models import Role
    from app.users.service import list_users

    try:
        wanted = Role(role) if role else None
    except ValueError:
        raise fail(f"unknown role {role!r}; choose one of: {', '.join(r.value for r in Role)}") from None
    _ensure_schema(get_settings())
    with unit_of_work() as session:
        for user in list_users(session, wanted):
            status = "active" if user.is_active else "deactivated"
            typer.echo(f"{user.id:>5}  {user.email:<40} {user.full_name:<30} {','.join(user.roles):<30} {status}")


def _set_active(email: str, active: bool) -> None:
    from app.db import unit_of_work
    from app.users.service import get_user_by_email, set_active

    _ensure_schema(get_settings())
    with unit_of_work() as session:
        user = set_active(session, get_user_by_email(session, email), active)
        typer.echo(f"{user.email} is now {'active' if active else 'deactivated'}")


@users_cli.command("deactivate")
@friendly_errors
def users_deactivate(email: Annotated[str, typer.Argument(help="Email of the user.")]) -> None:
    """Deactivate a user; their tokens stop working at once."""
    _set_active(email, False)


@users_cli.command("activate")
@friendly_errors
def users_activate(email: Annotated[str, typer.Argument(help="Email of the user.")]) -> None:
    """Reactivate a user."""
    _set_active(email, True)


@tokens_cli.command("create")
@friendly_errors
def tokens_create(
    email: Annotated[str, typer.Option(help="Email of the user the token acts for.")],
    name: Annotated[str, typer.Option(help="What the token is for, e.g. 'reporting script'.")] = "cli",
    expires_days: Annotated[int, typer.Option(min=1, max=3650, help="Days until the token expires.")] = 90,
    no_expiry: Annotated[bool, typer.Option(help="Issue a token that never expires.")] = False,
) -> None:
    """Issue an API token; the secret is printed once and never stored."""
    from app.db import unit_of_work
    from app.users.service import create_token, get_user_by_email

    _ensure_schema(get_settings())
    with unit_of_work() as session:
        token, secret = create_token(
            session, get_user_by_email(session, email), name, None if no_expiry else expires_days
        )
        expiry = token.expires_at.isoformat() if token.expires_at else "never"
        typer.echo(f"token {token.id} for {email} (expires {expiry}):", err=True)
        typer.echo(secret)


@tokens_cli.command("list")
@friendly_errors
def tokens_list(email: Annotated[str | None, typer.Option(help="Only this user's tokens.")] = None) -> None:
    """List API tokens (never their secrets)."""
    from app.db import unit_of_work
    from app.users.service import get_user_by_email, list_tokens

    _ensure_schema(get_settings())
    with unit_of_work() as session:
        user = get_user_by_email(session, email) if email else None
        for token in list_tokens(session, user):
            state = (
                "revoked"
                if token.revoked_at
                else f"expires {token.expires_at:%Y-%m-%d}"
                if token.expires_at
                else "no expiry"
            )
            typer.echo(f"{token.id:>5}  {token.prefix}…  {token.user.email:<40} {token.name:<24} {state}")


@tokens_cli.command("revoke")
@friendly_errors
def tokens_revoke(
    token_id: Annotated[int, typer.Argument(min=1, help="Id shown by 'agreements tokens list'.")],
) -> None:
    """Revoke an API token at once."""
    from app.db import unit_of_work
    from app.users.service import revoke_token

    _ensure_schema(get_settings())
    with unit_of_work() as session:
        token = revoke_token(session, token_id)
        typer.echo(f"token {token.id} ({token.name}) is revoked")


@workflow_cli.command("show")
@friendly_errors
def workflow_show(
    name: Annotated[str, typer.Argument(help="partnership or agreement")],
    format: Annotated[str, typer.Option(help="Output format: mermaid (text) or svg (a drawing).")] = "mermaid",
) -> None:
    """Print a workflow's diagram, drawn from the definition that runs."""
    from app.workflow.diagram import DRAWINGS
    from app.workflow.engine import STATE_ATTRIBUTES, get_workflow

    if name not in STATE_ATTRIBUTES:
        raise fail(f"unknown workflow {name!r}; choose one of: {', '.join(sorted(STATE_ATTRIBUTES))}")
    if format not in DRAWINGS:
        raise fail(f"unknown format {format!r}; choose one of: {', '.join(DRAWINGS)}")
    typer.echo(DRAWINGS[format](get_workflow(name)), nl=False)


def _register_domain_commands() -> None:
    from app.exports import cli as exports
    from app.imports import cli as imports
    from app.quality import cli as quality
    from app.reports import cli as reports

    for module in (imports, exports, reports, quality):
        module.register(cli)


_register_domain_commands()


def main() -> None:
    """Entry point of the ``agreements`` console script."""
    cli()


if __name__ == "__main__":
    main()
