"""``agreements serve``, ``worker`` and ``tick``: the web server and the scheduled work."""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Annotated

import typer
import uvicorn

from app.cli.support import ensure_schema, friendly_errors, safe_url
from app.config import Settings, get_settings
from app.i18n import MESSAGES
from app.jobs import ScheduledWork, run_daily_transitions, scheduled_work
from app.monitoring.logs import configure_logging, uvicorn_options
from app.workflow.definition import load_all
from app.workflow.engine import current_date

log = logging.getLogger("agreements.cli")
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def announce(settings: Settings, message: str) -> None:
    """Say ``message`` on standard output, or log it when every line must be JSON (``AGREEMENTS_LOG_FORMAT``)."""
    if settings.log_format == "json":
        log.info(message)
    else:
        typer.echo(message)


class ShutdownRequested(Exception):
    """SIGTERM or SIGINT arrived: stop gracefully."""


def _raise_shutdown(signum: int, _frame: FrameType | None) -> None:
    raise ShutdownRequested(signal.Signals(signum).name)


def _already_stopping(signum: int, _frame: FrameType | None) -> None:
    """A second SIGTERM waits on; a second SIGINT (Ctrl-C again) stops at once."""
    if signum == signal.SIGINT:
        log.warning("second interrupt: stopping now; an e-mail being sent may go out again after its lease")
        logging.shutdown()
        os._exit(130)
    log.warning("already stopping: waiting for the e-mail being sent (at most the SMTP timeout)")


def stop_scheduled_work(work: ScheduledWork) -> None:
    """Stop ``work`` gracefully: the e-mail being sent finishes and is recorded, nothing more is claimed."""
    for number in STOP_SIGNALS:
        signal.signal(number, _already_stopping)
    log.info("stopping the scheduled work: the e-mail being sent finishes, nothing more is claimed")
    work.stop()


@contextmanager
def stop_signals_end_gracefully() -> Iterator[None]:
    """While uvicorn is not in charge, SIGTERM and SIGINT raise ``ShutdownRequested`` (uvicorn, once it has
    finished its own graceful shutdown, raises the signal it got again: that lands here too, so that the
    process can stop its scheduler and exit 0 instead of dying of the signal); after it, they are the
    second signals of a process already stopping."""
    for number in STOP_SIGNALS:
        signal.signal(number, _raise_shutdown)
    try:
        yield
    finally:  # from now on the process is stopping: a late signal must not kill it before it exits 0
        for number in STOP_SIGNALS:
            signal.signal(number, _already_stopping)


@friendly_errors
def serve(
    host: Annotated[str, typer.Option(help=MESSAGES.lazy("Address to listen on."))] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help=MESSAGES.lazy("Port to listen on."))] = 8000,
) -> None:
    """Run the web server (migrating the embedded SQLite database first)."""
    # Imported here, not above: building the web application costs a second that every other command would pay.
    from app.api.app import create_app, settle_before_serving

    settings = get_settings()
    configure_logging(settings)
    ensure_schema(settings)
    load_all()  # a broken workflow file stops here, before anything starts
    work: ScheduledWork | None = None
    if settings.scheduler_enabled and settings.is_sqlite:
        # The embedded default runs its scheduled work in-process; on PostgreSQL run 'agreements worker'.
        work = scheduled_work(settings, "serve")
    application = create_app(settings)
    application.state.scheduled_work = work
    application.state.scheduler_note = _scheduler_note(settings)
    announce(
        settings,
        MESSAGES.gettext(
            "serving on http://{host}:{port} with database {safe_url}",
            host=host,
            port=port,
            safe_url=safe_url(settings),
        ),
    )
    with stop_signals_end_gracefully():
        try:
            if work is not None:
                work.start()
            # On SIGTERM or SIGINT uvicorn stops accepting connections, lets the requests in flight finish (at
            # most shutdown_grace_seconds), then returns; a second SIGINT makes it stop at once.
            options = uvicorn_options(settings) | {"timeout_graceful_shutdown": settings.shutdown_grace_seconds}
            settle_before_serving()
            uvicorn.run(application, host=host, port=port, **options)
        except ShutdownRequested:
            pass
        finally:
            if work is not None:
                stop_scheduled_work(work)
    log.info("server stopped")


def _scheduler_note(settings: Settings) -> str | None:
    """Why this ``serve`` runs no scheduler (``/readyz`` says it), or ``None`` when it runs one."""
    if not settings.scheduler_enabled:
        return "disabled in this process (AGREEMENTS_SCHEDULER_ENABLED=false); run 'agreements worker'"
    if not settings.is_sqlite:
        return "not run by 'agreements serve' on PostgreSQL; run 'agreements worker'"
    return None


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
    announce(
        settings,
        MESSAGES.gettext(
            "worker running with database {safe_url}; daily run at {daily_run_hour}:00",
            safe_url=safe_url(settings),
            daily_run_hour=settings.daily_run_hour,
        ),
    )
    work = scheduled_work(settings, "worker")
    asked = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("%s received", signal.Signals(signum).name)
        asked.set()

    for number in STOP_SIGNALS:
        signal.signal(number, on_signal)
    work.start()
    while not asked.wait(1.0):
        pass
    stop_scheduled_work(work)  # from here a second signal: SIGTERM waits on, SIGINT stops at once
    announce(settings, MESSAGES.gettext("worker stopped"))
