"""Test fixtures: a database migrated by Alembic, one rolled-back transaction per test, API clients.

The backend is chosen by ``AGREEMENTS_TEST_DATABASE_URL``: unset means a fresh SQLite file; a PostgreSQL
URL means that database, whose ``public`` schema is dropped and rebuilt by the migrations. An unreachable
PostgreSQL fails the run; it never skips.
"""

from __future__ import annotations

import gc
import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient.*")

from fastapi.testclient import TestClient  # noqa: E402

import app.models  # noqa: E402, F401  (every mapper and the audit recorder)
from app import migrate  # noqa: E402
from app.api.app import create_app  # noqa: E402
from app.config import Settings, get_settings  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.rules import register_all  # noqa: E402
from app.users.models import Role, User  # noqa: E402
from app.users.schemas import UserCreate  # noqa: E402
from app.users.service import create_token, create_user  # noqa: E402

ENV_URL = "AGREEMENTS_TEST_DATABASE_URL"

register_all()  # as start-up does: every domain's workflow rules, before any workflow is loaded


def _reset_postgresql(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def _worker_database(url: str, worker: str) -> str:
    """The database of one pytest-xdist worker beside the one given (``<name>_<worker>``), created if missing."""
    name = f"{make_url(url).database}_{worker}"
    admin = make_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if exists.first() is None:
                connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of an empty test database (SQLite file, or the PostgreSQL database given; one per xdist worker)."""
    url = os.environ.get(ENV_URL) or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    if url.startswith("postgresql"):
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        if worker:  # workers must not reset each other's schema
            url = _worker_database(url, worker)  # raises, and so fails the run, when PostgreSQL is unreachable
        _reset_postgresql(url)  # raises, and so fails the run, when PostgreSQL is unreachable
    return url


@pytest.fixture(scope="session")
def settings(database_url: str) -> Iterator[Settings]:
    """Application settings pointing at the test database."""
    previous = os.environ.get("AGREEMENTS_DATABASE_URL")
    os.environ["AGREEMENTS_DATABASE_URL"] = database_url
    get_settings.cache_clear()
    yield get_settings()
    if previous is None:
        os.environ.pop("AGREEMENTS_DATABASE_URL", None)
    else:
        os.environ["AGREEMENTS_DATABASE_URL"] = previous
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def engine(database_url: str, settings: Settings) -> Iterator[Engine]:
    """An engine on a schema built by ``alembic upgrade head``."""
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection whose outer transaction is rolled back after the test."""
    with engine.connect() as connection:
        transaction = connection.begin()
        yield connection
        transaction.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions joined to the test's transaction; their commits become savepoints."""
    return sessionmaker(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session inside the test's rolled-back transaction."""
    with session_factory() as session:
        yield session


@pytest.fixture
def client(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[TestClient]:
    """An API client whose requests run in the test's transaction."""
    with TestClient(create_app(settings, session_factory), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def make_user(session: Session) -> Callable[..., User]:
    """Create a user with the given roles (committed to the test transaction)."""
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
        )
        session.commit()
        return user

    return _make


@pytest.fixture
def auth(session: Session, make_user: Callable[..., User]) -> Callable[..., tuple[User, dict[str, str]]]:
    """A user with the given roles and the Authorization header of a fresh token of theirs."""

    def _auth(*roles: Role, user: User | None = None) -> tuple[User, dict[str, str]]:
        user = user or make_user(*roles)
        _, secret = create_token(session, user, "test")
        session.commit()
        return user, {"Authorization": f"Bearer {secret}"}

    return _auth


@pytest.fixture
def cli_database(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated scratch database that the CLI (and anything using the process-wide settings) is configured to use."""
    from tests.support import clear_cached_settings, migrated_scratch_database

    with migrated_scratch_database(database_url, tmp_path) as url:
        monkeypatch.setenv("AGREEMENTS_DATABASE_URL", url)
        clear_cached_settings()
        yield url
        clear_cached_settings()
    monkeypatch.undo()
    clear_cached_settings()


@pytest.fixture
def backend(engine: Engine) -> str:
    """The name of the database backend under test: ``sqlite`` or ``postgresql``."""
    return engine.dialect.name


ROOT = Path(__file__).resolve().parents[1]


SLOW: tuple[str, ...] = ()
"""Tests that take more than about two seconds each (measured, see docs/test-durations.txt), as node ids from the
repository root without parameters: a module (``tests/x.py``), a class or a test function (``tests/x.py::test``).
They carry the ``slow`` marker; everything under tests/e2e and tests/faults carries ``e2e`` and ``faults``."""

_DIRECTORY_MARKERS = {"e2e": pytest.mark.e2e, "faults": pytest.mark.faults}


def is_declared_slow(node_id: str) -> bool:
    """Whether the test with this node id is in SLOW (as its module, its class or itself)."""
    name = node_id.split("[", 1)[0]
    return any(name == entry or name.startswith(f"{entry}::") for entry in SLOW)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move everything alive after collection (modules, test items) out of the cyclic garbage collector's sight.

    Those objects live to the end of the run anyway; without this every full collection walks them again, and
    the collections make up a noticeable share of the suite's time.
    """
    gc.collect()
    gc.freeze()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each test ``e2e``, ``faults`` or ``slow`` from where it lives, so that the fast lane can leave them out."""
    tests_root = Path(__file__).resolve().parent
    for item in items:
        relative = item.path.resolve().relative_to(tests_root)
        marker = _DIRECTORY_MARKERS.get(relative.parts[0]) if len(relative.parts) > 1 else None
        if marker is not None:
            item.add_marker(marker)
        if is_declared_slow(item.nodeid):  # relative to the rootdir, the repository root (pyproject.toml)
            item.add_marker(pytest.mark.slow)
