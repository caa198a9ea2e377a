"""Keeping the search index current: set-based SQL per changed record, in the flush that changes it.

A flush that creates, renames or deletes a partnership, an organisation or a party rewrites the documents it
touched (a renamed organisation: its own and those of every partnership it is a party to) with the same
``INSERT ... SELECT`` that ``rebuild_search_index`` runs over every row, restricted to those ids. Nothing is
committed here: the documents go in or out with the write that changed their source.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, event, inspect, text
from sqlalchemy.orm import Session

from app.search.models import FTS_TABLE, KIND_BIT, ORGANISATION, PARTNERSHIP

PG_INDEX_KINDS = {"document": "document", "body_trgm": "body gin_trgm_ops"}
PG_INDEX_NAMES = tuple(f"ix_search_documents_{name}_{kind}" for name in PG_INDEX_KINDS for kind in KIND_BIT)
PG_INDEXES = tuple(
    f"CREATE INDEX IF NOT EXISTS ix_search_documents_{name}_{kind} ON search_documents USING gin ({expression}) "
    f"WHERE kind = '{kind}'"
    for name, expression in PG_INDEX_KINDS.items()
    for kind in KIND_BIT
)
"""The GIN indexes, one per kind of document (a search of organisations reads theirs alone: a common word's
bitmap is then the size of its matches among organisations, not among every partnership too)."""
PG_WORDS = """
    INSERT INTO search_words (word)
    SELECT DISTINCT word FROM search_documents, unnest(tsvector_to_array(document)) AS word
    WHERE length(word) BETWEEN 4 AND 100 AND word !~ '[0-9]' {restriction}
    ON CONFLICT DO NOTHING
"""
"""Every word of four letters or more without digits (words of deleted documents stay: they match nothing)."""


def fold(value: str) -> str:
    """``value`` in lower case without accents ("Société" → "societe"): the text the index holds (SQLite side)."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _connection(target: Session | Connection) -> Connection:
    connection = target.connection() if isinstance(target, Session) else target
    if connection.dialect.name == "sqlite":  # the folding PostgreSQL does with lower(unaccent(...))
        connection.connection.driver_connection.create_function("search_fold", 1, _fold_or_null, deterministic=True)
    return connection


def _fold_or_null(value: str | None) -> str | None:
    return None if value is None else fold(value)


def _sql(connection: Connection) -> dict[str, str]:
    if connection.dialect.name == "postgresql":
        return {"fold": "lower(unaccent({}))", "names": "string_agg({}, ' ' ORDER BY pp.id)"}
    return {"fold": "search_fold({})", "names": "group_concat({}, ' ')"}


def _partnership_documents(connection: Connection, restricted: bool) -> Any:
    sql = _sql(connection)
    fold_sql, names = sql["fold"], sql["names"]
    where_parties = "WHERE pp.partnership_id IN :ids" if restricted else ""
    where = "WHERE p.id IN :ids" if restricted else ""
    statement = text(f"""
        INSERT INTO search_documents (kind, id, reference, body)
        SELECT '{PARTNERSHIP}', p.id, {fold_sql.format("p.reference")},
               {fold_sql.format("p.reference || ' ' || p.title || coalesce(' ' || n.names, '')")}
        FROM partnerships p
        LEFT JOIN (
            SELECT pp.partnership_id, {names.format("o.legal_name || coalesce(' ' || o.short_name, '')")} AS names
            FROM partnership_parties pp JOIN organisations o ON o.id = pp.organisation_id
            {where_parties}
            GROUP BY pp.partnership_id
        ) n ON n.partnership_id = p.id
        {where}
    """)
    return statement.bindparams(bindparam("ids", expanding=True)) if restricted else statement


def _organisation_documents(connection: Connection, restricted: bool) -> Any:
    fold_sql = _sql(connection)["fold"]
    where = "WHERE o.id IN :ids" if restricted else ""
    statement = text(f"""
        INSERT INTO search_documents (kind, id, reference, body)
        SELECT '{ORGANISATION}', o.id, {fold_sql.format("o.short_name")},
               {fold_sql.format("o.legal_name || coalesce(' ' || o.short_name, '')")}
        FROM organisations o
        {where}
    """)
    return statement.bindparams(bindparam("ids", expanding=True)) if restricted else statement


def _sync_fts(connection: Connection, kind: str, ids: list[int] | None) -> None:
    """SQLite: the FTS5 table mirrors ``search_documents`` (rowid = id * 2 + the kind's bit)."""
    if connection.dialect.name != "sqlite":
        return
    bit = KIND_BIT[kind]
    if ids is None:
        connection.execute(text(f"DELETE FROM {FTS_TABLE} WHERE rowid % 2 = :bit"), {"bit": bit})
        where, parameters = "", {}
    else:
        rowids = [identifier * 2 + bit for identifier in ids]
        connection.execute(
            text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN :rowids").bindparams(bindparam("rowids", expanding=True)),
            {"rowids": rowids},
        )
        where, parameters = "AND id IN :ids", {"ids": ids}
    statement = text(
        f"INSERT INTO {FTS_TABLE} (rowid, body) SELECT id * 2 + :bit, body FROM search_documents "
        f"WHERE kind = :kind {where}"
    )
    if ids is not None:
        statement = statement.bindparams(bindparam("ids", expanding=True))
    connection.execute(statement, {"bit": bit, "kind": kind, **parameters})


def refresh_documents(
    target: Session | Connection, partnership_ids: Iterable[int] = (), organisation_ids: Iterable[int] = ()
) -> None:
    """Rewrite the documents of these records (and of the partnerships the organisations are parties to)."""
    connection = _connection(target)
    organisations = sorted(set(organisation_ids))
    partnerships = set(partnership_ids)
    if organisations:
        statement = text("SELECT DISTINCT partnership_id FROM partnership_parties WHERE organisation_id IN :ids")
        partnerships.update(
            connection.scalars(statement.bindparams(bindparam("ids", expanding=True)), {"ids": organisations})
        )
    for kind, ids, documents in (
        (ORGANISATION, organisations, _organisation_documents),
        (PARTNERSHIP, sorted(partnerships), _partnership_documents),
    ):
        for start in range(0, len(ids), 5_000):
            chunk = ids[start : start + 5_000]
            delete = text("DELETE FROM search_documents WHERE kind = :kind AND id IN :ids")
            connection.execute(delete.bindparams(bindparam("ids", expanding=True)), {"kind": kind, "ids": chunk})
            connection.execute(documents(connection, restricted=True), {"ids": chunk})
            _sync_fts(connection, kind, chunk)
            if connection.dialect.name == "postgresql":
                words = text(PG_WORDS.format(restriction="AND kind = :kind AND id IN :ids"))
                connection.execute(words.bindparams(bindparam("ids", expanding=True)), {"kind": kind, "ids": chunk})


def rebuild_search_index(target: Session | Connection) -> dict[str, int]:
    """Recompute every search document from the partnerships, parties and organisations, set-based."""
    connection = _connection(target)
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:  # filling a table and then indexing it beats updating two GIN indexes row by row
        for name in PG_INDEX_NAMES:
            connection.execute(text(f"DROP INDEX IF EXISTS {name}"))
    connection.execute(text("DELETE FROM search_documents"))
    counts = {}
    for kind, documents in ((ORGANISATION, _organisation_documents), (PARTNERSHIP, _partnership_documents)):
        counts[kind] = connection.execute(documents(connection, restricted=False)).rowcount
        _sync_fts(connection, kind, None)
    if postgresql:
        for statement in PG_INDEXES:
            connection.execute(text(statement))
        connection.execute(text(PG_WORDS.format(restriction="")))
    return counts


SEARCHED_FIELDS = {"partnerships": ("reference", "title"), "organisations": ("legal_name", "short_name")}
"""The tables whose rows have a document, and the columns it is made of (by table name: the domains sit above)."""


def _changed(obj: Any, fields: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


@event.listens_for(Session, "after_flush")
def _keep_current(session: Session, _context: Any) -> None:
    touched: dict[str, set[int]] = {"partnerships": set(), "organisations": set()}
    for objects, always in ((session.new, True), (session.deleted, True), (session.dirty, False)):
        for obj in objects:
            table = getattr(obj, "__tablename__", None)
            if table in SEARCHED_FIELDS and (always or _changed(obj, SEARCHED_FIELDS[table])):
                touched[table].add(obj.id)
            elif table == "partnership_parties":  # a party joined, left or changed organisation
                state = inspect(obj)
                touched["partnerships"].update(
                    value for value in (obj.partnership_id, *state.attrs.partnership_id.history.deleted) if value
                )
    if touched["partnerships"] or touched["organisations"]:
        refresh_documents(session, touched["partnerships"], touched["organisations"])
