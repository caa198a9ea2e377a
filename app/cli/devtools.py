"""``agreements demo`` and ``agreements generate``: a demo portfolio to look at, a synthetic one to measure."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from app.cli.support import ensure_schema, fail, friendly_errors, safe_url
from app.config import get_settings
from app.db import get_engine, unit_of_work
from app.devtools.demo import load_demo
from app.devtools.generate import existing_data, generate_portfolio


@friendly_errors
def demo() -> None:
    """Load a realistic demo portfolio and one demo user per role (does nothing if already loaded)."""
    settings = get_settings()
    ensure_schema(settings)
    with unit_of_work() as session:
        summary = load_demo(session)
    if summary.already_loaded:
        typer.echo("demo data is already loaded; nothing added")
        return
    typer.echo(
        f"loaded {summary.organisations} organisations, {summary.partnerships} partnerships and "
        f"{summary.agreements} agreements into {safe_url(settings)}"
    )
    typer.echo("demo API tokens (shown once; send as 'Authorization: Bearer <token>'):")
    for user in summary.users:
        typer.echo(f"  {user.role.value:<16} {user.email:<32} {user.token}")
    typer.echo(f"demo sign-in for the pages at {settings.base_url}/sign-in (passwords shown once):")
    for user in summary.users:
        typer.echo(f"  {user.role.value:<16} {user.email:<32} password {user.password}")


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
    if organisations < 4:
        raise fail(f"--organisations must be at least 4 (got {organisations})", 2)
    if partnerships < 0:
        raise fail(f"--partnerships must not be negative (got {partnerships})", 2)
    settings = get_settings()
    ensure_schema(settings)
    engine = get_engine()
    found = existing_data(engine)
    if found["real_partnerships"]:
        raise fail(
            f"the database {safe_url(settings)} holds {found['real_partnerships']} partnerships that were not "
            "generated; refusing to mix synthetic data into it (use an empty database)",
            2,
        )
    if (found["organisations"] or found["partnerships"]) and not append:
        raise fail(
            f"the database {safe_url(settings)} is not empty ({found['organisations']} organisations, "
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
        f"{safe_url(settings)} in {seconds:.1f} s, {total / max(seconds, 1e-9):,.0f} rows/s"
    )
