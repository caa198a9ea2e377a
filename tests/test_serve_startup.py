"""``agreements serve`` on the demo SQLite database answers the API from its first second (issue 18 #22).

The real commands in real processes, the built-in scheduler on (its first jobs run at start), several clients
polling with fresh tokens from t=0: not one answer may be a 503. ``bench/bench_startup.py`` measures the same.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

AGREEMENTS = [sys.executable, "-m", "app.cli"]
TOKEN = re.compile(r"^\s+\S+\s+\S+@demo\.example\.org\s+(agr_\S+)\s*$", re.MULTILINE)
POLL_SECONDS = 8.0
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _poll(url: str, token: str) -> list[int]:
    """The status of every answer to ``url`` during the first seconds (refused connections are not answers)."""
    statuses: list[int] = []
    start = time.monotonic()
    with httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
        while time.monotonic() - start < POLL_SECONDS:
            with contextlib.suppress(httpx.TransportError):
                statuses.append(client.get(url).status_code)
            time.sleep(0.02)
    return statuses


def test_no_503_while_the_server_starts(tmp_path: Path) -> None:
    # Always the embedded SQLite default (its own file), on both passes: the built-in scheduler runs inside
    # 'agreements serve' there, which is what a new user meets first.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGREEMENTS_")}
    env["PYTHONPATH"] = str(ROOT)  # this checkout's code, whatever the venv's editable install points at
    env |= {
        "AGREEMENTS_DATABASE_URL": f"sqlite:///{tmp_path / 'agreements.db'}",
        "AGREEMENTS_SCHEDULER_ENABLED": "true",
    }
    demo = subprocess.run([*AGREEMENTS, "demo"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    tokens = TOKEN.findall(demo.stdout)
    assert demo.returncode == 0 and len(tokens) >= 4, demo.stdout + demo.stderr
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [*AGREEMENTS, "serve", "--port", str(port)], env=env, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v1/agreements"
        with ThreadPoolExecutor(len(tokens)) as pool:
            statuses = [status for seen in pool.map(lambda token: _poll(url, token), tokens) for status in seen]
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    served = (tmp_path / "serve.log").read_text()
    assert statuses, f"the server never answered:\n{served}"
    assert "dispatch_job" in served and "daily_job" in served  # the scheduler's first jobs ran meanwhile
    problems = "\n".join(line for line in served.splitlines() if "WARNING" in line or "ERROR" in line)
    not_ok = [status for status in statuses if status != 200]
    assert not not_ok, f"{len(not_ok)} of {len(statuses)} answers were not 200: {set(not_ok)}\n{problems[:4000]}"
