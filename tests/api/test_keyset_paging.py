"""The large lists walk by keyset: next_cursor names the last row's position, so following it visits every row once
in every sort and direction, even while rows are added, and a page-number cursor is still understood."""

from __future__ import annotations

import re

import pytest

from app import listing
from app.listing import CURSOR_PATTERN
from app.organisations.service import SORTABLE as ORGANISATION_SORTS
from app.partnerships.queries import SORTABLE as PARTNERSHIP_SORTS
from app.users.models import Role
from tests.builders import assert_problem, organisation, partnership

API = "/api/v1"
TITLES = ["Beta", "Alpha", "Gamma", "Alpha", "Beta", "Delta", "Alpha"]


def _walk(client, headers, path: str, params: dict, page_size: int, between=None) -> tuple[list[int], list[dict]]:
    """Follow next_cursor from the first page to the last; ``between`` runs after the first page."""
    seen: list[int] = []
    bodies = []
    query = {**params, "page_size": page_size}
    while True:
        response = client.get(f"{API}/{path}", params=query, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        bodies.append(body)
        seen += [item["id"] for item in body["items"]]
        if body["next_cursor"] is None:
            return seen, bodies
        assert re.fullmatch(CURSOR_PATTERN, body["next_cursor"])
        if between is not None and len(bodies) == 1:
            between()
        query = {**params, "page_size": page_size, "cursor": body["next_cursor"]}


@pytest.fixture
def portfolio(session, auth):
    user, headers = auth(Role.PROJECT_MANAGER)
    partner = organisation(session, "Keyset Partner")
    made = [partnership(session, user, partner, title=title).id for title in TITLES]
    return user, headers, partner, made


@pytest.mark.parametrize("sort", [None, *(f"{prefix}{name}" for name in PARTNERSHIP_SORTS for prefix in ("", "-"))])
def test_following_next_cursor_visits_every_partnership_once_in_order_while_rows_are_added(
    session, client, portfolio, sort
) -> None:
    user, headers, partner, made = portfolio
    params = {"sort": sort} if sort else {}
    whole = client.get(f"{API}/partnerships", params={**params, "page_size": 200}, headers=headers).json()
    added: list[int] = []

    def add_two() -> None:
        added.extend(partnership(session, user, partner, title=title).id for title in ("Alpha", "Zeta"))

    seen, bodies = _walk(client, headers, "partnerships", params, page_size=2, between=add_two)
    assert len(seen) == len(set(seen))  # no row twice
    assert set(made) <= set(seen)  # no row skipped
    assert set(seen) <= set(made) | set(added)
    order = [item["id"] for item in whole["items"]]
    assert [i for i in seen if i in made] == [i for i in order if i in made]  # in the list's order
    assert [body["page"] for body in bodies] == list(range(1, len(bodies) + 1))
    assert {body["total"] for body in bodies} == {whole["total"]}  # the total counted when the walk began


@pytest.mark.parametrize("sort", [None, *(f"{prefix}{name}" for name in ORGANISATION_SORTS for prefix in ("", "-"))])
def test_following_next_cursor_visits_every_organisation_once(session, client, auth, sort) -> None:
    _, headers = auth(Role.VIEWER)
    for name, country in [("Echo", "FR"), ("Alpha", "KE"), ("Delta", "KE"), ("Charlie", "BR"), ("Alpha", "FR")]:
        organisation(session, name, country_code=country)
    params = {"sort": sort} if sort else {}
    whole = client.get(f"{API}/organisations", params={**params, "page_size": 200}, headers=headers).json()
    seen, _ = _walk(client, headers, "organisations", params, page_size=2)
    assert seen == [item["id"] for item in whole["items"]] and len(seen) == whole["total"] >= 5


def test_a_page_number_cursor_still_reads_that_page(client, portfolio) -> None:
    _, headers, _, _ = portfolio
    by_number = client.get(f"{API}/partnerships", params={"page": 2, "page_size": 2}, headers=headers).json()
    by_cursor = client.get(f"{API}/partnerships", params={"cursor": "p2", "page_size": 2}, headers=headers).json()
    assert by_cursor["items"] == by_number["items"] and by_cursor["page"] == 2
    following, _ = _walk(client, headers, "partnerships", {"cursor": "p2"}, page_size=2)
    assert len(following) == len(set(following)) == by_number["total"] - 2


def test_a_cursor_from_another_sort_or_a_forged_one_is_refused_naming_the_cursor(client, portfolio) -> None:
    _, headers, _, _ = portfolio
    first = client.get(f"{API}/partnerships", params={"sort": "title", "page_size": 2}, headers=headers).json()
    other_sort = client.get(
        f"{API}/partnerships", params={"sort": "-title", "cursor": first["next_cursor"]}, headers=headers
    )
    assert_problem(other_sort, 422, "cursor")
    for forged in ("kAAAAAAAAAAAA", "k" + "W10" * 4, first["next_cursor"][:-3]):
        assert_problem(client.get(f"{API}/partnerships", params={"cursor": forged}, headers=headers), 422, "cursor")


def test_a_large_match_counts_up_to_the_limit_and_says_total_is_a_lower_bound(client, portfolio, monkeypatch) -> None:
    _, headers, _, made = portfolio
    monkeypatch.setattr(listing, "COUNT_LIMIT", 3)
    seen, bodies = _walk(client, headers, "partnerships", {"sort": "title"}, page_size=2)
    assert {(body["total"], body["total_exact"]) for body in bodies} == {(3, False)}
    assert len(seen) == len(set(seen)) >= len(made) > 3
    few = client.get(f"{API}/partnerships", params={"q": "Gamma"}, headers=headers).json()
    assert (few["total"], few["total_exact"]) == (1, True)
    assert "total_exact" in client.app.openapi()["components"]["schemas"]["Page_PartnershipRead_"]["properties"]
