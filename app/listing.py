"""Pagination, sorting and free-text search shared by every list."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field, model_validator
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from app.errors import invalid
from app.i18n import MESSAGES

T = TypeVar("T")

MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000  # keeps the row offset within what every database accepts


SORT_DESCRIPTION = "A field name, prefixed with '-' for descending order"


def sort_keys(columns: Iterable[str]) -> Any:
    """The values ``sort`` takes on a list sortable by ``columns`` (each name, and each with '-' for descending).

    Each list's query declares ``sort`` with these, so the schema lists them as an enum and anything else is a 422.
    """
    return Literal[tuple(key for name in sorted(columns) for key in (name, f"-{name}"))]


CURSOR_DESCRIPTION = "The next_cursor of the previous page (opaque; repeat the same filters and sort); replaces page"
# What a cursor may look like (the schema says so, so a client or a fuzzer never has to guess): today a page
# position; a keyset position may take its place without changing the contract, since clients only pass it back.
CURSOR_PATTERN = r"^p([1-9][0-9]{0,5}|1000000)$"


def encode_cursor(page: int) -> str:
    """The token that asks for ``page`` (clients only pass back what they were given)."""
    return f"p{page}"


def decode_cursor(cursor: str) -> int:
    """The page a cursor asks for; ValueError for anything this server would not issue."""
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise ValueError(MESSAGES.gettext("not a cursor this server issued; pass back next_cursor unchanged"))
    return int(cursor[1:])


class Paging(BaseModel):
    """Which slice of a list to return: a page number, or the cursor the previous page gave."""

    page: int = Field(1, ge=1, le=MAX_PAGE, description="1-based page number")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(None, pattern=CURSOR_PATTERN, description=CURSOR_DESCRIPTION)

    @model_validator(mode="after")
    def _page_from_cursor(self) -> Paging:
        if self.cursor is not None:
            self.page = decode_cursor(self.cursor)
        return self


class PageParams(Paging):
    """Which slice of a list to return and in which order (a list's query narrows ``sort`` to its own keys)."""

    sort: str | None = Field(None, description=SORT_DESCRIPTION)


@dataclass
class Slice:
    """A page of ORM objects and the number of rows matching before paging."""

    items: list[Any]
    total: int
    page: int
    page_size: int

    @property
    def next_cursor(self) -> str | None:
        """The cursor of the page after this one, or None on the last page."""
        more = self.page * self.page_size < self.total and self.page < MAX_PAGE
        return encode_cursor(self.page + 1) if more else None


class Page(BaseModel, Generic[T]):
    """One page of a list: the items, how many match in all, and the cursor of the next page (None at the end).

    Every list in the API answers with this envelope, so a client pages through any of them the same way.
    """

    items: list[T]
    total: int
    page: int
    page_size: int
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page; null on the last page")

    @classmethod
    def of(cls, found: Slice, convert: Callable[[Any], T]) -> Page[T]:
        """The envelope of ``found``, each item turned into the response model by ``convert``."""
        return cls(items=[convert(item) for item in found.items], total=found.total, page=found.page,
                   page_size=found.page_size, next_cursor=found.next_cursor)  # fmt: skip


def order_by(stmt: Select[Any], sort: str | None, columns: dict[str, Any], default: Any) -> Select[Any]:
    """Apply ``sort`` (e.g. ``-created_at``) using only the allowed ``columns``; a stable id tiebreak."""
    if not sort:
        return stmt.order_by(*default)
    descending = sort.startswith("-")
    name = sort.removeprefix("-")
    column = columns.get(name)
    if column is None:
        choices = ", ".join(sorted(columns))
        raise invalid(
            "sort",
            MESSAGES.gettext("cannot sort by {name}; choose one of: {choices}", name=repr(name), choices=choices),
        )
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
