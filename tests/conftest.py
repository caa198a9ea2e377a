"""Test fixtures: a database migrated by Alembic, one rolled-back transaction per test, API clients.

The backend is chosen by ``AGREEMENTS_TEST_DATABASE_URL``: unset means a fresh SQLite file; a PostgreSQL
URL means that database, whose ``public`` schema is dropped and rebuilt by the migrations. An unreachable
PostgreSQL fails the run; it never skips.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
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
from tests.builders import SET_UP  # noqa: E402

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


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The URL of an empty test database (SQLite file, or the PostgreSQL database given)."""
    url = os.environ.get(ENV_URL) or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    if url.startswith("postgresql"):
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
            actor=SET_UP,
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
    from tests.support import clear_cached_settings, scratch_database

    with scratch_database(database_url, tmp_path) as url:
        migrate.upgrade(url)
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
