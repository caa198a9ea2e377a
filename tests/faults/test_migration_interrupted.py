"""A migration killed half-way on PostgreSQL: ``app/migrations/env.py`` runs every pending revision in ONE transaction,
so nothing of the interrupted upgrade is left (not even the revisions before the one that blocked); a re-run
reaches head and the schema matches the models."""

from __future__ import annotations

import os
import signal
import subprocess

from sqlalchemy import inspect, text

from app import migrate
from app.db import make_engine
from tests.faults.conftest import AGREEMENTS, ROOT, wait_for


def test_an_upgrade_killed_half_way_leaves_the_schema_at_the_earlier_revision(fault_db, tmp_path):
    url = fault_db.url
    migrate.upgrade(url, "0008")
    locker = make_engine(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGREEMENTS_")}
    env.update({"AGREEMENTS_DATABASE_URL": url, "PYTHONPATH": str(ROOT)})
    log = tmp_path / "init.log"
    with locker.connect() as holder:
        holder.execute(text("LOCK TABLE users IN ACCESS EXCLUSIVE MODE"))  # 0010 alters users after reminders
        with log.open("wb") as output:
            upgrade = subprocess.Popen([*AGREEMENTS, "init"], env=env, cwd=tmp_path, stdout=output, stderr=output)
        try:

            def blocked_on_users() -> bool:  # a connection of its own: pg_stat_activity is frozen per transaction
                with fault_db.engine.connect() as watcher:
                    rows = watcher.execute(
                        text(
                            "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
                            "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
                        )
                    ).scalars()
                    return any("users" in query for query in rows)

            wait_for(blocked_on_users, 60, f"the upgrade to block on users ({log.read_text()[-2000:]})")
            # 0009's indexes and 0010's reminders.version already exist inside the upgrade's transaction
            os.kill(upgrade.pid, signal.SIGKILL)
            upgrade.wait(10)
        finally:
            if upgrade.poll() is None:
                upgrade.kill()
                upgrade.wait(10)
        holder.rollback()  # release the lock: the orphaned backend runs its ALTER, then sees the client gone
    locker.dispose()

    def upgrade_gone() -> bool:
        with fault_db.engine.connect() as connection:
            others = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                )
            ).scalar_one()
        return others == 0

    wait_for(upgrade_gone, 30, "the killed upgrade's server process to end")
    fault_db.engine.dispose()
    assert migrate.current_revision(url) == "0008"
    schema = inspect(fault_db.engine)
    assert "version" not in {c["name"] for c in schema.get_columns("reminders")}  # 0010, done before the block
    assert "version" not in {c["name"] for c in schema.get_columns("users")}  # 0010, where it blocked
    assert "ix_partnerships_created_at_id" not in {i["name"] for i in schema.get_indexes("partnerships")}  # 0009
    assert "import_runs" not in schema.get_table_names()  # 0011
    assert "version" in {c["name"] for c in schema.get_columns("contacts")}  # 0008 itself stays

    rerun = subprocess.run([*AGREEMENTS, "init"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    assert migrate.current_revision(url) == migrate.head_revision()
    migrate.check(url)  # raises if the models and the migrated schema differ
