"""Load generator for bench_api.py, run in its own process: N concurrent keep-alive connections for a time.

Usage: python bench/bench_api_load.py SPEC.json  (prints one JSON object with the figures on stdout)

SPEC: {"base_url", "headers", "concurrency", "seconds", "warmup_seconds", "method", "path", "body",
"random_ids": [lo, hi] | null, "id_pool_file": path | null, "watch_pid": int | null}. ``{id}`` in ``path`` is
replaced by a random id from ``random_ids`` or by the next unused id of the pool (one request per id; the
run ends early when the pool is used up). CPU use of this process, of ``watch_pid`` (the server) and of the
whole machine is sampled over the measured window only.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

TICKS = os.sysconf("SC_CLK_TCK")


def _process_cpu(pid: int | None) -> float:
    """CPU seconds (user + system, all threads) used so far by process ``pid``."""
    if pid is None:
        return 0.0
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, summed over cores."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    total = sum(values[:8])  # user nice system idle iowait irq softirq steal (guest is inside user)
    idle = values[3] + values[4]
    return (total - idle) / TICKS, total / TICKS


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (NaN when empty)."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


class Scenario:
    """Builds the requests of one scenario and keeps what they returned."""

    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.method: str = spec.get("method", "GET")
        self.path: str = spec["path"]
        self.body: Any = spec.get("body")
        self.random_ids: list[int] | None = spec.get("random_ids")
        pool_file = spec.get("id_pool_file")
        self.pool: list[int] | None = json.loads(Path(pool_file).read_text()) if pool_file else None
        self.pool_used = 0
        self.rng = random.Random(1234)

    def next_path(self) -> str | None:
        """The path of the next request, or ``None`` when the id pool is used up."""
        if "{id}" not in self.path:
            return self.path
        if self.pool is not None:
            if self.pool_used >= len(self.pool):
                return None
            self.pool_used += 1
            return self.path.replace("{id}", str(self.pool[self.pool_used - 1]))
        assert self.random_ids is not None
        return self.path.replace("{id}", str(self.rng.randint(*self.random_ids)))


async def _run_phase(client: httpx.AsyncClient, scenario: Scenario, seconds: float, concurrency: int) -> dict:
    latencies: list[float] = []
    statuses: Counter[str] = Counter()
    sample: dict[str, Any] = {}
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        while time.perf_counter() < deadline:
            path = scenario.next_path()
            if path is None:
                return
            started = time.perf_counter()
            try:
                response = await client.request(scenario.method, path, json=scenario.body)
                await response.aread()
                status = str(response.status_code)
            except httpx.HTTPError as exc:
                response, status = None, type(exc).__name__
            latencies.append(time.perf_counter() - started)
            statuses[status] += 1
            if response is not None and (not sample or (response.status_code >= 400 and "error" not in sample)):
                key = "error" if response.status_code >= 400 else "ok"
                sample[key] = {"status": response.status_code, "body": response.text[:300]}

    started = time.perf_counter()
    own0, server0, (busy0, total0) = _own_cpu(), _process_cpu(scenario.spec.get("watch_pid")), _machine_cpu()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    own1, server1, (busy1, total1) = _own_cpu(), _process_cpu(scenario.spec.get("watch_pid")), _machine_cpu()
    latencies.sort()
    ok = sum(count for status, count in statuses.items() if status.isdigit() and int(status) < 400)
    return {
        "requests": len(latencies),
        "ok": ok,
        "errors": len(latencies) - ok,
        "statuses": dict(statuses),
        "elapsed": elapsed,
        "rps": len(latencies) / elapsed if elapsed else 0.0,
        "p50_ms": _percentile(latencies, 0.50) * 1000,
        "p95_ms": _percentile(latencies, 0.95) * 1000,
        "p99_ms": _percentile(latencies, 0.99) * 1000,
        "max_ms": (latencies[-1] * 1000) if latencies else math.nan,
        "client_cpu_s": own1 - own0,
        "server_cpu_s": server1 - server0,
        "machine_busy_s": busy1 - busy0,
        "machine_total_s": total1 - total0,
        "sample": sample,
    }


async def run(spec: dict[str, Any]) -> dict:
    """Warm up (not counted), then measure for ``spec['seconds']``."""
    concurrency = int(spec["concurrency"])
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    scenario = Scenario(spec)
    async with httpx.AsyncClient(
        base_url=spec["base_url"], headers=spec.get("headers") or {}, limits=limits, timeout=60.0
    ) as client:
        warmup_ok = 0
        if spec.get("warmup_seconds", 0) > 0:
            warmup_ok = (await _run_phase(client, scenario, float(spec["warmup_seconds"]), concurrency))["ok"]
        result = await _run_phase(client, scenario, float(spec["seconds"]), concurrency)
    result["pool_used"] = scenario.pool_used
    result["warmup_ok"] = warmup_ok
    return result


def main() -> None:
    """Read the spec named on the command line, run it, print the figures as JSON."""
    spec = json.loads(Path(sys.argv[1]).read_text())
    print(json.dumps(asyncio.run(run(spec))))


if __name__ == "__main__":
    main()
