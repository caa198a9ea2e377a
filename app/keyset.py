"""Keyset positions in an ordered list: where a page ends, as an opaque cursor, and the SQL for what comes after.

A list ordered by ``(sort column, id)`` is walked by remembering the last row's values rather than a row offset:
the next page is "the rows after these values", which an index on the same columns answers from the right place
however deep the walk, and a row inserted or deleted meanwhile neither repeats nor skips a row.

NULLs in a sort column sort as the largest value on every database (last ascending, first descending: what
PostgreSQL does by default, so its plain b-tree indexes serve both directions), and a cursor can stand on one.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, literal, or_, true, tuple_
from sqlalchemy.inspection import inspect
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

KEYSET_PREFIX = "k"
MAX_KEYSET_LENGTH = 2048  # a 300-character title, escaped and base64-encoded, fits


@dataclass(frozen=True)
class Term:
    """One column of an ordering, its direction and whether it holds NULLs."""

    column: Any
    descending: bool
    nullable: bool

    def clause(self) -> Any:
        """The ORDER BY item, with NULLs placed as the largest value on every database."""
        directed = self.column.desc() if self.descending else self.column.asc()
        if not self.nullable:
            return directed
        return directed.nulls_first() if self.descending else directed.nulls_last()

    def value(self, raw: Any) -> Any:
        """``raw`` as a bound parameter of this column's type."""
        return literal(raw, type_=self.column.type)

    def equal(self, raw: Any) -> ColumnElement[bool]:
        """SQL: this column holds ``raw`` (NULL included)."""
        return self.column.is_(None) if raw is None else self.column == self.value(raw)

    def beyond(self, raw: Any) -> ColumnElement[bool]:
        """SQL: this column's value comes strictly after ``raw`` in this term's order."""
        if raw is None:  # NULL is the largest value: nothing after it ascending, every value descending
            return self.column.is_not(None) if self.descending else false()
        strictly = self.column < self.value(raw) if self.descending else self.column > self.value(raw)
        if self.nullable and not self.descending:
            return or_(strictly, self.column.is_(None))
        return strictly


def term_of(clause: Any) -> Term | None:
    """The column and direction of one ORDER BY item (``col``, ``col.desc()``…); None for an expression."""
    element = clause.__clause_element__() if hasattr(clause, "__clause_element__") else clause
    descending = False
    while isinstance(element, UnaryExpression):
        if element.modifier is operators.desc_op:
            descending = True
        elif element.modifier not in (operators.asc_op, operators.nulls_first_op, operators.nulls_last_op):
            return None
        element = element.element
    if getattr(element, "table", None) is None or not hasattr(element, "primary_key"):
        return None
    return Term(element, descending, bool(getattr(element, "nullable", True)) and not element.primary_key)


@dataclass(frozen=True)
class Ordering:
    """A total order over one table's rows: terms ending with its primary key, so a position is unambiguous."""

    name: str  # the sort key the client asked for ("" for the list's default order)
    terms: tuple[Term, ...]

    @classmethod
    def of(cls, name: str, clauses: Sequence[Any]) -> Ordering | None:
        """The ordering ``clauses`` give, or None when a keyset cannot follow it (an expression, no unique end)."""
        terms = tuple(term_of(clause) for clause in clauses)
        if not terms or any(term is None for term in terms):
            return None
        tables = {term.column.table for term in terms}  # type: ignore[union-attr]
        last = terms[-1]
        if len(tables) != 1 or not last.column.primary_key:  # type: ignore[union-attr]
            return None
        return cls(name, terms)  # type: ignore[arg-type]

    def clauses(self) -> list[Any]:
        """The ORDER BY items."""
        return [term.clause() for term in self.terms]

    def after(self, values: Sequence[Any]) -> ColumnElement[bool]:
        """SQL: the rows that come strictly after the row whose ordered values are ``values``."""
        terms = self.terms
        uniform = len({term.descending for term in terms}) == 1
        if uniform and not any(term.nullable for term in terms):
            columns = tuple_(*(term.column for term in terms))
            bound = tuple_(*(term.value(raw) for term, raw in zip(terms, values, strict=True)))
            return columns < bound if terms[0].descending else columns > bound
        alternatives = []
        for index, (term, raw) in enumerate(zip(terms, values, strict=True)):
            same = [earlier.equal(value) for earlier, value in zip(terms[:index], values[:index], strict=True)]
            alternatives.append(and_(true(), *same, term.beyond(raw)))
        condition = or_(*alternatives)
        first, raw = terms[0], values[0]
        if raw is not None and not first.nullable:  # a bound an index on the first column can start from
            start = first.column <= first.value(raw) if first.descending else first.column >= first.value(raw)
            condition = and_(start, condition)
        return condition

    def through(self, values: Sequence[Any]) -> ColumnElement[bool]:
        """SQL: the rows up to and including the row whose ordered values are ``values`` (a range an index on the
        ordered columns reads from its start to that row, when the order is uniform and without NULLs)."""
        terms = self.terms
        if len({term.descending for term in terms}) == 1 and not any(term.nullable for term in terms):
            columns = tuple_(*(term.column for term in terms))
            bound = tuple_(*(term.value(raw) for term, raw in zip(terms, values, strict=True)))
            return columns >= bound if terms[0].descending else columns <= bound
        return ~self.after(values)

    def values_of(self, item: Any) -> list[Any]:
        """The ordered values of an ORM object of this ordering's table."""
        mapper = inspect(type(item))
        return [getattr(item, mapper.get_property_by_column(term.column).key) for term in self.terms]

    def serves(self, item: Any) -> bool:
        """Whether ``item`` is a row of this ordering's table (so its position can be read from it)."""
        mapper = inspect(type(item), raiseerr=False)
        return mapper is not None and self.terms[0].column.table in mapper.tables


@dataclass(frozen=True)
class Position:
    """What a keyset cursor carries: the page number, the sort it was issued for, the last row's values, the total."""

    page: int
    sort: str
    values: list[Any]
    total: int
    exact: bool = True


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"t": value.isoformat()}
    if isinstance(value, date):
        return {"d": value.isoformat()}
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise TypeError(f"cannot put a {type(value).__name__} in a cursor")


def _typed(value: Any) -> Any:
    if isinstance(value, dict):
        ((tag, text),) = value.items()
        return datetime.fromisoformat(text) if tag == "t" else date.fromisoformat(text)
    if value is None or isinstance(value, (str, int, float)):
        return value
    raise ValueError("not a cursor value")


def encode_position(position: Position) -> str:
    """The opaque cursor for ``position`` (``k`` and URL-safe base64 of a small JSON array)."""
    values = [_plain(value) for value in position.values]
    payload = [position.page, position.sort, values, position.total, int(position.exact)]
    text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return KEYSET_PREFIX + base64.urlsafe_b64encode(text).decode().rstrip("=")


def decode_position(cursor: str) -> Position:
    """The position a keyset cursor names; ValueError for anything this server would not have issued."""
    body = cursor.removeprefix(KEYSET_PREFIX)
    try:
        page, sort, values, total, exact = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        position = Position(int(page), str(sort), [_typed(value) for value in values], int(total), bool(exact))
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ValueError("not a keyset cursor") from error
    if position.page < 2 or position.total < 0 or not position.values:
        raise ValueError("not a keyset cursor")
    return position
