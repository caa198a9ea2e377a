"""Benchmark: is the API available from the moment ``agreements serve`` starts on the demo SQLite database?

Usage: python bench/bench_startup.py [--seconds 15] [--interval 0.02] [--clients 4]

Loads the demo (``agreements demo``) into an SQLite file in a temporary directory, starts the real server
(``agreements serve`` on a free port, its built-in scheduler on), and from t=0 polls ``GET /api/v1/agreements``
with a demo token. Prints: when the first answer came, how many answers were not 200 (by status), and the
longest gap between two consecutive 200 answers after the first one (a request stuck behind a held database
shows up here even when it ends 200).

Measured 2026-12-05 (2 shared cores, 6 clients, 15 s): before the fix (main at 28628b8) 5, 26, 5, 5 and 5 answers
503 "database is locked" in five runs, all within the first half second of answers; after it 0 in five runs,
longest gap between two 200s 0.18-0.39 s, first answer after 3-5 s (process start-up).
"""

from __future__ import annotations

import argparse
import collections
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOKEN = re.compile(r"^\s+admin\s+\S+\s+(agr_\S+)\s*$", re.MULTILINE)


@dataclass
class Availability:
    """What the polling saw: seconds to the first answer, the non-200 answers by status, the longest 200 gap."""

    first_answer: float | None = None
    answers: int = 0
    not_ok: collections.Counter[int] = field(default_factory=collections.Counter)
    longest_gap: float = 0.0

    def __str__(self) -> str:
        bad = sum(self.not_ok.values())
        first = "never" if self.first_answer is None else f"{self.first_answer:.2f} s"
        return (
            f"first answer after {first}; {self.answers} answers, {bad} not 200 {dict(self.not_ok)}; "
            f"longest gap between two 200s: {self.longest_gap:.2f} s"
        )


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def command(*args: str) -> list[str]:
    """The ``agreements`` command run with this checkout's code."""
    return [sys.executable, "-m", "app.cli", *args]


def load_demo(env: dict[str, str], cwd: Path) -> str:
    """Run ``agreements demo`` and return the admin's printed API token."""
    out = subprocess.run(command("demo"), env=env, cwd=cwd, capture_output=True, text=True, check=True).stdout
    match = TOKEN.search(out)
    if match is None:
        raise SystemExit(f"no admin token in the demo output:\n{out}")
    return match.group(1)


def poll(url: str, token: str, seconds: float, interval: float) -> Availability:
    """Poll ``url`` from now for ``seconds``; connection refusals before the first answer are not answers."""
    seen, start, last_ok = Availability(), time.monotonic(), None
    while (now := time.monotonic()) - start < seconds:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(interval)
            continue
        done = time.monotonic()
        seen.answers += 1
        if seen.first_answer is None:
            seen.first_answer = now - start
        if status == 200:
            if last_ok is not None:
                seen.longest_gap = max(seen.longest_gap, done - last_ok)
            last_ok = done
        else:
            seen.not_ok[status] += 1
        time.sleep(interval)
    return seen


def merge(seen: list[Availability]) -> Availability:
    """The clients' observations together: earliest first answer, all answers, the longest gap any client saw."""
    total = Availability()
    firsts = [one.first_answer for one in seen if one.first_answer is not None]
    total.first_answer = min(firsts) if firsts else None
    for one in seen:
        total.answers += one.answers
        total.not_ok.update(one.not_ok)
        total.longest_gap = max(total.longest_gap, one.longest_gap)
    return total


def measure(seconds: float, interval: float, clients: int = 1, extra_env: dict[str, str] | None = None) -> Availability:
    """Demo, then serve, then poll: the availability of the API during the server's first ``seconds``."""
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        env = os.environ | {
            "AGREEMENTS_DATABASE_URL": f"sqlite:///{tmp}/agreements.db",
            "PYTHONPATH": str(ROOT),
            **(extra_env or {}),
        }
        token = load_demo(env, Path(tmp))
        port = free_port()
        log_file = open(Path(tmp) / "serve.log", "w")  # noqa: SIM115 - closed with the server below
        server = subprocess.Popen(
            command("serve", "--port", str(port)),
            env=env,
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
        url = f"http://127.0.0.1:{port}/api/v1/agreements"
        try:
            with ThreadPoolExecutor(clients) as pool:
                seen = list(pool.map(lambda _: poll(url, token, seconds, interval), range(clients)))
            return merge(seen)
        finally:
            server.terminate()
            server.wait(timeout=30)
            log_file.close()
            for line in (Path(tmp) / "serve.log").read_text().splitlines():
                if "unavailable" in line or "locked" in line.lower():
                    print("  server:", line[:200])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--interval", type=float, default=0.02)
    parser.add_argument("--clients", type=int, default=4, help="clients polling at the same time")
    args = parser.parse_args()
    print(f"serve on the demo SQLite database, polled by {args.clients} clients from t=0 for {args.seconds:.0f} s:")
    print(" ", measure(args.seconds, args.interval, args.clients))


if __name__ == "__main__":
    main()
