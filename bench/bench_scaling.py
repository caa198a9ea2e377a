"""How each API measure grows with the portfolio: the same endpoints at 10,000, 100,000 and 1,000,000 partnerships.

Usage: python bench/bench_scaling.py [--sizes 10000 100000] [--million-url DATABASE_URL] [--requests 15]
                                     [--output FILE.json]

For each size in ``--sizes`` a scratch PostgreSQL database is filled by ``generate_portfolio`` (and dropped
after); ``--million-url`` adds the database ``agreements generate`` filled with 1,000,000 partnerships (read
only; give ``none`` to leave it out). Every endpoint of ``bench_api_scale`` (each list filter and sort, keyset
pages, free-text searches, the portfolio report, the data-quality summary and list) is measured at each size:
cold (first request of the process), median and p95, beside a minimal endpoint running the same SQL. Prints a
Markdown table of p95 per size and the growth from the smallest to the largest size against the growth of the
portfolio (x10 / x100): a measure that grows much less than the portfolio is flat or logarithmic in its size.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))
sys.path.insert(1, str(BENCH.parent))

import bench_api_scale  # noqa: E402

from app.rules import register_all  # noqa: E402

MILLION_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/agreements_bench1"


def measure_sizes(sizes: list[int], million_url: str | None, requests: int) -> dict[int, dict[str, Any]]:
    """The endpoint figures of ``bench_api_scale`` at each size (scratch databases; the million read as it is)."""
    results: dict[int, dict[str, Any]] = {}
    for size in sizes:
        print(f"== {size:,} partnerships (scratch database)", flush=True)
        results[size] = bench_api_scale.run(None, size, requests=requests)
    if million_url:
        print("== the million-partnership database", flush=True)
        found = bench_api_scale.run(million_url, 1_000_000, requests=requests)
        results[found["partnerships"]] = found
    return results


def table(results: dict[int, dict[str, Any]]) -> str:
    """p95 (and cold) per endpoint per size, and how much it grew against the portfolio."""
    sizes = sorted(results)
    names = [n for n in results[sizes[-1]]["endpoints"] if n != "healthz"]
    head = " | ".join(f"p95 @ {s:,}" for s in sizes)
    lines = [f"| measure | {head} | cold @ {sizes[-1]:,} | x minimal @ {sizes[-1]:,} | growth "
             f"(portfolio x{sizes[-1] / sizes[0]:,.0f}) |",
             "|---|" + "---:|" * (len(sizes) + 3)]  # fmt: skip
    for name in names:
        cells = []
        for size in sizes:
            f = results[size]["endpoints"].get(name)
            cells.append(f"{f['p95_ms']:,.0f} ms" if f else "-")
        first, last = results[sizes[0]]["endpoints"].get(name), results[sizes[-1]]["endpoints"][name]
        growth = f"x{last['p95_ms'] / first['p95_ms']:.1f}" if first else "-"
        minimal = f"{last['x_minimal']:.1f}" if "x_minimal" in last else "-"
        lines.append(f"| {name} | {' | '.join(cells)} | {last.get('cold_ms', math.nan):,.0f} ms | {minimal} "
                     f"| {growth} |")  # fmt: skip
    return "\n".join(lines)


def main() -> None:
    """Measure at every size, print the table, write the figures as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--million-url", default=MILLION_URL, help="'none' to leave the million out")
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    register_all()
    million = None if args.million_url == "none" else args.million_url
    results = measure_sizes(args.sizes, million, args.requests)
    print(table(results))
    if args.output:
        args.output.write_text(json.dumps({str(k): v for k, v in results.items()}, indent=1, default=str))


if __name__ == "__main__":
    main()
