"""Helpers for tests: databases of their own (migrations, CLI, a real server process), users and tokens, shared rows."""

from __future__ import annotations

import atexit
import sqlite3
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from app import db, migrate
from app.config import get_settings
from app.db import make_engine
from app.users.models import Role, User
from app.users.schemas import UserCreate
from app.users.service import create_token, create_user
from tests.builders import SET_UP

T = TypeVar("T")


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


def user_maker(session: Session) -> Callable[..., User]:
    """A function creating users with the given roles, each committed to the session's transaction."""
    counter = iter(range(1, 10_000))

    def _make(*roles: Role, name: str | None = None) -> User:
        number = next(counter)
        label = "-".join(role.value for role in roles) or "nobody"
        user = create_user(
            session,
            UserCreate(
                email=f"{label}.{number}@example.org",
                full_name=name or f"{label.title()} {number}",
                roles=list(roles),
            ),
            actor=SET_UP,
        )
        session.commit()
        return user

    return _make


def token_maker(session: Session, make_user: Callable[..., User]) -> Callable[..., tuple[User, dict[str, str]]]:
    """A function giving a user with the given roles (or the one named) and a fresh token's Authorization header."""

    def _auth(*roles: Role, user: User | None = None) -> tuple[User, dict[str, str]]:
        user = user or make_user(*roles)
        _, secret = create_token(session, user, "test")
        session.commit()
        return user, {"Authorization": f"Bearer {secret}"}

    return _auth


@contextmanager
def shared_transaction(engine: Engine) -> Iterator[sessionmaker[Session]]:
    """Sessions in one outer transaction, rolled back at the end: rows several tests share, built once.

    A module marked ``shared_rows`` builds its rows with :func:`built_once` in a module-scoped fixture; each of its
    tests then runs on this connection inside a savepoint (:func:`savepoint_per_test`), undone before the next.
    """
    with engine.connect() as connection:
        transaction = connection.begin()
        try:
            yield sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
        finally:
            transaction.rollback()


@contextmanager
def savepoint_per_test(factory: sessionmaker[Session]) -> Iterator[Connection]:
    """The shared rows' connection inside a savepoint rolled back after the test (see :func:`shared_transaction`)."""
    connection = factory.kw["bind"]
    savepoint = connection.begin_nested()
    try:
        yield connection
    finally:
        if savepoint.is_active:
            savepoint.rollback()


def built_once(
    factory: sessionmaker[Session], build: Callable[[Session, Callable[..., Any], Callable[..., User]], T]
) -> T:
    """``build(session, auth, make_user)`` run once on the shared rows and committed, as the per-test fixtures would."""
    with factory() as session:
        make_user = user_maker(session)
        built = build(session, token_maker(session, make_user), make_user)
        session.commit()  # whatever reading the built values wrote (a screening's standing) stays for the tests
        return built
