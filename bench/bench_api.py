"""Benchmark: the HTTP API under load on PostgreSQL with 100,000 partnerships, against a minimal FastAPI baseline.

Usage: python bench/bench_api.py [--url postgresql+psycopg://postgres@127.0.0.1:5432] [--partnerships 100000]
                                 [--seconds 15] [--warmup 2] [--concurrency 12]

Creates a throw-away database on the PostgreSQL server at ``--url``, migrates it, fills it with set-based SQL,
starts the real application (``uvicorn --factory app.api.app:create_app``, one worker) and a minimal FastAPI
app (bench/bench_api_minimal.py) in their own processes, and drives both from a third process
(bench/bench_api_load.py: asyncio + httpx, N keep-alive connections for a fixed time). Prints requests/s and
latency percentiles per scenario, the ratio to the baseline, where the CPU went, and the SQL each request runs
with EXPLAIN ANALYZE of the slowest statement. Servers and database are removed at the end, even on error.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT))

import bench_api_data as data  # noqa: E402

from app import migrate  # noqa: E402

LIST = "/api/v1/partnerships?stage=informal&country_code=KE&page_size=50&sort=-created_at"
SEARCH_WORD = "water"


def _log(message: str) -> None:
    print(message, flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A uvicorn process of its own (own session, so its children go with it), stopped by its pid."""

    def __init__(
        self, name: str, args: list[str], env: dict[str, str], ready_path: str, log_dir: Path, workers: int = 1
    ) -> None:
        self.name = name
        self.port = _free_port()
        self.log_path = log_dir / f"{name}.log"
        self.base_url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "uvicorn", *args, "--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            self._wait_ready(ready_path)
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_path.read_text()}")
            with suppress(httpx.HTTPError):
                if httpx.get(self.base_url + path, timeout=2.0).status_code == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        """SIGTERM to the server's process group, SIGKILL if it has not gone within 10 s."""
        if self.process.poll() is not None:
            return
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


@contextmanager
def _database(base_url: str) -> Iterator[str]:
    name = data.create_database(base_url)
    _log(f"database {name} created")
    try:
        yield name
    finally:
        data.drop_database(base_url, name)
        _log(f"database {name} dropped")


def _load(spec: dict[str, Any], work: Path) -> dict[str, Any]:
    """Run one scenario in a separate load-generator process; its figures come back as JSON."""
    spec_path = work / "spec.json"
    spec_path.write_text(json.dumps(spec))
    budget = float(spec["seconds"]) + float(spec.get("warmup_seconds", 0)) + 120
    done = subprocess.run(
        [sys.executable, str(BENCH / "bench_api_load.py"), str(spec_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=budget,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _scenarios(args: argparse.Namespace, ids: tuple[int, int], pool_file: Path) -> list[dict[str, Any]]:
    """(name, server, request) for every measured scenario; the baseline first."""
    return [
        {"name": "baseline GET /ping (minimal app)", "server": "minimal", "path": "/ping"},
        {"name": "list stage+country (filters)", "server": "app", "path": LIST},
        {"name": "list stage+country + q", "server": "app", "path": f"{LIST}&q={SEARCH_WORD}"},
        {
            "name": "list q only (free text)",
            "server": "app",
            "path": f"/api/v1/partnerships?q={SEARCH_WORD}&page_size=50&sort=-created_at",
        },
        {"name": "get one by random id", "server": "app", "path": "/api/v1/partnerships/{id}", "random_ids": ids},
        {
            "name": "transition go_dormant",
            "server": "app",
            "method": "POST",
            "path": "/api/v1/partnerships/{id}/transitions/go_dormant",
            "body": {},
            "id_pool_file": str(pool_file),
        },
    ]


def _row(name: str, result: dict[str, Any], baseline_rps: float | None) -> str:
    ratio = result["rps"] / baseline_rps if baseline_rps else 1.0
    server_ms = result["server_cpu_s"] / result["requests"] * 1000 if result["requests"] else float("nan")
    seconds = result["elapsed"] or 1.0
    return (
        f"{name:<34}{result['requests']:>9}{result['errors']:>7}{result['rps']:>9.1f}"
        f"{result['p50_ms']:>9.1f}{result['p95_ms']:>9.1f}{result['p99_ms']:>9.1f}{ratio:>9.3f}"
        f"{server_ms:>11.2f}{result['client_cpu_s'] / seconds * 100:>8.0f}%"
        f"{result['machine_busy_s'] / seconds * 100:>8.0f}%"
    )


HEADER = (
    f"{'scenario':<34}{'requests':>9}{'errors':>7}{'req/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    f"{'x base':>9}{'srv ms/req':>11}{'client':>9}{'machine':>9}"
)


def _explain_report(url: str, token: str, ids: tuple[int, int], spare_id: int) -> None:
    """The SQL each kind of request runs, and EXPLAIN ANALYZE of the slowest SELECT of each."""
    requests = [
        ("list stage+country (filters)", "GET", LIST, None),
        ("list stage+country + q", "GET", f"{LIST}&q={SEARCH_WORD}", None),
        ("list q only (free text)", "GET", f"/api/v1/partnerships?q={SEARCH_WORD}&page_size=50&sort=-created_at", None),
        ("get one by random id", "GET", f"/api/v1/partnerships/{random.randint(*ids)}", None),
        ("transition go_dormant", "POST", f"/api/v1/partnerships/{spare_id}/transitions/go_dormant", {}),
    ]
    captured = data.capture_sql(url, token, requests)
    _log("\nSQL per request (captured in-process from the same application code; EXPLAIN ANALYZE of each SELECT):")
    slowest: list[tuple[str, float, str, str]] = []
    for name, statements in captured.items():
        timed = []
        for statement, parameters in statements:
            is_select = statement.lstrip().upper().startswith("SELECT") and "FOR UPDATE" not in statement.upper()
            if is_select:
                ms, plan = data.explain(url, statement, parameters)
                timed.append((ms, statement, plan))
        total = sum(ms for ms, _, _ in timed)
        top = max(timed, default=(0.0, "", ""))
        _log(
            f"  {name:<34}{len(statements):>3} statements, SELECTs {total:7.2f} ms in PostgreSQL, "
            f"slowest {top[0]:6.2f} ms"
        )
        slowest.append((name, *top))
    for name, ms, statement, plan in slowest:
        if ms >= 2.0:
            _log(f"\n--- slowest SELECT of '{name}' ({ms:.2f} ms):\n{statement}\n--- plan:\n{plan}")


def run(args: argparse.Namespace) -> None:
    """Everything, in order; the database and the servers are cleaned up by the ``with`` blocks and ``finally``."""
    started = time.perf_counter()
    servers: list[Server] = []
    with _database(args.url) as name, tempfile.TemporaryDirectory(prefix="bench_api_") as tmp:
        work = Path(tmp)
        url = data.server_url(args.url, name)
        try:
            phase = time.perf_counter()
            migrate.upgrade(url)
            _log(f"migrated in {time.perf_counter() - phase:.1f} s; seeding {args.partnerships:,} partnerships")
            phase = time.perf_counter()
            organisations = max(300, args.partnerships // 20)
            data.seed(url, args.partnerships, organisations, _log)
            token = data.admin_token(url)
            seed_seconds = time.perf_counter() - phase
            low, high = (
                int(v) for v in data.scalar(url, "SELECT min(id) || ',' || max(id) FROM partnerships").split(",")
            )
            pool = [
                int(v)
                for v in data.scalar(
                    url, "SELECT string_agg(id::text, ',' ORDER BY random()) FROM partnerships WHERE stage = 'ad_hoc'"
                ).split(",")
            ]
            spare_id, pool = pool[0], pool[1:]
            pool_file = work / "pool.json"
            pool_file.write_text(json.dumps(pool))
            matching = data.scalar(
                url,
                "SELECT count(*) FROM partnerships p WHERE stage = 'informal' AND EXISTS (SELECT 1 FROM "
                "partnership_parties pp JOIN organisations o ON o.id = pp.organisation_id "
                "WHERE pp.partnership_id = p.id AND o.country_code = 'KE')",
            )
            _log(
                f"seeded in {seed_seconds:.1f} s: {args.partnerships:,} partnerships, {organisations:,} organisations,"
                f" {len(pool) + 1:,} ad hoc; the filtered list matches {matching:,}"
            )

            env = {
                **os.environ,
                "AGREEMENTS_DATABASE_URL": url,
                "AGREEMENTS_SCHEDULER_ENABLED": "false",
                "AGREEMENTS_LOG_LEVEL": "WARNING",
            }
            servers.append(Server("app", ["--factory", "app.api.app:create_app"], env, "/healthz", work))
            servers.append(Server("minimal", ["--app-dir", str(BENCH), "bench_api_minimal:app"], env, "/ping", work))
            by_name = {server.name: server for server in servers}
            _log(f"servers up: app {by_name['app'].base_url}, minimal {by_name['minimal'].base_url}")

            headers = {"Authorization": f"Bearer {token}"}
            results: list[tuple[str, dict[str, Any]]] = []
            dormant_before = data.scalar(url, "SELECT count(*) FROM partnerships WHERE stage = 'dormant'")
            for scenario in _scenarios(args, (low, high), pool_file):
                server = by_name[scenario.pop("server")]
                name = scenario.pop("name")
                spec = {
                    "base_url": server.base_url,
                    "headers": headers,
                    "concurrency": args.concurrency,
                    "seconds": args.seconds,
                    "warmup_seconds": args.warmup,
                    "watch_pid": server.process.pid,
                    **scenario,
                }
                result = _load(spec, work)
                results.append((name, result))
                _log(f"  ran {name:<34} {result['requests']:>7} requests, {result['rps']:8.1f} req/s")
                if result["errors"]:
                    _log(f"    statuses {result['statuses']}; sample {result['sample'].get('error')}")
            transitions = results[-1][1]
            dormant_after = data.scalar(url, "SELECT count(*) FROM partnerships WHERE stage = 'dormant'")
            fired = transitions["ok"] + transitions["warmup_ok"]
            check = "ok" if dormant_after - dormant_before == fired else "MISMATCH"
            for server in servers:
                server.stop()

            baseline = results[0][1]["rps"]
            _log(
                f"\nAPI load benchmark: {args.partnerships:,} partnerships on PostgreSQL "
                f"{data.scalar(url, 'SHOW server_version')}, {os.cpu_count()} CPUs, concurrency {args.concurrency}, "
                f"{args.seconds:g} s per scenario after {args.warmup:g} s warm-up, one uvicorn worker per server"
            )
            _log(HEADER)
            for name, result in results:
                _log(_row(name, result, baseline))
            _log(
                "srv ms/req = CPU of the server process per request; client = CPU of the load generator "
                "(100% = one core); machine = all cores busy (max 200% on 2 CPUs; the rest is mostly PostgreSQL)."
            )
            _log(
                f"transitions: {fired:,} answered 2xx (with warm-up), partnerships turned dormant: "
                f"{dormant_after - dormant_before:,} ({check})"
            )
            _explain_report(url, token, (low, high), spare_id)
        finally:
            for server in servers:
                server.stop()
            _log(f"\ntotal wall time {time.perf_counter() - started:.1f} s")


def main() -> None:
    """Parse the flags and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432", help="PostgreSQL server URL")
    parser.add_argument("--partnerships", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per scenario")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each scenario")
    parser.add_argument("--concurrency", type=int, default=12, help="concurrent connections")
    args = parser.parse_args()

    def _terminate(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)  # unwinds through the finally blocks: servers stopped, database dropped

    signal.signal(signal.SIGTERM, _terminate)
    run(args)


if __name__ == "__main__":
    main()
