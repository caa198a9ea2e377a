"""``agreements serve``, ``worker`` and ``tick``: the web server and the scheduled work."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from app.cli.support import ensure_schema, friendly_errors, safe_url
from app.config import get_settings
from app.i18n import MESSAGES
from app.jobs import make_scheduler, run_daily_transitions
from app.monitoring.logs import configure_logging, uvicorn_options
from app.workflow.definition import load_all
from app.workflow.engine import current_date


@friendly_errors
def serve(
    host: Annotated[str, typer.Option(help=MESSAGES.lazy("Address to listen on."))] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help=MESSAGES.lazy("Port to listen on."))] = 8000,
) -> None:
    """Run the web server (migrating the embedded SQLite database first)."""
    # Imported here, not above: building the web application costs a second that every other command would pay.
    from app.api.app import create_app

    settings = get_settings()
    configure_logging(settings)
    ensure_schema(settings)
    load_all()  # a broken workflow file stops here, before anything starts
    scheduler = None
    if settings.scheduler_enabled and settings.is_sqlite:
        # The embedded default runs its scheduled work in-process; on PostgreSQL run 'agreements worker'.
        scheduler = make_scheduler(settings.daily_run_hour, settings.timezone)
        scheduler.start()
    typer.echo(
        MESSAGES.gettext(
            "serving on http://{host}:{port} with database {safe_url}",
            host=host,
            port=port,
            safe_url=safe_url(settings),
        )
    )
    try:
        uvicorn.run(create_app(settings), host=host, port=port, **uvicorn_options(settings))
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@friendly_errors
def tick() -> None:
    """Fire the automatic transitions due today now (activation on the effective date, expiry after the end)."""
    settings = get_settings()
    configure_logging(settings)
    ensure_schema(settings)
    report = run_daily_transitions()
    typer.echo(
        MESSAGES.gettext(
            "{current_date}: {total} automatic transition(s) fired", current_date=current_date(), total=report.total
        )
    )
    for trigger, ids in report.fired.items():
        typer.echo(f"  {trigger}: {len(ids)} ({', '.join(map(str, ids[:20]))}{', …' if len(ids) > 20 else ''})")
    for name, entity_id, trigger, reason in report.refused:
        typer.echo(
            MESSAGES.gettext(
                "  not done: {trigger} {name} {entity_id}: {reason}",
                trigger=trigger,
                name=name,
                entity_id=entity_id,
                reason=reason,
            ),
            err=True,
        )


@friendly_errors
def worker() -> None:
    """Run the scheduled work in the foreground (the daily automatic transitions) until interrupted."""
    settings = get_settings()
    configure_logging(settings)
    ensure_schema(settings)
    typer.echo(
        MESSAGES.gettext(
            "worker running with database {safe_url}; daily run at {daily_run_hour}:00",
            safe_url=safe_url(settings),
            daily_run_hour=settings.daily_run_hour,
        )
    )
    try:
        make_scheduler(settings.daily_run_hour, settings.timezone, blocking=True).start()
    except (KeyboardInterrupt, SystemExit):
        typer.echo(MESSAGES.gettext("worker stopped"))
