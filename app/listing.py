"""Pagination, sorting and free-text search shared by every list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from app.errors import invalid

T = TypeVar("T")

MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000  # keeps the row offset within what every database accepts


SORT_DESCRIPTION = "A field name, prefixed with '-' for descending order"


def sort_keys(columns: Iterable[str]) -> Any:
    """The values ``sort`` takes on a list sortable by ``columns`` (each name, and each with '-' for descending).

    Each list's query declares ``sort`` with these, so the schema lists them as an enum and anything else is a 422.
    """
    return Literal[tuple(key for name in sorted(columns) for key in (name, f"-{name}"))]


class Paging(BaseModel):
    """Which slice of a list to return."""

    page: int = Field(1, ge=1, le=MAX_PAGE, description="1-based page number")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class PageParams(Paging):
    """Which slice of a list to return and in which order (a list's query narrows ``sort`` to its own keys)."""

    sort: str | None = Field(None, description=SORT_DESCRIPTION)


class Page(BaseModel, Generic[T]):
    """One page of a list, with the total number of matching items."""

    items: list[T]
    total: int
    page: int
    page_size: int


@dataclass
class Slice:
    """A page of ORM objects and the number of rows matching before paging."""

    items: list[Any]
    total: int
    page: int
    page_size: int


def order_by(stmt: Select[Any], sort: str | None, columns: dict[str, Any], default: Any) -> Select[Any]:
    """Apply ``sort`` (e.g. ``-created_at``) using only the allowed ``columns``; a stable id tiebreak."""
    if not sort:
        return stmt.order_by(*default)
    descending = sort.startswith("-")
    name = sort.removeprefix("-")
    column = columns.get(name)
    if column is None:
        raise invalid("sort", f"cannot sort by {name!r}; choose one of: {', '.join(sorted(columns))}")
    return stmt.order_by(column.desc() if descending else column.asc(), *default)


def paginate(session: Session, stmt: Select[Any], params: Paging) -> Slice:
    """Run ``stmt`` for one page and count all matching rows."""
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.limit(params.page_size).offset((params.page - 1) * params.page_size))
    return Slice(items=list(rows.unique()), total=total, page=params.page, page_size=params.page_size)


def page_of(items: Sequence[Any], params: Paging) -> Slice:
    """One page of a list already in memory (a record's contacts or obligations), with the same envelope."""
    start = (params.page - 1) * params.page_size
    return Slice(items=list(items[start : start + params.page_size]), total=len(items), page=params.page,
                 page_size=params.page_size)  # fmt: skip


def contains_text(text: str, *columns: Any) -> ColumnElement[bool]:
    """Case-insensitive 'contains' over several columns, with LIKE wildcards in ``text`` taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return or_(*(column.ilike(pattern, escape="\\") for column in columns))
