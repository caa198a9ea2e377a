"""The benchmark suite in one command: every figure beside its baseline measured in the same run, one table, one file.

Usage:
    python bench/run_all.py [--quick] [--only NAME ...] [--url POSTGRESQL_SERVER_URL]
                            [--million-url DATABASE_URL] [--compare OLD.json] [--output FILE]

Items (``--only`` takes these names):
    transitions  a transition through the workflow engine vs the same change in raw SQL (SQLite and PostgreSQL)
    claim        claim_due among 1,000,000 reminders on PostgreSQL vs a bare SELECT (and vs 10,000 rows), plan
    dispatch     reminder dispatch vs a bare smtplib loop (local aiosmtpd server)
    render       MOU to HTML / DOCX / PDF vs a bare Jinja2 render
    api_100k     list / filter / search / report API latency at 100,000 partnerships vs the same SQL alone
    api_1m       the same at 1,000,000 partnerships (``--million-url``: a database ``agreements generate`` filled;
                 filled here if it holds no partnerships, which takes several minutes)
    import       organisation/partnership import rows/s and peak memory vs a raw executemany
    report       portfolio report vs its baseline SQL and vs its sections one by one (optional: only with --only report)
    load_1m      50 concurrent clients on a mixed read/write workload against the million-partnership database
                 (bench/bench_load_mixed.py: two server processes; p95 per request kind and errors)

``--quick`` uses sizes small enough for a minute or two per item (10,000 reminders, 10,000 partnerships, no
million-partnership database). Results go to ``bench/results/<UTC timestamp>.json`` with the machine, the git
commit and every figure; ``--compare OLD.json`` prints each figure beside the one in the older file.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))

SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
MILLION_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/agreements_bench1"
Figure = dict[str, Any]


def _log(message: str) -> None:
    print(f"    {message}", flush=True)


def figure(item: str, measure: str, value: float, unit: str, baseline_name: str | None = None,
           baseline: float | None = None, better: str = "lower", **extra: Any) -> Figure:  # fmt: skip
    """One row of the table; the ratio is value / baseline (how many times the baseline it costs)."""
    ratio = value / baseline if baseline else None
    return {"item": item, "measure": measure, "value": value, "unit": unit, "baseline_name": baseline_name,
            "baseline": baseline, "ratio": ratio, "better": better, **extra}  # fmt: skip


def _scratch_postgres(server_url: str):
    from bench_dispatch import _database

    return _database(server_url)


def bench_transitions(args: argparse.Namespace) -> list[Figure]:
    import bench_transitions as bt
    from sqlalchemy.orm import Session

    from app import migrate
    from app.db import make_engine

    count = 1_000 if args.quick else 10_000
    figures = []
    with tempfile.TemporaryDirectory() as directory:
        for backend, context in (
            ("sqlite", None),
            ("postgresql", _scratch_postgres(args.url)),
        ):
            if context is None:
                url = f"sqlite:///{Path(directory) / 'transitions.db'}"
                migrate.upgrade(url)
                scratch = None
            else:
                scratch = context
                url = scratch.__enter__()
            try:
                engine = make_engine(url)
                with Session(engine, expire_on_commit=False) as session:
                    ids = bt._seed(session, count)
                    engine_seconds = bt._engine_run(session, ids, "go_dormant")
                    raw_seconds = bt._raw_run(session, ids, "dormant", "ad_hoc", "revive")
                engine.dispose()
            finally:
                if scratch is not None:
                    scratch.__exit__(None, None, None)
            figures.append(figure("transitions", f"engine transition, {backend} ({count:,})",
                                  engine_seconds / count * 1000, "ms", "raw SQL UPDATE + event",
                                  raw_seconds / count * 1000))  # fmt: skip
    return figures


def bench_claim(args: argparse.Namespace) -> list[Figure]:
    import bench_claim as bc

    rows = 10_000 if args.quick else 1_000_000
    result = bc.run(args.url, rows=rows, small_rows=10_000 if not args.quick else 1_000, repeat=20, log=_log)
    _log("EXPLAIN (ANALYZE, BUFFERS) of the claim's locking SELECT:")
    for line in result["plan"].splitlines():
        _log("  " + line)
    if not result["index_scan"]:
        _log(f"SEQUENTIAL SCAN: the claim needs an index (a migration): {bc.NEEDED_INDEX}")
    note = "index scan" if result["index_scan"] else "SEQ SCAN"
    return [
        figure("claim", f"claim_due 50 of {rows:,} reminders ({note})", result["claim_ms"], "ms",
               "bare SELECT … LIMIT 50", result["bare_select_ms"], plan=result["plan"],
               index_scan=result["index_scan"]),
        figure("claim", f"claim_due 50 of {rows:,} vs of {result['small_rows']:,}", result["claim_ms"], "ms",
               f"claim_due at {result['small_rows']:,}", result["claim_small_ms"]),
    ]  # fmt: skip


def bench_dispatch(args: argparse.Namespace) -> list[Figure]:
    import bench_dispatch as bd

    count = 300 if args.quick else 2_000
    figures = []
    for backend, context in (("sqlite", bd._database(None)), ("postgresql", bd._database(args.url))):
        with context as url:
            rows = dict(bd.throughput(url, count, 1))
        rate = lambda text: float(text.split()[0].replace(",", ""))  # noqa: E731
        dispatched = rate(next(v for k, v in rows.items() if k.startswith("dispatch_once")))
        bare = rate(rows["bare smtplib loop, pre-built equivalent messages"])
        figures.append(figure("dispatch", f"dispatch_once, {backend} ({count:,} reminders)", dispatched,
                              "mails/s", "bare smtplib loop", bare, better="higher"))  # fmt: skip
    return figures


def bench_render(args: argparse.Namespace) -> list[Figure]:
    import bench_render as br
    import jinja2

    repeat = 5 if args.quick else 20
    variables = br.sample_variables("mou")
    info, language = br.find_template("mou", "en")
    context, _ = br.template_context(info, variables)
    plain = jinja2.Environment(loader=jinja2.FileSystemLoader(br.TEMPLATES_DIR), undefined=jinja2.StrictUndefined)
    collapse = lambda value: " ".join(str(value).split())  # noqa: E731
    plain.filters.update(inline=collapse, cell=collapse, date=jinja2.pass_context(lambda _ctx, value: str(value)))
    bare = plain.get_template(info.file_for(language))
    text = br.render("mou", "en", variables).text
    reference, label = variables["reference"], "version 1"
    baseline = br._median_ms(lambda: bare.render({**context, "language": language}), repeat)
    steps = {
        "sandboxed render + preflight": lambda: br.render("mou", "en", variables),
        "HTML": lambda: br.outputs.to_html(text, reference=reference, version_label=label, draft=True),
        "DOCX": lambda: br.outputs.to_docx(text, reference=reference, version_label=label, draft=True),
        "PDF": lambda: br.outputs.to_pdf(text, reference=reference, version_label=label, draft=True),
    }
    return [
        figure("render", f"MOU {name}", br._median_ms(step, repeat), "ms", "bare Jinja2 render", baseline)
        for name, step in steps.items()
    ]


def _api_figures(item: str, result: dict[str, Any]) -> list[Figure]:
    endpoints = dict(result["endpoints"])
    health = endpoints.pop("healthz")
    size = f"{result['partnerships']:,}"
    figures = []
    for name, f in endpoints.items():
        figures.append(figure(item, f"{name} @ {size}, median", f["median_ms"], "ms", "same SQL alone",
                              f["sql_ms"], p95_ms=f["p95_ms"], path=f["path"]))  # fmt: skip
        figures.append(figure(item, f"{name} @ {size}, p95", f["p95_ms"], "ms", "/healthz median",
                              health["median_ms"]))  # fmt: skip
        if name == "portfolio report" and "cold_ms" in f:  # its target is cold: the first request of the process
            figures.append(figure(item, f"{name} @ {size}, cold", f["cold_ms"], "ms", "same SQL alone", f["sql_ms"]))
    if result.get("generated_seconds"):
        figures.append(figure(item, f"generate {size} partnerships", result["generated_seconds"], "s"))
    return figures


def bench_api_100k(args: argparse.Namespace) -> list[Figure]:
    import bench_api_scale

    size = 10_000 if args.quick else 100_000
    return _api_figures("api_100k", bench_api_scale.run(None, size, requests=args.requests, server_url=args.url,
                                                        log=_log))  # fmt: skip


def _wait_for_loader(url: str, limit: float = 3600) -> None:
    """Wait while another session (e.g. ``agreements generate``) is busy or in a transaction on that database."""
    from sqlalchemy import text

    from app.db import make_engine

    engine = make_engine(url)
    busy = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
        "AND state <> 'idle' AND backend_type = 'client backend'"
    )
    deadline = time.monotonic() + limit
    try:
        while True:
            with engine.connect() as connection:
                if not connection.scalar(busy) or time.monotonic() > deadline:
                    return
            _log("waiting for the loader still filling the million-partnership database ...")
            time.sleep(20)
    finally:
        engine.dispose()


def bench_api_1m(args: argparse.Namespace) -> list[Figure]:
    import bench_api_scale

    if args.quick:
        _log("skipped with --quick (needs the million-partnership database)")
        return []
    _wait_for_loader(args.million_url)
    result = bench_api_scale.run(args.million_url, 1_000_000, 160_000, requests=args.requests, log=_log)
    return _api_figures("api_1m", result)


def bench_import(args: argparse.Namespace) -> list[Figure]:
    import bench_import as bi

    size, traced = (2_000, 500) if args.quick else (10_000, 2_000)  # tracemalloc makes the import ~10x slower
    with tempfile.TemporaryDirectory() as directory:
        folder = Path(directory)
        rates = {}
        for rows in (size, traced):
            path = folder / f"inventory-{rows}.csv"
            bi.write_inventory(path, rows)
            trace = rows == traced
            raw = bi.measure(partial(bi.raw_insert, bi.fresh_database(None, folder, f"raw{rows}"), path, 1000), trace)
            done = bi.measure(
                partial(bi.import_file, bi.fresh_database(None, folder, f"import{rows}"), path, 1000), trace
            )
            rates[rows] = (raw, done)
    (raw, done), (raw_traced, done_traced) = rates[size], rates[traced]
    return [
        figure("import", f"import {size:,} rows, sqlite", size / done[0], "rows/s", "raw executemany",
               size / raw[0], better="higher"),
        figure("import", f"import {traced:,} rows, traced peak memory", done_traced[1], "MB",
               "raw executemany peak", raw_traced[1]),
    ]  # fmt: skip


def bench_report(args: argparse.Namespace) -> list[Figure]:
    import bench_report as brep
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from app.db import make_engine
    from app.devtools.generate import generate_portfolio

    size = 5_000 if args.quick else 100_000
    with _scratch_postgres(args.url) as url:
        engine = make_engine(url)
        generate_portfolio(engine, max(4, size // 10), size)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        cold = brep.cold_seconds(url)
        with Session(engine) as session:
            figures = brep.measure(session, 5)
        engine.dispose()
    return [
        figure("report", f"portfolio report @ {size:,}, cold", cold * 1000, "ms", "report's baseline SQL",
               figures["baseline"] * 1000),
        figure("report", f"portfolio report @ {size:,}, warm p95", figures["report_p95"] * 1000, "ms",
               "report's baseline SQL", figures["baseline"] * 1000),
        figure("report", f"portfolio report @ {size:,}", figures["report"] * 1000, "ms", "report's baseline SQL",
               figures["baseline"] * 1000),
        figure("report", f"portfolio report @ {size:,} vs sections one by one", figures["report"] * 1000, "ms",
               "sections one by one", figures["one_by_one"] * 1000),
    ]  # fmt: skip


def bench_load_1m(args: argparse.Namespace) -> list[Figure]:
    import bench_load_mixed as blm

    if args.quick:
        _log("skipped with --quick (needs the million-partnership database)")
        return []
    _wait_for_loader(args.million_url)
    result = blm.run(args.million_url, clients=50, seconds=60, warmup=10, workers=2, pool_size=10, overflow=5)
    blm.print_table(result)
    whole = result["all"]
    return [
        figure("load_1m", "50 clients, mixed read/write, p95", whole["p95_ms"], "ms", errors=whole["errors"],
               requests=whole["requests"], rps=whole["rps"], kinds=result["kinds"]),
        figure("load_1m", "50 clients, mixed read/write, errors", whole["errors"], "requests"),
    ]  # fmt: skip


def bench_quality(args: argparse.Namespace) -> list[Figure]:
    import bench_quality as bq

    size = 10_000 if args.quick else 100_000
    with _scratch_postgres(args.url) as url:
        result = bq.run(url, max(4, size // 10), size, repeat=20, live_repeat=3, log=_log)
    figures = [figure("quality", f"rebuild every score @ {size:,}", result["rebuild_s"], "s")]
    for row in result["rows"]:
        stored = row["stored"]["p95"]
        figures.append(figure("quality", f"{row['measure']} p95 @ {size:,}", stored, "ms", row["sql_name"],
                              row["sql"]["p95"]))  # fmt: skip
        figures.append(figure("quality", f"{row['measure']} p95 @ {size:,} vs computed live", stored, "ms",
                              "live computation (before)", row["live"]["p95"]))  # fmt: skip
    return figures


ITEMS: dict[str, Callable[[argparse.Namespace], list[Figure]]] = {
    "transitions": bench_transitions, "claim": bench_claim, "dispatch": bench_dispatch, "render": bench_render,
    "api_100k": bench_api_100k, "api_1m": bench_api_1m, "import": bench_import, "report": bench_report,
    "load_1m": bench_load_1m,
    "quality": bench_quality,
}  # fmt: skip
DEFAULT_ITEMS = ["transitions", "claim", "dispatch", "render", "api_100k", "api_1m", "import", "quality", "load_1m"]


def machine(server_url: str) -> dict[str, Any]:
    """What the figures were measured on."""
    info: dict[str, Any] = {
        "platform": platform.platform(), "python": platform.python_version(), "cpus": os.cpu_count(),
        "load_average_at_start": os.getloadavg(),
    }  # fmt: skip
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        info["cpu"] = next(line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line)
        meminfo = Path("/proc/meminfo").read_text().splitlines()[0]
        info["memory_gb"] = round(int(meminfo.split()[1]) / 1024 / 1024, 1)
    except (OSError, StopIteration):
        pass
    try:
        from sqlalchemy import text

        from app.db import make_engine

        engine = make_engine(server_url)
        with engine.connect() as connection:
            info["postgresql"] = connection.scalar(text("SHOW server_version"))
        engine.dispose()
    except Exception as exc:
        info["postgresql"] = f"unavailable: {exc.__class__.__name__}"
    return info


def git_commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=BENCH.parent, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "HEAD")
    return commit + ("+dirty" if git("status", "--porcelain", "--untracked-files=no") else "")


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"


def table(figures: list[Figure]) -> str:
    """The figures as a Markdown table."""
    lines = ["| item | measure | figure | baseline | baseline figure | ratio |", "|---|---|---:|---|---:|---:|"]
    for f in figures:
        ratio = f"{f['ratio']:.2f}x" if f["ratio"] is not None else "-"
        lines.append(
            f"| {f['item']} | {f['measure']} | {_number(f['value'])} {f['unit']} | {f['baseline_name'] or '-'} | "
            f"{_number(f['baseline'])} | {ratio} |"
        )
    return "\n".join(lines)


def compare(figures: list[Figure], old_path: Path) -> str:
    """Each figure beside the same one in an earlier results file (change in %, + means more)."""
    old = {(f["item"], f["measure"]): f for f in json.loads(old_path.read_text())["figures"]}
    lines = ["| item | measure | before | now | change | verdict |", "|---|---|---:|---:|---:|---|"]
    for f in figures:
        before = old.get((f["item"], f["measure"]))
        if before is None or not before["value"]:
            lines.append(f"| {f['item']} | {f['measure']} | - | {_number(f['value'])} | new | |")
            continue
        change = (f["value"] - before["value"]) / before["value"] * 100
        worse = change > 10 if f["better"] == "lower" else change < -10
        better = change < -10 if f["better"] == "lower" else change > 10
        verdict = "worse" if worse else "better" if better else "same (within 10%)"
        lines.append(
            f"| {f['item']} | {f['measure']} | {_number(before['value'])} | {_number(f['value'])} {f['unit']} | "
            f"{change:+.1f}% | {verdict} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (minutes, not the million rows)")
    parser.add_argument("--only", nargs="+", choices=list(ITEMS), help="run only these items")
    parser.add_argument("--url", default=SERVER_URL, help="PostgreSQL server URL for scratch databases")
    parser.add_argument("--million-url", default=MILLION_URL, help="database with (or for) 1M partnerships")
    parser.add_argument("--requests", type=int, default=30, help="requests per API endpoint")
    parser.add_argument("--compare", type=Path, help="an earlier results file to compare with")
    parser.add_argument("--output", type=Path, help="results file (default: bench/results/<timestamp>.json)")
    args = parser.parse_args()
    if args.compare and not args.compare.is_file():
        parser.error(f"--compare: no such file {args.compare}")

    started_at = datetime.now(UTC)
    info = machine(args.url)
    commit = git_commit()  # the code measured: taken at the start
    print(f"benchmark suite, {'quick' if args.quick else 'full'}; {info.get('cpu', '?')}, {info['cpus']} CPUs, "
          f"load {info['load_average_at_start'][0]:.2f}; commit {commit[:12]}", flush=True)  # fmt: skip
    figures: list[Figure] = []
    durations: dict[str, float] = {}
    failures: dict[str, str] = {}
    for name in args.only or DEFAULT_ITEMS:
        print(f"\n== {name}", flush=True)
        began = time.perf_counter()
        try:
            produced = ITEMS[name](args)
        except Exception:
            failures[name] = traceback.format_exc()
            print(failures[name], file=sys.stderr, flush=True)
            produced = []
        durations[name] = time.perf_counter() - began
        for f in produced:
            ratio = f"  {f['ratio']:.2f}x {f['baseline_name']}" if f["ratio"] is not None else ""
            print(f"  {f['measure']}: {_number(f['value'])} {f['unit']}{ratio}", flush=True)
        print(f"  ({durations[name]:.0f} s)", flush=True)
        figures.extend(produced)

    print("\n" + table(figures))
    output = args.output or BENCH / "results" / f"{started_at:%Y%m%dT%H%M%SZ}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({
        "started_at": started_at.isoformat(), "finished_at": datetime.now(UTC).isoformat(),
        "quick": args.quick, "items": args.only or DEFAULT_ITEMS, "git_commit": commit, "machine": info,
        "seconds_per_item": durations, "failures": failures, "figures": figures,
    }, indent=2, default=str))  # fmt: skip
    print(f"\nresults written to {output}")
    if args.compare:
        print(f"\ncompared with {args.compare}:\n" + compare(figures, args.compare))
    if failures:
        print(f"\nFAILED: {', '.join(failures)}", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
