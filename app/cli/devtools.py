"""``agreements demo`` and ``agreements generate``: a demo portfolio to look at, a synthetic one to measure."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Annotated

import typer

from app.cli.support import ensure_schema, fail, friendly_errors, safe_url
from app.config import Settings, get_settings
from app.db import get_engine, unit_of_work
from app.devtools.demo import DemoUser, load_demo
from app.devtools.demo_credentials import (
    credential_lines,
    credentials_path,
    demo_users_exist,
    reissue_demo_credentials,
    write_credentials,
)
from app.devtools.generate import existing_data, generate_portfolio
from app.i18n import MESSAGES


@friendly_errors
def demo(
    show_credentials: Annotated[
        bool,
        typer.Option(
            "--show-credentials",
            help=MESSAGES.lazy(
                "Print the demo users' credentials again: new passwords and API tokens (the old ones stop working)."
            ),
        ),
    ] = False,
) -> None:
    """Load a realistic demo portfolio and one demo user per role (does nothing if already loaded)."""
    settings = get_settings()
    ensure_schema(settings)
    if show_credentials:
        with unit_of_work() as session:
            if not demo_users_exist(session):
                raise fail(MESSAGES.gettext("the demo is not loaded, so it has no users; run 'agreements demo' first"))
            users = reissue_demo_credentials(session)
        _show_credentials(settings, users)
        return
    with unit_of_work() as session:
        summary = load_demo(session)
    if summary.already_loaded:
        typer.echo(
            MESSAGES.gettext(
                "demo data is already loaded; nothing added ('agreements demo --show-credentials' signs you in)"
            )
        )
        return
    typer.echo(
        MESSAGES.gettext(
            "loaded {organisations} organisations, "
            "{partnerships} partnerships and {agreements} agreements into {safe_url}",
            organisations=summary.organisations,
            partnerships=summary.partnerships,
            agreements=summary.agreements,
            safe_url=safe_url(settings),
        )
    )
    _demo_seal(settings)
    _show_credentials(settings, summary.users)  # last: its final line names the credentials file


def _demo_seal(settings: Settings) -> None:
    """Without a configured seal, write a self-signed one beside the database and say how to use it."""
    from app.cli.seal import make_demo_certificate

    if settings.seal_pkcs12_path:
        return
    path = credentials_path(settings.database_url).with_name("demo-seal.p12")
    try:
        password = make_demo_certificate(path)
    except OSError:
        return  # the demo works unsealed; signed PDFs then say they are not sealed
    typer.echo(
        MESSAGES.gettext("self-signed seal written to {path} (readable by you only); to use it, set:", path=path)
    )
    typer.echo(f"AGREEMENTS_SEAL_PKCS12_PATH={path.resolve()}")
    typer.echo(f"AGREEMENTS_SEAL_PKCS12_PASSWORD={password}")


def _show_credentials(settings: Settings, users: Sequence[DemoUser]) -> None:
    """Print the credentials, save them to a file only the user can read, and end with the file's path."""
    lines = credential_lines(users, settings.base_url)
    for line in lines:
        typer.echo(line)
    path = credentials_path(settings.database_url)
    try:
        write_credentials(path, lines)
    except OSError as exc:
        raise fail(
            MESSAGES.gettext(
                "cannot write {path}: {strerror}; the credentials above are the only copy",
                path=path,
                strerror=exc.strerror,
            )
        ) from None
    typer.echo(
        MESSAGES.gettext(
            "credentials saved to {path} (readable by you only; 'agreements demo --show-credentials' renews them)",
            path=path,
        )
    )


@friendly_errors
def generate(
    organisations: Annotated[int, typer.Option(help=MESSAGES.lazy("Organisations to add (at least 4)."))],
    partnerships: Annotated[int, typer.Option(help=MESSAGES.lazy("Partnerships to add (0 or more)."))],
    seed: Annotated[int, typer.Option(help=MESSAGES.lazy("Random seed (same seed and day, same portfolio)."))] = 2026,
    append: Annotated[
        bool, typer.Option("--append", help=MESSAGES.lazy("Add to a database that already holds generated data."))
    ] = False,
) -> None:
    """Bulk-insert a synthetic portfolio (benchmarks and trials); refuses a database holding other data."""
    if organisations < 4:
        raise fail(
            MESSAGES.gettext("--organisations must be at least 4 (got {organisations})", organisations=organisations), 2
        )
    if partnerships < 0:
        raise fail(
            MESSAGES.gettext("--partnerships must not be negative (got {partnerships})", partnerships=partnerships), 2
        )
    settings = get_settings()
    ensure_schema(settings)
    engine = get_engine()
    found = existing_data(engine)
    if found["real_partnerships"]:
        raise fail(
            MESSAGES.gettext(
                "the database {safe_url} holds {real_partnerships} partnerships that were not generated; "
                "refusing to mix synthetic data into it (use an empty database)",
                safe_url=safe_url(settings),
                real_partnerships=found["real_partnerships"],
            ),
            2,
        )
    if (found["organisations"] or found["partnerships"]) and not append:
        raise fail(
            MESSAGES.gettext(
                "the database {safe_url} is not empty ({organisations} organisations, {partnerships} partnerships); "
                "pass --append to add generated data to it",
                safe_url=safe_url(settings),
                organisations=found["organisations"],
                partnerships=found["partnerships"],
            ),
            2,
        )
    started = time.perf_counter()
    written = generate_portfolio(engine, organisations, partnerships, seed)
    seconds = time.perf_counter() - started
    total = sum(written.values())
    for table, rows in sorted(written.items()):
        typer.echo(f"  {table:<28} {rows:>12,}")
    typer.echo(
        MESSAGES.gettext(
            "wrote {total:,} rows ({organisations:,} organisations, "
            "{partnerships:,} partnerships) into {safe_url} in {seconds:.1f} s, {value:,.0f} rows/s",
            total=total,
            organisations=organisations,
            partnerships=partnerships,
            safe_url=safe_url(settings),
            seconds=seconds,
            value=total / max(seconds, 1e-09),
        )
    )
