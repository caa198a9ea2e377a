"""``agreements serve`` freezes what start-up built before it serves, so that no full collection walks it."""

from __future__ import annotations

import os
import subprocess
import sys

# uvicorn.run replaced by a report of how many objects are frozen at the moment serving would begin.
SERVE_WITHOUT_SERVING = """
import gc
import runpy
import sys

import uvicorn

def report(application, **options):
    print("frozen", gc.get_freeze_count())

uvicorn.run = report
sys.argv = ["agreements", "serve"]
runpy.run_module("app.cli", run_name="__main__")
"""


def test_serve_freezes_start_up_objects_before_serving(cli_database: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGREEMENTS_")}
    env |= {"AGREEMENTS_DATABASE_URL": cli_database, "AGREEMENTS_SCHEDULER_ENABLED": "false"}
    done = subprocess.run(
        [sys.executable, "-c", SERVE_WITHOUT_SERVING], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("frozen ")]
    assert int(line.split()[1]) > 50_000, line  # the application's modules, routes, mappers and templates
