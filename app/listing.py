"""Pagination, sorting and free-text search shared by every list."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field, PrivateAttr, field_validator, model_validator
from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from app.db import from_indexes_only
from app.errors import invalid
from app.i18n import MESSAGES
from app.keyset import KEYSET_PREFIX, MAX_KEYSET_LENGTH, Ordering, Position, decode_position, encode_position

T = TypeVar("T")

MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000  # keeps the row offset within what every database accepts
COUNT_LIMIT = 1_000
"""A walkable list counts its matches up to this many past the page asked for; beyond, ``total`` says "at least"
(``total_exact`` false).

An exact count of a filtered million rows costs more than the page itself (measured at 1,000,000 partnerships: a
count bounded at 10,000 still took 50 to 140 ms for a party filter, at 1,000 a tenth of it); a bounded one reads at
most this many index entries, whatever the filter. Past the page asked for, so that a pager always has more ahead."""
ORDERING_OPTION = "listing_ordering"  # where order_by leaves the order for paginate to walk by keyset
TIERS_OPTION = "listing_tiers"  # where by_tiers leaves an order to read tier by tier
HEAD = 2_000
HEAD_PER_ROW = 40
HEAD_LIMIT = 20_000
"""How far into the list, in its order, each tier of a search by relevance is looked for by walking: ``HEAD_PER_ROW``
rows for each row up to the end of the page, at least ``HEAD`` and at most ``HEAD_LIMIT`` (a tier matching one row
in forty fills its page there); a tier too sparse there to fill the page is read whole from its own indexes."""
BY_PAGE: Any = type("ByPage", (), {"__repr__": lambda self: "BY_PAGE"})()  # Slice.following: next page by number


SORT_DESCRIPTION = "A field name, prefixed with '-' for descending order"


def sort_keys(columns: Iterable[str]) -> Any:
    """The values ``sort`` takes on a list sortable by ``columns`` (each name, and each with '-' for descending).

    Each list's query declares ``sort`` with these, so the schema lists them as an enum and anything else is a 422.
    """
    return Literal[tuple(key for name in sorted(columns) for key in (name, f"-{name}"))]


CURSOR_DESCRIPTION = (
    "The next_cursor of the previous page (opaque; repeat the same filters and sort); replaces page. "
    "On the large lists it names the last row's position (its sort value and id), so following next_cursor "
    "visits every row once however deep, even while rows are added; the total is the one counted on the first page"
)
# What a cursor may look like (the schema says so, so a client or a fuzzer never has to guess): a keyset position
# ('k' and URL-safe base64), or a page number ('p' and the number) — the form small lists issue, still accepted
# everywhere (on a large list it reads as that page by offset).
PAGE_CURSOR_PATTERN = r"p([1-9][0-9]{0,5}|1000000)"
CURSOR_PATTERN = rf"^({PAGE_CURSOR_PATTERN}|{KEYSET_PREFIX}[A-Za-z0-9_-]{{8,{MAX_KEYSET_LENGTH}}})$"


def encode_cursor(page: int) -> str:
    """The token that asks for ``page`` (clients only pass back what they were given)."""
    return f"p{page}"


def decode_cursor(cursor: str) -> int:
    """The page a cursor asks for; ValueError for anything this server would not issue."""
    if re.fullmatch(PAGE_CURSOR_PATTERN, cursor):
        return int(cursor[1:])
    refusal = MESSAGES.gettext("not a cursor this server issued; pass back next_cursor unchanged")
    if not re.fullmatch(CURSOR_PATTERN, cursor):
        raise ValueError(refusal)
    try:
        return decode_position(cursor).page
    except ValueError as error:
        raise ValueError(refusal) from error


class Paging(BaseModel):
    """Which slice of a list to return: a page number, or the cursor the previous page gave."""

    page: int = Field(1, ge=1, le=MAX_PAGE, description="1-based page number")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)
    cursor: str | None = Field(None, pattern=CURSOR_PATTERN, description=CURSOR_DESCRIPTION)

    _position: Position | None = PrivateAttr(None)

    @field_validator("cursor")
    @classmethod
    def _a_cursor_this_server_issued(cls, cursor: str | None) -> str | None:
        if cursor is not None:
            decode_cursor(cursor)
        return cursor

    @model_validator(mode="after")
    def _page_from_cursor(self) -> Paging:
        if self.cursor is not None:
            self.page = decode_cursor(self.cursor)
            if self.cursor.startswith(KEYSET_PREFIX):
                self._position = decode_position(self.cursor)
        return self

    @property
    def position(self) -> Position | None:
        """The keyset position the cursor names (None for a page number)."""
        return self._position


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
    following: str | None = field(default=BY_PAGE)
    total_exact: bool = True

    @property
    def next_cursor(self) -> str | None:
        """The cursor of the page after this one, or None on the last page."""
        if self.following is not BY_PAGE:
            return self.following
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
    total_exact: bool = Field(
        True,
        description=(
            "true: total is the exact number of matches. false: at least total match — a large list stops counting "
            f"{COUNT_LIMIT:,} rows past the page asked for, so that it answers fast on a million rows; follow "
            "next_cursor to the end for all"
        ),
    )

    @classmethod
    def of(cls, found: Slice, convert: Callable[[Any], T]) -> Page[T]:
        """The envelope of ``found``, each item turned into the response model by ``convert``."""
        return cls(items=[convert(item) for item in found.items], total=found.total, page=found.page,
                   page_size=found.page_size, next_cursor=found.next_cursor, total_exact=found.total_exact)  # fmt: skip


def order_by(
    stmt: Select[Any], sort: str | None, columns: dict[str, Any], default: Any, *, tiebreak: Any = None
) -> Select[Any]:
    """Apply ``sort`` (e.g. ``-created_at``) using only the allowed ``columns``, then ``default`` as tiebreak.

    With ``tiebreak`` (the table's id), a sort is followed by the id alone, in the same direction, so that one
    index on ``(column, id)`` serves both directions and a keyset walk. When the order ends on the table's primary
    key, ``paginate`` walks it by keyset; NULLs sort as the largest value on every database.
    """
    if not sort:
        clauses = list(default)
    else:
        descending = sort.startswith("-")
        name = sort.removeprefix("-")
        column = columns.get(name)
        if column is None:
            choices = ", ".join(sorted(columns))
            raise invalid(
                "sort",
                MESSAGES.gettext("cannot sort by {name}; choose one of: {choices}", name=repr(name), choices=choices),
            )
        directed = column.desc() if descending else column.asc()
        then = [tiebreak.desc() if descending else tiebreak.asc()] if tiebreak is not None else list(default)
        clauses = [directed, *then]
    ordering = Ordering.of(sort or "", clauses)
    if ordering is None:
        return stmt.order_by(*clauses)
    return stmt.order_by(*ordering.clauses()).execution_options(**{ORDERING_OPTION: ordering})


@dataclass(frozen=True)
class Tiers:
    """An order read tier by tier: ``base`` narrowed by each of mutually exclusive conditions, first tier first,
    each tier in ``then`` order."""

    base: Select[Any]
    listed: Select[Any]
    conditions: tuple[ColumnElement[bool], ...]
    then: tuple[Any, ...]


def by_tiers(
    stmt: Select[Any],
    base: Select[Any],
    listed: Select[Any],
    conditions: Sequence[ColumnElement[bool]],
    then: Sequence[Any],
) -> Select[Any]:
    """``stmt`` (``base`` narrowed to the union of the tiers, in the order they make, then ``then``), paged tier by
    tier; ``listed`` is the same list without what the tiers need joined (the rows whose order ranges are read).

    A page holds the same rows in the same order as ``stmt``'s; each tier's part of it is ``base`` narrowed by that
    tier alone, read in ``then`` order instead of ranking every match (see ``_page_by_tiers``).
    """
    if not conditions:
        return stmt
    return stmt.execution_options(**{TIERS_OPTION: Tiers(base, listed, tuple(conditions), tuple(then))})


def paginate(session: Session, stmt: Select[Any], params: Paging) -> Slice:
    """Run ``stmt`` for one page and count all matching rows (by keyset when ``order_by`` made its order)."""
    ordering = stmt.get_execution_options().get(ORDERING_OPTION)
    position = params.position
    if ordering is None:  # a keyset cursor here counts for its page number, as on a list kept in memory
        offset = (params.page - 1) * params.page_size
        total, exact = _bounded_plain_count(session, stmt, offset)
        tiers = stmt.get_execution_options().get(TIERS_OPTION)
        if tiers is None or total <= offset:
            items = list(session.scalars(stmt.limit(params.page_size).offset(offset)).unique())
        else:
            items = _page_by_tiers(session, tiers, offset, params.page_size)
        return Slice(items=items, total=total, page=params.page, page_size=params.page_size,
                     total_exact=exact)  # fmt: skip
    if position is not None:
        if position.sort != ordering.name or len(position.values) != len(ordering.terms):
            raise invalid(
                "cursor", MESSAGES.gettext("not a cursor this server issued; pass back next_cursor unchanged")
            )
        total, exact = position.total, position.exact
        window = stmt.where(ordering.after(position.values)).limit(params.page_size + 1)
    else:
        total, exact = _bounded_count(session, stmt, ordering, (params.page - 1) * params.page_size)
        window = stmt.limit(params.page_size + 1).offset((params.page - 1) * params.page_size)
    rows = list(session.scalars(window).unique())
    items = rows[: params.page_size]
    following = None
    if len(rows) > params.page_size and ordering.serves(items[-1]):
        last = Position(params.page + 1, ordering.name, ordering.values_of(items[-1]), total, exact)
        following = encode_position(last)
    elif len(rows) > params.page_size:  # not rows of the ordered table: fall back to page numbers
        following = BY_PAGE
    return Slice(items=items, total=total, page=params.page, page_size=params.page_size, following=following,
                 total_exact=exact)  # fmt: skip


def _page_by_tiers(session: Session, tiers: Tiers, offset: int, size: int) -> list[Any]:
    """The rows ``offset`` to ``offset + size`` of the list by relevance that ``tiers`` describe, tier by tier.

    Each tier is first looked for among the list's first rows (``HEAD``; in ``then`` order, tiers aside) by walking
    them: a common tier fills the page there. A tier too sparse for that is read whole from its own indexes (a
    bitmap, then sorted: its cost is the tier's size, never a walk of the whole list in search of rows that a
    planner's estimate promised and the table lacks).
    """
    ordering = Ordering.of("", tiers.then)
    if ordering is None:
        raise ValueError("tiers must be followed by an order ending with the table's key")
    columns = [term.column for term in ordering.terms]
    head = tiers.listed.with_only_columns(*columns, maintain_column_froms=True).order_by(*ordering.clauses())
    edge: list[Any] | None = None
    edge_read = False
    items: list[Any] = []
    skip, need = offset, size
    for condition in tiers.conditions:
        if need <= 0:
            break
        tier = tiers.base.where(condition).order_by(*ordering.clauses())
        if not edge_read:
            reach = min(max(HEAD, HEAD_PER_ROW * (offset + size)), HEAD_LIMIT)
            row = session.execute(head.offset(reach - 1).limit(1)).first()
            edge, edge_read = (None if row is None else list(row)), True
        planned: Callable[[Session], Any] = nullcontext  # the whole list lies within its first rows
        if edge is not None:
            within = tier.where(ordering.through(edge)).offset(skip).limit(need)
            rows = list(session.scalars(within).unique())
            if len(rows) == need:
                return items + rows
            planned = from_indexes_only
        with planned(session):
            if skip:
                bounded = tier.order_by(None).limit(skip).subquery()
                before = session.scalar(select(func.count()).select_from(bounded)) or 0
                if before < skip:  # the whole tier lies before the page
                    skip -= before
                    continue
            rows = list(session.scalars(tier.offset(skip).limit(need)).unique())
        items += rows
        need -= len(rows)
        skip = 0
    return items


def _bounded_count(session: Session, stmt: Select[Any], ordering: Ordering, offset: int) -> tuple[int, bool]:
    """How many rows match, counted up to ``COUNT_LIMIT`` past ``offset``, newest id first whatever the sort.

    Ordered by the id so that the same index serves every sort: each filter's index ends with the id, so the
    count reads at most ``COUNT_LIMIT`` entries of it instead of sorting every match by the sort column.
    """
    key = ordering.terms[-1].column
    only_key = stmt.with_only_columns(key, maintain_column_froms=True).order_by(None).order_by(key.desc())
    bound = offset + COUNT_LIMIT
    matching = only_key.limit(bound + 1)
    counted = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    return (counted, True) if counted <= bound else (bound, False)


def _bounded_plain_count(session: Session, stmt: Select[Any], offset: int) -> tuple[int, bool]:
    """How many rows match, counted up to ``COUNT_LIMIT`` past ``offset``, for an order a keyset cannot follow
    (e.g. relevance): a common word in a free-text search must not count a tenth of a million-row table."""
    bound = offset + COUNT_LIMIT
    matching = stmt.order_by(None).limit(bound + 1)
    counted = session.scalar(select(func.count()).select_from(matching.subquery())) or 0
    return (counted, True) if counted <= bound else (bound, False)


def rows_by_owner(
    session: Session, stmt: Select[Any], parameters: dict[str, Any] | None = None
) -> dict[Any, list[dict[str, Any]]]:
    """The rows of ``stmt`` (run with ``parameters``) as plain dicts, grouped by their first column (left out of the
    dicts), in its order.

    How a list page reads what its items hold (areas, parties, contacts) for every item at once, as rows rather
    than ORM objects: measured at fifty partnerships, building their related objects cost more than the SQL.
    """
    names = stmt.selected_columns.keys()[1:]
    grouped: dict[Any, list[dict[str, Any]]] = {}
    for owner, *values in session.execute(stmt, parameters):
        grouped.setdefault(owner, []).append(dict(zip(names, values, strict=True)))
    return grouped


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
