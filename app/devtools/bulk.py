"""Bulk writing for the synthetic portfolio: explicit ids, COPY on PostgreSQL, executemany elsewhere."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, Table, func, insert, select, text


class Writer:
    """Inserts rows table by table, COPY on PostgreSQL, executemany elsewhere; counts what it wrote."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.postgres = connection.dialect.name == "postgresql"
        self.written: dict[str, int] = defaultdict(int)

    def write(self, table: Table, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        self.written[table.name] += len(rows)
        if not self.postgres:
            for start in range(0, len(rows), 2_000):
                self.connection.execute(insert(table), rows[start : start + 2_000])
            return
        columns = list(rows[0])
        cursor = self.connection.connection.driver_connection.cursor()
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([json.dumps(v) if isinstance(v, dict | list) else v for v in (row[c] for c in columns)])

    def fix_sequences(self, tables: Iterable[Table]) -> None:
        if not self.postgres:
            return
        for table in tables:
            if "id" in table.c:
                self.connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f'COALESCE((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                    )
                )


class Ids:
    """The next free id of each table (explicit ids let rows refer to each other without round trips)."""

    def __init__(self, connection: Connection, tables: Iterable[Table]) -> None:
        self.next = {t.name: (connection.scalar(select(func.max(t.c.id))) or 0) + 1 for t in tables if "id" in t.c}

    def take(self, table: Table) -> int:
        value = self.next[table.name]
        self.next[table.name] = value + 1
        return value


def at(day: date, rng: random.Random) -> datetime:
    """A working-hours instant on ``day`` (UTC)."""
    return datetime.combine(day, time(8), tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 540))


@contextmanager
def transaction(bind: Engine | Connection) -> Iterator[Connection]:
    """A transaction on an engine, or a savepoint on a connection already in one (tests)."""
    if isinstance(bind, Connection):
        with bind.begin_nested():
            yield bind
    else:
        with bind.begin() as connection:
            yield connection
