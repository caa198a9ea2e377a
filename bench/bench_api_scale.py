"""Benchmark: list / filter / search / report API latency on a large PostgreSQL portfolio, through the real app.

Usage: python bench/bench_api_scale.py [--url DATABASE_URL] [--partnerships 100000] [--organisations 16000]
                                       [--requests 30]

``--url`` names a PostgreSQL database. If it holds no partnerships, ``generate_portfolio`` fills it with
``--organisations`` and ``--partnerships`` first (``agreements generate`` does the same); if it already holds a
generated portfolio (e.g. the 1,000,000 partnerships ``agreements generate`` left there) it is used as it is.
Without ``--url`` a scratch database is created on the local server, filled, and dropped afterwards.

Each endpoint is requested ``--requests`` times, in turn with its baseline, through ``create_app`` in-process
(Starlette's test client: routing, authentication, validation, services, serialisation, real SQL) with an admin
token; p95 is reported beside a minimal FastAPI endpoint running the same SQL (``bench_api_minimal.sql_app``: the
SELECTs the endpoint sent on its first request, through the same kind of client), with the ratio the issue bounds
(≤ 3); also ``GET /healthz`` and the SQL alone on one connection. Every documented filter and sort of the
partnership and organisation lists is measured, and pages deep in a list reached by following next_cursor.
``--lists-only`` leaves out free-text search and the portfolio report.
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from bench_api_data import capture_sql
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import sessionmaker

from app import migrate
from app.db import make_engine, unit_of_work
from app.devtools.generate import existing_data, generate_portfolio
from app.rules import register_all
from app.workflow.actor import Actor

SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
ADMIN_EMAIL = "bench-api-scale@example.org"


@contextmanager
def _scratch(server_url: str) -> Iterator[str]:
    name = f"agreements_scale_{uuid.uuid4().hex[:8]}"
    admin = make_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        migrate.upgrade(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _token(url: str) -> str:
    """An API token of an admin user made (once) for this benchmark."""
    from app.users.models import Role, User
    from app.users.schemas import UserCreate
    from app.users.service import create_token, create_user

    engine = make_engine(url)
    try:
        with unit_of_work(sessionmaker(bind=engine, expire_on_commit=False)) as session:
            user = session.scalar(select(User).where(User.email == ADMIN_EMAIL))
            if user is None:
                user = create_user(
                    session,
                    UserCreate(email=ADMIN_EMAIL, full_name="Bench", roles=[Role.ADMIN]),
                    actor=Actor.system(reason="benchmark set-up"),
                )
            _, secret = create_token(session, user, f"bench-{uuid.uuid4().hex[:6]}", expires_in_days=1)
    finally:
        engine.dispose()
    return secret


def _stats(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)
    return {
        "median_ms": statistics.median(ordered),
        "p95_ms": ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
    }


def _sql_ms(url: str, statements: list[tuple[str, Any]], repeat: int) -> float:
    """Median time to run the captured SELECTs directly, on one connection, in one transaction."""
    reads = [(s, p) for s, p in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    engine = make_engine(url)
    timings = []
    try:
        with engine.connect() as connection:
            cursor = connection.connection.driver_connection.cursor()
            for _ in range(repeat + 1):
                started = time.perf_counter()
                for statement, parameters in reads:
                    cursor.execute(statement, parameters)
                    cursor.fetchall()
                timings.append((time.perf_counter() - started) * 1000)
                connection.rollback()
    finally:
        engine.dispose()
    return statistics.median(timings[1:])


def _walk_to(client: Any, path: str, pages: int) -> str:
    """The path of page ``pages + 1`` of ``path``, reached by following next_cursor (a keyset page deep in the list)."""
    joiner = "&" if "?" in path else "?"
    current = path
    for _ in range(pages):
        cursor = client.get(current).raise_for_status().json()["next_cursor"]
        if cursor is None:
            break
        current = f"{path}{joiner}cursor={cursor}"
    return current


def _searches(url: str) -> list[tuple[str, str]]:
    """Free-text searches beside ``q=water`` (a substring of 1 partnership in 10): a reference, an organisation's
    name, a misspelling, accents, and the organisation directory's search."""
    engine = make_engine(url)
    with engine.connect() as connection:
        reference = connection.scalar(text("SELECT reference FROM partnerships ORDER BY id DESC LIMIT 1"))
        name = connection.scalar(text("SELECT legal_name FROM organisations ORDER BY id DESC LIMIT 1"))
    engine.dispose()
    return [
        ("search reference", f"/api/v1/partnerships?q={quote(reference or 'PA')}"),
        ("search organisation name", f"/api/v1/partnerships?q={quote(name or 'Baobab')}"),
        ("search misspelt q=Interntional", "/api/v1/partnerships?q=Interntional"),
        ("search accents q=Fédération", "/api/v1/partnerships?q=F%C3%A9d%C3%A9ration"),
        ("organisations q=kestrel", "/api/v1/organisations?q=kestrel"),
    ]


def _endpoints(url: str, lists_only: bool = False) -> list[tuple[str, str]]:
    """Each documented filter and sort of the partnership and organisation lists (values taken from the data)."""
    engine = make_engine(url)
    with engine.connect() as connection:
        area = connection.scalar(text("SELECT code FROM areas_of_engagement ORDER BY id LIMIT 1"))
        owner = connection.scalar(text("SELECT owner_id FROM partnerships ORDER BY id DESC LIMIT 1"))
        lawyer = connection.scalar(
            text(
                "SELECT legal_officer_id FROM partnerships WHERE legal_officer_id IS NOT NULL ORDER BY id DESC LIMIT 1"
            )
        )
        country, region = connection.execute(
            text("SELECT country_code, region FROM organisations GROUP BY 1, 2 ORDER BY count(*) DESC LIMIT 1")
        ).one()
    engine.dispose()
    soon = (date.today() + timedelta(days=90)).isoformat()
    p, o = "/api/v1/partnerships", "/api/v1/organisations"
    endpoints = [
        ("list, first page", p),
        ("filter stage=formal&area", f"{p}?stage=formal&area={area}"),
        ("filter stage", f"{p}?stage=formal"),
        ("filter area", f"{p}?area={area}"),
        ("filter partner_kind", f"{p}?partner_kind=national_cso"),
        ("filter country_code", f"{p}?country_code={country}"),
        ("filter region", f"{p}?region={quote(region or '')}"),
        ("filter owner_id", f"{p}?owner_id={owner}"),
        ("filter legal_officer_id", f"{p}?legal_officer_id={lawyer}"),
        ("filter ending_before", f"{p}?ending_before={soon}"),
        ("filter overdue=true", f"{p}?overdue=true"),
        ("filter overdue=false", f"{p}?overdue=false"),
        *((f"sort {d}{k}", f"{p}?sort={d}{k}") for k in ("reference", "title", "stage", "created_at", "updated_at")
          for d in ("", "-")),
        ("page 21 by cursor", f"{p}#walk20"),
        ("page 21 by cursor, sort title", f"{p}?sort=title#walk20"),
        ("organisations, first page", o),
        ("organisations kind", f"{o}?kind=national_cso"),
        ("organisations country_code", f"{o}?country_code={country}"),
        ("organisations region", f"{o}?region={quote(region or '')}"),
        ("organisations area", f"{o}?area={area}"),
        *((f"organisations sort {d}{k}", f"{o}?sort={d}{k}")
          for k in ("legal_name", "country_code", "kind", "created_at", "updated_at") for d in ("", "-")),
    ]  # fmt: skip
    if not lists_only:
        endpoints += [
            ("free text q=water", f"{p}?q=water"),
            *_searches(url),
            ("portfolio report", "/api/v1/reports/portfolio"),
            ("data-quality summary", "/api/v1/quality/summary"),
            ("records to fix, first page", "/api/v1/quality/records?page_size=50"),
        ]
    return endpoints


def measure(
    url: str, requests: int = 30, log: Any = print, lists_only: bool = False, settle: bool = True
) -> dict[str, Any]:
    """Median and p95 of each endpoint, beside a minimal endpoint running the same SQL, /healthz and the SQL alone.

    ``settle``: freeze what start-up built before measuring, as ``agreements serve`` does before it serves.
    """
    from bench_api_minimal import sql_app
    from fastapi.testclient import TestClient

    from app.api.app import create_app, settle_before_serving
    from app.config import load_settings

    token = _token(url)
    engine = make_engine(url)
    results: dict[str, Any] = {}
    try:
        settings = load_settings(database_url=url, scheduler_enabled=False)
        application = create_app(settings, sessionmaker(bind=engine, expire_on_commit=False))
        with TestClient(application, headers={"Authorization": f"Bearer {token}"}) as client:
            endpoints = [
                (name, _walk_to(client, path.split("#")[0], 20) if path.endswith("#walk20") else path)
                for name, path in _endpoints(url, lists_only)
            ]
            captured = capture_sql(url, token, [(name, "GET", path, None) for name, path in endpoints])
            reads = {
                name: [(s, p) for s, p in statements if s.lstrip().upper().startswith(("SELECT", "WITH"))]
                for name, statements in captured.items()
            }
            baseline = sql_app(url, reads)
            if settle:
                settle_before_serving()
            with TestClient(baseline) as minimal:
                first: dict[str, float] = {}

                def once(on: Any, path: str) -> float:
                    started = time.perf_counter()
                    on.get(path).raise_for_status()
                    return (time.perf_counter() - started) * 1000

                def timed(on: Any, path: str) -> list[float]:
                    first[path] = once(on, path)  # warm-up: the cold figure (first request of this process)
                    return [once(on, path) for _ in range(requests)]

                def paired(path: str, same_sql: str) -> tuple[list[float], list[float]]:
                    """The endpoint and its baseline requested in turn, so that both meet the same moments."""
                    first[path] = once(client, path)
                    once(minimal, same_sql)
                    pairs = [(once(client, path), once(minimal, same_sql)) for _ in range(requests)]
                    return [mine for mine, _ in pairs], [theirs for _, theirs in pairs]

                health = _stats(timed(client, "/healthz"))
                results["healthz"] = health
                for name, path in endpoints:
                    mine, theirs = paired(path, f"/sql/{quote(name, safe='')}")
                    figures = _stats(mine) | {"cold_ms": first[path]}
                    bare = _stats(theirs)
                    figures["minimal_median_ms"], figures["minimal_p95_ms"] = bare["median_ms"], bare["p95_ms"]
                    figures["x_minimal"] = figures["p95_ms"] / bare["p95_ms"]
                    figures["sql_ms"] = _sql_ms(url, captured[name], min(requests, 10))
                    figures["x_healthz"] = figures["median_ms"] / health["median_ms"]
                    figures["x_sql"] = figures["median_ms"] / figures["sql_ms"]
                    figures["path"] = path
                    results[name] = figures
                    log(
                        f"  {name:<34} cold {figures['cold_ms']:7.1f} ms  p95 {figures['p95_ms']:7.1f} ms"
                        f"  minimal same SQL p95 {bare['p95_ms']:7.1f} ms"
                        f"  x{figures['x_minimal']:.2f}  (median {figures['median_ms']:.1f}, SQL alone"
                        f" {figures['sql_ms']:.1f})"
                    )
            baseline.state.engine.dispose()
    finally:
        engine.dispose()
    return results


def run(
    url: str | None = None, partnerships: int = 100_000, organisations: int | None = None, requests: int = 30,
    server_url: str = SERVER_URL, log: Any = print, lists_only: bool = False, settle: bool = True,
) -> dict[str, Any]:  # fmt: skip
    """Fill the database if it is empty (a scratch one without ``url``), then measure; returns the figures."""
    organisations = organisations or max(4, partnerships * 16 // 100)

    def on(target: str) -> dict[str, Any]:
        engine = make_engine(target)
        found = existing_data(engine)
        generated_seconds = None
        if not found["partnerships"]:
            log(f"generating {organisations:,} organisations and {partnerships:,} partnerships ...")
            started = time.perf_counter()
            generate_portfolio(engine, organisations, partnerships)
            generated_seconds = time.perf_counter() - started
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE"))
            found = existing_data(engine)
        engine.dispose()
        log(f"{found['partnerships']:,} partnerships, {found['organisations']:,} organisations")
        return {"partnerships": found["partnerships"], "organisations": found["organisations"],
                "generated_seconds": generated_seconds,
                "endpoints": measure(target, requests, log, lists_only, settle)}  # fmt: skip

    if url:
        return on(url)
    with _scratch(server_url) as scratch:
        return on(scratch)


def main() -> None:
    register_all()  # as start-up does: every domain's workflow rules
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a PostgreSQL database (filled if it holds no partnerships)")
    parser.add_argument("--partnerships", type=int, default=100_000)
    parser.add_argument("--organisations", type=int)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--lists-only", action="store_true", help="only the lists (not search, not the report)")
    parser.add_argument("--unsettled", action="store_true", help="leave start-up objects to the collector")
    args = parser.parse_args()
    result = run(
        args.url, args.partnerships, args.organisations, args.requests,
        lists_only=args.lists_only, settle=not args.unsettled,
    )  # fmt: skip
    endpoints = result["endpoints"]
    print(f"\nAPI latency at {result['partnerships']:,} partnerships, {args.requests} requests each (ms)")
    print(f"{'endpoint':<36}{'median':>8}{'p95':>8}{'minimal p95':>13}{'x minimal':>11}{'SQL':>8}{'x healthz':>11}")
    health = endpoints.pop("healthz")
    print(f"{'/healthz (baseline)':<36}{health['median_ms']:>8.1f}{health['p95_ms']:>8.1f}")
    for name, f in endpoints.items():
        print(
            f"{name:<36}{f['median_ms']:>8.1f}{f['p95_ms']:>8.1f}{f['minimal_p95_ms']:>13.1f}{f['x_minimal']:>11.2f}"
            f"{f['sql_ms']:>8.1f}{f['x_healthz']:>11.0f}"
        )


if __name__ == "__main__":
    main()
