"""The backup and restore procedure of docs/deployment.md §5, run as an administrator runs it: back up a generated
portfolio with ``deploy/backup.sh``, lose the database, restore it with ``deploy/restore.sh``, run ``agreements
init``, and the portfolio report is the same as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.db import make_engine
from tests.conftest import ROOT

AGREEMENTS = [sys.executable, "-m", "app.cli"]
DEPLOY = ROOT / "deploy"
DOC = ROOT / "docs" / "deployment.md"


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGREEMENTS_")}
    return env | {"PYTHONPATH": str(ROOT), "AGREEMENTS_DATABASE_URL": url, "PYTHON": sys.executable}


def _run(command: list[str], url: str, cwd: Path) -> str:
    done = subprocess.run(command, env=_env(url), cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _portfolio(url: str, cwd: Path) -> tuple[dict, str]:
    """Load a small generated portfolio; return the report (JSON, as of a fixed day) and the quality summary."""
    _run([*AGREEMENTS, "init"], url, cwd)
    _run([*AGREEMENTS, "generate", "--organisations", "8", "--partnerships", "30", "--seed", "7"], url, cwd)
    return _reports(url, cwd)


def _reports(url: str, cwd: Path) -> tuple[dict, str]:
    """The portfolio report as of a fixed day (less the moment it was made) and the planned reminders."""
    report = json.loads(_run([*AGREEMENTS, "report", "--format", "json", "--as-of", "2026-12-01"], url, cwd))
    assert report.pop("generated_at") and report["total_partnerships"] == 30
    return report, _run([*AGREEMENTS, "reminders", "list", "--status", "planned"], url, cwd)


def _admin(base_url: str):
    return make_engine(base_url, isolation_level="AUTOCOMMIT")


def test_the_guide_runs_the_shipped_scripts():
    guide = DOC.read_text(encoding="utf-8")
    for command in (
        "deploy/backup.sh postgresql",
        "deploy/restore.sh postgresql",
        "deploy/backup.sh sqlite",
        "deploy/restore.sh sqlite",
    ):
        assert command in guide, command


def test_dump_drop_restore_gives_the_same_portfolio(database_url: str, tmp_path: Path):
    if database_url.startswith("postgresql"):
        _postgresql_round_trip(database_url, tmp_path)
    else:
        _sqlite_round_trip(tmp_path)


def _postgresql_round_trip(base_url: str, tmp_path: Path) -> None:
    name = f"agreements_ops_{uuid.uuid4().hex[:10]}"
    url = make_url(base_url).set(database=name)
    sqlalchemy_url = url.render_as_string(hide_password=False)
    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)  # what pg_dump reads
    admin = _admin(base_url)
    dump = tmp_path / "agreements.dump"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        before = _portfolio(sqlalchemy_url, tmp_path)
        _run([str(DEPLOY / "backup.sh"), "postgresql", libpq_url, str(dump)], sqlalchemy_url, tmp_path)
        assert dump.stat().st_size > 0 and not (tmp_path / "agreements.dump.partial").exists()
        with admin.connect() as connection:  # the database is lost, and a new empty one is made
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        _run([str(DEPLOY / "restore.sh"), "postgresql", str(dump), libpq_url], sqlalchemy_url, tmp_path)
        _run([*AGREEMENTS, "init"], sqlalchemy_url, tmp_path)  # as the guide says: a no-op on the same version
        after = _reports(sqlalchemy_url, tmp_path)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    assert after == before


def _sqlite_round_trip(tmp_path: Path) -> None:
    database = tmp_path / "agreements.db"
    url = f"sqlite:///{database}"
    before = _portfolio(url, tmp_path)
    backup = tmp_path / "backups" / "agreements.db"
    backup.parent.mkdir()
    _run([str(DEPLOY / "backup.sh"), "sqlite", str(database), str(backup)], url, tmp_path)
    for leftover in tmp_path.glob("agreements.db*"):  # the database is lost, its journal files too
        leftover.unlink()
    _run([str(DEPLOY / "restore.sh"), "sqlite", str(backup), str(database)], url, tmp_path)
    refused = subprocess.run(
        [str(DEPLOY / "restore.sh"), "sqlite", str(backup), str(database)], capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 1 and "exists" in refused.stderr  # never over a database in place
    _run([*AGREEMENTS, "init"], url, tmp_path)
    assert _reports(url, tmp_path) == before
