"""Paging, sorting and searching shared by every list, on the backend under test."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from sqlalchemy import select

from app.errors import ValidationFailed
from app.listing import MAX_PAGE, MAX_PAGE_SIZE, PageParams, contains_text, order_by, paginate
from app.organisations.models import Organisation
from app.users.models import Role
from tests.builders import assert_problem, organisation

COLUMNS = {"legal_name": Organisation.legal_name, "country_code": Organisation.country_code}


@pytest.fixture
def five(session):
    for name, country in [("Echo", "FR"), ("Alpha", "KE"), ("Delta", "KE"), ("Charlie", "BR"), ("Bravo", "FR")]:
        organisation(session, name, country_code=country)


def _names(session, stmt) -> list[str]:
    return [org.legal_name for org in session.scalars(stmt)]


def test_paginate_counts_every_match_and_returns_one_page(session, five):
    stmt = order_by(select(Organisation), "legal_name", COLUMNS, default=[Organisation.id])
    page = paginate(session, stmt, PageParams(page=2, page_size=2))
    assert page.total == 5 and (page.page, page.page_size) == (2, 2)
    assert len(page.items) == 2
    beyond = paginate(session, stmt, PageParams(page=9, page_size=2))
    assert beyond.total == 5 and beyond.items == []


def test_order_by_ascending_descending_with_a_stable_tiebreak(session, five):
    by_country = order_by(select(Organisation), "-country_code", COLUMNS, default=[Organisation.legal_name])
    assert _names(session, by_country) == ["Alpha", "Delta", "Bravo", "Echo", "Charlie"]
    by_default = order_by(select(Organisation), None, COLUMNS, default=[Organisation.country_code, Organisation.id])
    assert _names(session, by_default)[0] == "Charlie"


def test_order_by_an_unknown_column_lists_the_choices():
    with pytest.raises(ValidationFailed) as caught:
        order_by(select(Organisation), "-secret", COLUMNS, default=[Organisation.id])
    assert caught.value.problems[0].field == "sort"
    assert "country_code, legal_name" in caught.value.problems[0].reason


def test_contains_text_ignores_case_and_escapes_wildcards(session):
    for name in ("50% off", "500 club", "snake_case", "snakeXcase", "back\\slash"):
        organisation(session, name)

    def matching(text: str) -> list[str]:
        stmt = select(Organisation).where(contains_text(text, Organisation.legal_name)).order_by(Organisation.id)
        return _names(session, stmt)

    assert matching("50%") == ["50% off"]
    assert matching("SNAKE_") == ["snake_case"]
    assert matching("\\") == ["back\\slash"]
    assert matching("CLUB") == ["500 club"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": 0}, "page"),
        ({"page": MAX_PAGE + 1}, "page"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": MAX_PAGE_SIZE + 1}, "page_size"),
    ],
)
def test_page_parameters_are_bounded(params, field):
    with pytest.raises(ValidationError) as caught:
        PageParams(**params)
    assert caught.value.errors()[0]["loc"] == (field,)


def test_the_last_allowed_page_is_answered(client, auth):
    _, headers = auth(Role.VIEWER)
    response = client.get(
        "/api/v1/organisations", params={"page": MAX_PAGE, "page_size": MAX_PAGE_SIZE}, headers=headers
    )
    assert response.status_code == 200 and response.json()["items"] == []
    assert_problem(client.get("/api/v1/organisations", params={"page": 10**20}, headers=headers), 422, "page")


def test_an_order_no_keyset_follows_counts_only_so_far_past_the_page(session, five, monkeypatch):
    """Relevance and other expressions are paged by offset; their total is bounded like the keyset lists' total."""
    from sqlalchemy import func

    import app.listing

    monkeypatch.setattr(app.listing, "COUNT_LIMIT", 2)
    by_expression = select(Organisation).order_by(func.lower(Organisation.legal_name))
    first = paginate(session, by_expression, PageParams(page=1, page_size=2))
    assert (len(first.items), first.total, first.total_exact) == (2, 2, False)  # "at least 2": more were not counted
    everyone = len(session.scalars(select(Organisation.id)).all())
    last = paginate(session, by_expression, PageParams(page=(everyone + 1) // 2, page_size=2))
    assert (last.total, last.total_exact) == (everyone, True)  # within the bound past this page: exact
