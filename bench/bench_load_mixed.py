"""Load test: many concurrent clients on a mixed read/write workload against the real server and a big portfolio.

Usage: python bench/bench_load_mixed.py [--url DATABASE_URL] [--clients 50] [--seconds 60] [--warmup 10]
                                        [--workers 2] [--pool-size 10] [--max-overflow 5]

``--url`` names a PostgreSQL database that already holds a portfolio (``agreements generate``; the default is the
million-partnership benchmark database). The real application runs under uvicorn with ``--workers`` processes,
each with the given connection pool (``AGREEMENTS_DB_POOL_SIZE`` / ``AGREEMENTS_DB_MAX_OVERFLOW``); ``--clients``
keep-alive connections each send one request after the other, picked at random by weight from the mix below,
for ``--seconds`` after a warm-up that is not counted. Prints, per kind of request and for the whole mix,
requests, errors (any status ≥ 400 or transport error), p50 / p95 / p99 latency, and the server's and the
machine's CPU use. The writes (interactions logged, partnerships edited) stay in the database: they are what
a working day leaves, made by a benchmark user.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))

from bench_api import Server  # noqa: E402
from bench_api_load import _machine_cpu, _percentile, _process_cpu  # noqa: E402
from bench_api_scale import _token  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.db import make_engine  # noqa: E402

MILLION_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/agreements_bench1"


def _facts(url: str) -> dict[str, Any]:
    """What the requests are drawn from: id ranges, stages, areas, countries, words of organisation names."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            scalar = connection.scalar
            facts = {
                "partnerships": (scalar(text("SELECT min(id) FROM partnerships")),
                                 scalar(text("SELECT max(id) FROM partnerships"))),
                "organisations": (scalar(text("SELECT min(id) FROM organisations")),
                                  scalar(text("SELECT max(id) FROM organisations"))),
                "stages": list(connection.scalars(text("SELECT DISTINCT stage FROM partnerships"))),
                "areas": list(connection.scalars(text("SELECT code FROM areas_of_engagement"))),
                "countries": list(connection.scalars(text(
                    "SELECT country_code FROM organisations WHERE country_code IS NOT NULL "
                    "GROUP BY country_code ORDER BY count(*) DESC LIMIT 40"))),
                "kinds": list(connection.scalars(text("SELECT DISTINCT kind FROM organisations"))),
                "regions": list(connection.scalars(text(
                    "SELECT DISTINCT region FROM organisations WHERE region IS NOT NULL"))),
                "names": list(connection.scalars(text(
                    "SELECT legal_name FROM organisations TABLESAMPLE SYSTEM (1) LIMIT 400"))),
            }  # fmt: skip
    finally:
        engine.dispose()
    if facts["partnerships"][0] is None:
        raise SystemExit(f"{url} holds no partnerships: fill it with `agreements generate` first")
    words = sorted({w for name in facts["names"] for w in name.split() if len(w) > 4 and w.isalpha()})
    facts["words"] = words or ["water"]
    return facts


class Mix:
    """The workload: each request kind with its weight, and the path (and body) of one request of that kind."""

    SORTS = ["-created_at", "created_at", "title", "-updated_at", "reference"]
    FILTERS = ["stage", "area", "country_code", "partner_kind", "region", "ending_before", "overdue"]

    def __init__(self, facts: dict[str, Any], seed: int) -> None:
        self.facts = facts
        self.rng = random.Random(seed)
        self.kinds: list[tuple[str, int]] = [
            ("list with a filter and a sort", 25), ("list, next page by cursor", 10),
            ("free-text search", 15), ("partnership detail", 15), ("organisation list", 5),
            ("portfolio report", 4), ("data-quality summary", 3), ("records to fix", 3),
            ("log an interaction (write)", 12), ("edit a partnership with If-Match (write)", 8),
        ]  # fmt: skip

    def pick(self) -> str:
        """A request kind, at random by weight."""
        return self.rng.choices([k for k, _ in self.kinds], weights=[w for _, w in self.kinds])[0]

    def partnership_id(self) -> int:
        return self.rng.randint(*self.facts["partnerships"])

    def list_path(self) -> str:
        """A first page of the partnership list with one or two random filters and a random sort."""
        params = {"page_size": "50", "sort": self.rng.choice(self.SORTS)}
        for name in self.rng.sample(self.FILTERS, self.rng.choice([1, 2])):
            params[name] = self._filter_value(name)
        return "/api/v1/partnerships?" + urlencode(params)

    def _filter_value(self, name: str) -> str:
        pick = self.rng.choice
        return {
            "stage": lambda: pick(self.facts["stages"]),
            "area": lambda: pick(self.facts["areas"]),
            "country_code": lambda: pick(self.facts["countries"]),
            "partner_kind": lambda: pick(self.facts["kinds"]),
            "region": lambda: pick(self.facts["regions"]),
            "ending_before": lambda: date(2027, self.rng.randint(1, 12), 1).isoformat(),
            "overdue": lambda: pick(["true", "false"]),
        }[name]()

    def search_path(self) -> str:
        return "/api/v1/partnerships?" + urlencode({"q": self.rng.choice(self.facts["words"]), "page_size": 20})


async def _one(client: httpx.AsyncClient, mix: Mix, kind: str) -> tuple[int | str, float]:
    """Send one request of ``kind`` (two for the cursor and If-Match kinds); its status and latency."""
    started = time.perf_counter()
    try:
        if kind == "list with a filter and a sort":
            response = await client.get(mix.list_path())
        elif kind == "list, next page by cursor":
            path = mix.list_path()
            first = await client.get(path)
            cursor = first.json().get("next_cursor") if first.status_code == 200 else None
            response = await client.get(path + "&" + urlencode({"cursor": cursor})) if cursor else first
        elif kind == "free-text search":
            response = await client.get(mix.search_path())
        elif kind == "partnership detail":
            response = await client.get(f"/api/v1/partnerships/{mix.partnership_id()}")
        elif kind == "organisation list":
            country = mix.rng.choice(mix.facts["countries"])
            response = await client.get("/api/v1/organisations", params={"country_code": country})
        elif kind == "portfolio report":
            response = await client.get("/api/v1/reports/portfolio")
        elif kind == "data-quality summary":
            response = await client.get("/api/v1/quality/summary")
        elif kind == "records to fix":
            response = await client.get("/api/v1/quality/records?page_size=50")
        elif kind == "log an interaction (write)":
            body = {"occurred_on": date.today().isoformat(), "kind": "call", "summary": "Follow-up call (load test)"}
            response = await client.post(f"/api/v1/partnerships/{mix.partnership_id()}/interactions", json=body)
        else:
            path = f"/api/v1/partnerships/{mix.partnership_id()}"
            current = await client.get(path)
            if current.status_code != 200:
                response = current
            else:
                headers = {"If-Match": current.headers.get("etag", "")}
                body = {"objectives": f"Objectives reviewed under load ({mix.rng.randint(1, 10**6)})."}
                response = await client.patch(path, json=body, headers=headers)
        await response.aread()
        status: int | str = response.status_code
    except httpx.HTTPError as exc:
        status = type(exc).__name__
    return status, time.perf_counter() - started


async def _drive(base_url: str, token: str, facts: dict[str, Any], clients: int, seconds: float) -> dict:
    """``clients`` connections, each sending one request after the other until ``seconds`` have passed."""
    latencies: dict[str, list[float]] = defaultdict(list)
    statuses: dict[str, Counter] = defaultdict(Counter)
    errors: list[str] = []
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=120.0) as client:

        async def worker(seed: int) -> None:
            mix = Mix(facts, seed)
            while time.perf_counter() < deadline:
                kind = mix.pick()
                status, elapsed = await _one(client, mix, kind)
                latencies[kind].append(elapsed)
                statuses[kind][str(status)] += 1
                if not (isinstance(status, int) and status < 400) and len(errors) < 20:
                    errors.append(f"{kind}: {status}")

        started = time.perf_counter()
        await asyncio.gather(*(worker(seed) for seed in range(clients)))
        elapsed = time.perf_counter() - started
    return {"latencies": latencies, "statuses": statuses, "errors": errors, "elapsed": elapsed}


def _summary(name: str, values: list[float], statuses: Counter, elapsed: float) -> dict[str, Any]:
    ordered = sorted(values)
    bad = sum(n for s, n in statuses.items() if not (s.isdigit() and int(s) < 400))
    return {
        "kind": name, "requests": len(ordered), "errors": bad, "rps": len(ordered) / elapsed,
        "p50_ms": _percentile(ordered, 0.50) * 1000, "p95_ms": _percentile(ordered, 0.95) * 1000,
        "p99_ms": _percentile(ordered, 0.99) * 1000, "statuses": dict(statuses),
    }  # fmt: skip


def run(url: str, clients: int, seconds: float, warmup: float, workers: int, pool_size: int, overflow: int) -> dict:
    """Start the server on ``url``, warm up, measure; the figures per request kind and for the whole mix."""
    import os

    facts = _facts(url)
    token = _token(url)
    env = {**os.environ, "AGREEMENTS_DATABASE_URL": url, "AGREEMENTS_DB_POOL_SIZE": str(pool_size),
           "AGREEMENTS_DB_MAX_OVERFLOW": str(overflow), "AGREEMENTS_LOG_LEVEL": "WARNING"}  # fmt: skip
    with tempfile.TemporaryDirectory() as work:
        server = Server("app", ["--factory", "app.api.app:create_app"], env, "/healthz", Path(work), workers=workers)
        try:
            if warmup:
                asyncio.run(_drive(server.base_url, token, facts, clients, warmup))
            cpu0, (busy0, total0) = _server_cpu(server), _machine_cpu()
            found = asyncio.run(_drive(server.base_url, token, facts, clients, seconds))
            cpu1, (busy1, total1) = _server_cpu(server), _machine_cpu()
        finally:
            server.stop()
    elapsed = found["elapsed"]
    rows = [_summary(k, v, found["statuses"][k], elapsed) for k, v in sorted(found["latencies"].items())]
    everything = [x for values in found["latencies"].values() for x in values]
    total = Counter()
    for counter in found["statuses"].values():
        total.update(counter)
    return {
        "clients": clients, "workers": workers, "pool_size": pool_size, "max_overflow": overflow,
        "seconds": elapsed, "kinds": rows, "all": _summary("whole mix", everything, total, elapsed),
        "errors_sample": found["errors"], "server_cpu_s": cpu1 - cpu0,
        "machine_busy_share": (busy1 - busy0) / (total1 - total0) if total1 > total0 else None,
    }  # fmt: skip


def _server_cpu(server: Server) -> float:
    """CPU seconds used so far by the server's processes (the uvicorn supervisor and its workers)."""
    pids = [server.process.pid]
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    if children.exists():
        pids += [int(p) for p in children.read_text().split()]
    return sum(_process_cpu(pid) for pid in pids)


def print_table(result: dict[str, Any]) -> None:
    """The figures, one line per request kind and one for the whole mix."""
    print(f"{result['clients']} clients, {result['workers']} server processes (pool {result['pool_size']}"
          f"+{result['max_overflow']} each), {result['seconds']:.0f} s measured")  # fmt: skip
    print(f"{'request':45} {'n':>6} {'err':>4} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for row in [*result["kinds"], result["all"]]:
        print(f"{row['kind']:45} {row['requests']:6d} {row['errors']:4d} {row['rps']:7.1f} "
              f"{row['p50_ms']:8.1f} {row['p95_ms']:8.1f} {row['p99_ms']:8.1f}")  # fmt: skip
    share = result["machine_busy_share"]
    print(f"server CPU {result['server_cpu_s']:.0f} s; machine busy {share:.0%}" if share else "")
    for line in result["errors_sample"]:
        print("  error:", line)


def main() -> None:
    """Parse the arguments, run the load test, print the table and the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=MILLION_URL)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--warmup", type=float, default=10)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pool-size", type=int, default=10)
    parser.add_argument("--max-overflow", type=int, default=5)
    args = parser.parse_args()
    result = run(args.url, args.clients, args.seconds, args.warmup, args.workers, args.pool_size, args.max_overflow)
    print_table(result)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
