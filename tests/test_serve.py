"""The main job end to end: ``agreements demo`` then ``agreements serve`` in real processes, as a user runs them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support import scratch_database

AGREEMENTS = [sys.executable, "-m", "app.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGREEMENTS_")}
    return {**env, "AGREEMENTS_DATABASE_URL": url, "AGREEMENTS_SCHEDULER_ENABLED": "false"}


def _run(args: list[str], url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*AGREEMENTS, *args], env=_env(url), cwd=cwd, capture_output=True, text=True, timeout=180)


def _start_server(url: str, port: int, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*AGREEMENTS, "serve", "--port", str(port)],
        env=_env(url),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_healthy(base: str, server: subprocess.Popen[str]) -> httpx.Response:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(
                f"server exited with {server.returncode}: {server.stderr.read() if server.stderr else ''}"
            )
        try:
            return httpx.get(f"{base}/healthz", timeout=2)
        except httpx.TransportError:
            time.sleep(0.2)
    raise AssertionError("server did not answer /healthz within 60 s")


def test_demo_then_serve(database_url: str, tmp_path: Path) -> None:
    with scratch_database(database_url, tmp_path) as url:
        if not url.startswith("sqlite"):
            assert _run(["init"], url, tmp_path).returncode == 0
        demo = _run(["demo"], url, tmp_path)
        assert demo.returncode == 0, demo.stderr
        tokens = {line.split()[0]: line.split()[-1] for line in demo.stdout.splitlines() if "agr_" in line}
        assert set(tokens) >= {"admin", "legal_officer", "project_manager", "viewer"}
        assert "already loaded" in _run(["demo"], url, tmp_path).stdout

        port = _free_port()
        server = _start_server(url, port, tmp_path)
        try:
            base = f"http://127.0.0.1:{port}"
            health = _wait_healthy(base, server)
            assert health.status_code == 200 and health.json()["database"] == "ok"
            headers = {"Authorization": f"Bearer {tokens['viewer']}"}
            partnerships = httpx.get(f"{base}/api/v1/partnerships", params={"page_size": 5}, headers=headers)
            assert partnerships.status_code == 200
            assert partnerships.json()["total"] >= 30
            assert httpx.get(f"{base}/api/v1/partnerships").status_code == 401
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_serve_on_an_empty_database(database_url: str, tmp_path: Path) -> None:
    """SQLite (embedded default) is migrated by serve; PostgreSQL refuses until ``agreements init`` has run."""
    with scratch_database(database_url, tmp_path) as url:
        port = _free_port()
        if url.startswith("sqlite"):
            server = _start_server(url, port, tmp_path)
            try:
                assert _wait_healthy(f"http://127.0.0.1:{port}", server).status_code == 200
            finally:
                server.terminate()
                server.wait(timeout=30)
        else:
            refused = _run(["serve", "--port", str(port)], url, tmp_path)
            assert refused.returncode == 1
            assert "run 'agreements init' first" in refused.stderr
