"""Database engine, sessions, the declarative base and portable column types."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, Enum, MetaData, any_, bindparam, create_engine, event, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator

from app import clock
from app.config import get_settings
from app.errors import NotFound
from app.i18n import MESSAGES, record_noun

T = TypeVar("T")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp that survives a round trip on SQLite as well as PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        # SQLite has no timezone type: store naive UTC text that sorts correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for every model, with one naming convention for constraints."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


def utcnow() -> datetime:
    """Column default: the clock's current UTC instant."""
    return clock.now()


def _configure_sqlite(engine: Engine) -> None:
    """Give pysqlite real transactions (for SAVEPOINT) and enforce foreign keys."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A writing transaction takes the write lock first, so a concurrent writer waits for it and then
        # reads what it committed, rather than failing with "database is locked" when it tries to write.
        immediate = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for ``url`` with the per-backend settings this application relies on.

    The models are not imported here (``app.db`` sits below them): a start-up that queries imports
    ``app.models`` first, so every mapper and the audit recorder are known before the first flush.
    """
    if url.startswith("sqlite"):
        # The pool hands a connection to one thread at a time; requests run in a thread pool.
        kwargs.setdefault("connect_args", {"check_same_thread": False})
    elif url.startswith("postgresql"):
        # psycopg prepares a statement run five times; PostgreSQL then switches to a generic plan, which for
        # the batched ``IN (...)`` lookups compares every row with every parameter (seconds per batch at
        # 100,000 rows instead of an index probe). A custom plan per execution keeps the index.
        connect_args = dict(kwargs.pop("connect_args", {}))
        options = connect_args.get("options", "")
        connect_args["options"] = f"{options} -c plan_cache_mode=force_custom_plan".strip()
        kwargs["connect_args"] = connect_args
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


@lru_cache
def get_engine() -> Engine:
    """The process-wide engine for the configured database (pool sized by the settings on PostgreSQL)."""
    settings = get_settings()
    if not settings.database_url.startswith("postgresql"):
        return make_engine(settings.database_url)
    return make_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout_seconds,
    )


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    """The process-wide session factory."""
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


WRITE_OPTION = "agreements_write"
"""Execution option marking a transaction that will write (``BEGIN IMMEDIATE`` on SQLite)."""


@contextmanager
def unit_of_work(factory: sessionmaker[Session] | None = None, *, write: bool = True) -> Iterator[Session]:
    """One transaction: commit if the block succeeds, roll back if it raises.

    ``write=False`` marks a read-only transaction, which on SQLite does not wait for the write lock.
    """
    session = (factory or get_sessionmaker())()
    if write:
        session.connection(execution_options={WRITE_OPTION: True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def among(session: Session, column: Any, values: Iterable[Any]) -> ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``.

    One array parameter instead of one parameter per value: the statement's text is the same whatever the number of
    values, so PostgreSQL prepares it once, and nothing is rendered per value on each execution (a list page asks
    five such questions about its fifty rows). SQLite has no arrays; there it is the plain ``IN``.
    """
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, values, type_=ARRAY(column.type)))
    return column.in_(values)


def among_parameter(dialect: str, column: Any, name: str) -> ColumnElement[bool]:
    """``column`` among the values of the parameter ``name``, given when the statement is executed.

    For statements built once per backend and reused on every request (a list page's item queries): building a
    statement and its cache key costs about 0.3 ms, as much as PostgreSQL takes to answer it. ``= ANY(:name)`` on
    PostgreSQL, as :func:`among`; an expanding ``IN`` on SQLite.
    """
    if dialect == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def get_for_update(session: Session, model: type[T], entity_id: int, what: str) -> T:
    """Load a row to change it, locked against concurrent writers, or raise ``NotFound``.

    PostgreSQL locks the row (``SELECT … FOR UPDATE``): a concurrent transition waits, then sees the new
    state. SQLite has no row locks; there the writing transaction began with ``BEGIN IMMEDIATE`` (see
    ``unit_of_work``), which serialises writers the same way.
    """
    # Lock with a plain SELECT: eager-loaded outer joins cannot take FOR UPDATE on PostgreSQL.
    pk = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
    session.execute(select(pk).where(pk == entity_id).with_for_update())
    entity = session.get(model, entity_id, populate_existing=True)
    if entity is None:
        raise NotFound(
            MESSAGES.gettext("{what} {entity_id} does not exist", what=record_noun(what), entity_id=entity_id)
        )
    return entity


def str_enum(enum_cls: type, name: str, length: int = 40) -> Any:
    """A portable enum column: VARCHAR plus a named CHECK constraint, storing the enum's values."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        validate_strings=True,
        values_callable=lambda members: [member.value for member in members],
    )


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """Run a part that may fail on its own: its writes are undone on error, the outer transaction goes on."""
    with session.begin_nested():
        yield


@contextmanager
def from_indexes_only(session: Session) -> Iterator[None]:
    """Run the block's queries from bitmaps of their indexes, never by walking a table or an index in order.

    For a query whose planner estimate can be far off (a full-text prefix is never estimated below half a percent,
    so a prefix nothing holds looks common enough to find by walking the whole table): a bitmap costs one index read
    whatever the truth. PostgreSQL only, for this transaction until the block ends; SQLite has no such choice.
    """
    if session.get_bind().dialect.name != "postgresql":
        yield
        return
    # Paths turned off are priced out, not removed: JIT would take the price for real work and compile each query.
    settings = ("enable_seqscan", "enable_indexscan", "jit")
    read = "SELECT " + ", ".join(f"current_setting('{name}')" for name in settings)
    switch = "SELECT " + ", ".join(f"set_config('{name}', :{name}, true)" for name in settings)
    before = dict(zip(settings, session.execute(text(read)).one(), strict=True))
    session.execute(text(switch), dict.fromkeys(settings, "off"))
    yield  # on an error the transaction is rolled back, and the settings with it
    session.execute(text(switch), before)
