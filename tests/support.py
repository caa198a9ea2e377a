"""Helpers for tests that need a database of their own (migrations, CLI, a real server process)."""

from __future__ import annotations

import atexit
import sqlite3
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import db, migrate
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


_MIGRATED_TEMPLATES: dict[str, str] = {}
"""Per base URL, a database migrated once to head in this process, copied for each migrated scratch database."""


def _migrated_template(base_url: str) -> str:
    """The URL of a database migrated to head once per process (a SQLite file, or a PostgreSQL template)."""
    if base_url in _MIGRATED_TEMPLATES:
        return _MIGRATED_TEMPLATES[base_url]
    if base_url.startswith("postgresql"):
        name = f"agreements_template_{uuid.uuid4().hex[:10]}"
        admin = make_engine(base_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
        finally:
            admin.dispose()
        url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
        atexit.register(_drop_postgresql_database, base_url, name)
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='agreements-template-')) / 'migrated.db'}"
    migrate.upgrade(url)
    _MIGRATED_TEMPLATES[base_url] = url
    return url


def _drop_postgresql_database(base_url: str, name: str) -> None:
    admin = make_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@contextmanager
def migrated_scratch_database(base_url: str, directory: Path) -> Iterator[str]:
    """A new database on the same backend as ``base_url``, already at the newest revision, dropped afterwards.

    The same as ``scratch_database`` followed by ``migrate.upgrade``, but the migrations run once per process:
    each scratch database is a copy of a migrated template (SQLite's backup API, PostgreSQL's ``TEMPLATE``).
    """
    template = _migrated_template(base_url)
    if not base_url.startswith("postgresql"):
        path = directory / f"scratch-{uuid.uuid4().hex[:8]}.db"
        source, target = sqlite3.connect(make_url(template).database), sqlite3.connect(path)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        yield f"sqlite:///{path}"
        return
    name = f"agreements_scratch_{uuid.uuid4().hex[:10]}"
    template_name = make_url(template).database
    admin = make_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_name}"'))
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
