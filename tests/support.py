"""Helpers for tests that need a database of their own (migrations, CLI, a real server process)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import db
from app.config import get_settings
from app.db import make_engine


@contextmanager
def scratch_database(base_url: str, directory: Path) -> Iterator[str]:
    """A new, empty database on the same backend as ``base_url``, dropped afterwards."""
    if not base_url.startswith("postgresql"):
        yield f"sqlite:///{directory / f'scratch-{uuid.uuid4().hex[:8]}.db'}"
        return
    name = f"agreements_scratch_{uuid.uuid4().hex[:10]}"
    admin = make_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def clear_cached_settings() -> None:
    """Forget the process-wide settings, engine and session factory (after the configured database changed)."""
    if db.get_engine.cache_info().currsize:
        db.get_engine().dispose()
    for cached in (get_settings, db.get_engine, db.get_sessionmaker):
        cached.cache_clear()
