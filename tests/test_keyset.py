"""Keyset walks on the backend under test: NULLs in the sort column, mixed directions, ties, rows added meanwhile."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.keyset import Position, decode_position, encode_position
from app.listing import PageParams, order_by, paginate
from app.organisations.models import Organisation
from tests.builders import organisation

COLUMNS = {"short_name": Organisation.short_name, "legal_name": Organisation.legal_name}
SHORT_NAMES = [None, "X", None, "A", "X", None, "M"]


def _walk(session, sort: str | None, page_size: int, *, tiebreak: bool, between=None) -> list[int]:
    default = [Organisation.id.desc()]
    stmt = order_by(
        select(Organisation), sort, COLUMNS, default=default, tiebreak=Organisation.id if tiebreak else None
    )
    seen: list[int] = []
    found = paginate(session, stmt, PageParams(page_size=page_size))
    while True:
        seen += [org.id for org in found.items]
        if found.next_cursor is None:
            return seen
        if between is not None:
            between()
            between = None
        found = paginate(session, stmt, PageParams(page_size=page_size, cursor=found.next_cursor))


def _expected(orgs: list[Organisation], sort: str, *, tiebreak: bool) -> list[int]:
    """NULL is the largest value on every database; the id follows the sort (tiebreak) or stays descending."""
    descending = sort.startswith("-")
    by_id = sorted(orgs, key=lambda org: org.id, reverse=descending if tiebreak else True)
    ranked = sorted(
        by_id, key=lambda org: (1, "") if org.short_name is None else (0, org.short_name), reverse=descending
    )
    return [org.id for org in ranked]  # a stable sort keeps the id order within equal names


@pytest.fixture
def orgs(session) -> list[Organisation]:
    return [organisation(session, f"Keyset {n}", short_name=short) for n, short in enumerate(SHORT_NAMES)]


@pytest.mark.parametrize("tiebreak", [True, False], ids=["same-direction id", "id always descending"])
@pytest.mark.parametrize("sort", ["short_name", "-short_name"])
@pytest.mark.parametrize("page_size", [1, 2, 3])
def test_a_walk_over_a_column_with_nulls_visits_each_row_once_in_order(session, orgs, sort, page_size, tiebreak):
    assert _walk(session, sort, page_size, tiebreak=tiebreak) == _expected(orgs, sort, tiebreak=tiebreak)


@pytest.mark.parametrize("sort", ["short_name", "-short_name", "legal_name", None])
def test_rows_added_during_a_walk_are_never_repeated_nor_make_one_skipped(session, orgs, sort):
    added: list[int] = []

    def add() -> None:
        added.extend(organisation(session, f"Keyset late {n}", short_name=s).id for n, s in enumerate([None, "B", "Z"]))

    seen = _walk(session, sort, 2, tiebreak=True, between=add)
    assert len(seen) == len(set(seen))
    assert {org.id for org in orgs} <= set(seen) <= {org.id for org in orgs} | set(added)


def test_a_position_round_trips_with_dates_and_nulls():
    from datetime import UTC, date, datetime

    position = Position(3, "-created_at", [datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), date(2026, 5, 1), None, 7], 9)
    assert decode_position(encode_position(position)) == position
