"""What an export's table is made of: its columns, how a batch of rows becomes cells, and the cell helpers.

The tables themselves are in ``app.exports.partner_tables`` and ``app.exports.agreement_tables``; ``app.exports.tables``
lists them by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Row, Select
from sqlalchemy.orm import Session

from app.db import Base

Cell = str | int | date | datetime | None
MULTI = "; "
"""How several values share one cell (areas, partners, contacts)."""


@dataclass(frozen=True)
class Column:
    """One column of an export: its header and its width in an Excel sheet (characters)."""

    header: str
    width: int = 16


@dataclass(frozen=True)
class Table:
    """An exportable list: its columns, its filters, its query and how to turn a batch of rows into cells."""

    entity: str
    model: type[Base]
    columns: tuple[Column, ...]
    filters: type[BaseModel]
    select: Callable[[Session, Any, str | None], Select[Any]]
    cells: Callable[[Session, Sequence[Row[Any]]], Iterable[tuple[Cell, ...]]]
    """Fills in a batch of rows (the model's columns) with their related facts, one query per fact per batch."""

    @property
    def headers(self) -> list[str]:
        """The header row."""
        return [column.header for column in self.columns]


def joined(values: Iterable[str | None]) -> str:
    """Several values in one cell, in order, blanks left out."""
    return MULTI.join(value for value in values if value)


def pairs(session: Session, statement: Select[Any]) -> dict[Any, Any]:
    """A two-column query as a dict (first column → second)."""
    return {key: value for key, value in session.execute(statement)}


def grouped(session: Session, statement: Select[Any]) -> dict[Any, list[Row[Any]]]:
    """The rows of ``statement`` grouped by their first column, in the query's order."""
    groups: dict[Any, list[Row[Any]]] = {}
    for row in session.execute(statement):
        groups.setdefault(row[0], []).append(row)
    return groups


def code(value: Any) -> str:
    """An enum member or its stored string, as the code."""
    return str(getattr(value, "value", value))


def label(value: Any) -> str:
    """``lead_partner`` → ``lead partner``."""
    return str(getattr(value, "value", value) or "").replace("_", " ")
