"""PostgreSQL's plans for the partnership list: on a generated portfolio of realistic size with fresh statistics,
every documented filter and sort reads through an index — no sequential scan of the partnership table, neither
for the page nor for its count — and a page deep in the list (by keyset) too.

PostgreSQL only (the plans are PostgreSQL's); the SQLite pass leaves it out (marker ``postgresql_only``). It generates
its own database of 20,000 partnerships (``generate_portfolio``) and ANALYZEs it, so the planner chooses as it
would in production: no planner setting is changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from app.db import make_engine
from app.devtools.generate import generate_portfolio
from app.listing import PageParams
from app.partnerships.queries import list_partnerships
from app.partnerships.schemas import PartnershipFilter
from tests.support import migrated_scratch_database

pytestmark = pytest.mark.postgresql_only  # PostgreSQL's query plans: left out of the SQLite pass

PARTNERSHIPS = 20_000
SORTS = ["reference", "title", "stage", "created_at", "updated_at"]


@pytest.fixture(scope="module")
def portfolio(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, dict[str, Any]]]:
    with migrated_scratch_database(database_url, tmp_path_factory.mktemp("plans")) as url:
        engine = make_engine(url)
        generate_portfolio(engine, PARTNERSHIPS * 16 // 100, PARTNERSHIPS)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
            values = {
                "area": connection.scalar(text("SELECT code FROM areas_of_engagement ORDER BY id LIMIT 1")),
                "owner_id": connection.scalar(text("SELECT owner_id FROM partnerships ORDER BY id DESC LIMIT 1")),
                "legal_officer_id": connection.scalar(
                    text("SELECT max(legal_officer_id) FROM partnerships WHERE legal_officer_id IS NOT NULL")
                ),
                "region": connection.scalar(text("SELECT region FROM organisations GROUP BY 1 ORDER BY count(*) DESC")),
                "country_code": connection.scalar(
                    text("SELECT country_code FROM organisations GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
                ),
            }
        yield engine, values
        engine.dispose()


def _filters(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        "stage": {"stage": "formal"},
        "area": {"area": values["area"]},
        "partner_kind": {"partner_kind": "national_cso"},
        "country_code": {"country_code": values["country_code"]},
        "region": {"region": values["region"]},
        "owner_id": {"owner_id": values["owner_id"]},
        "legal_officer_id": {"legal_officer_id": values["legal_officer_id"]},
        "ending_before": {"ending_before": date.today() + timedelta(days=90)},
        "overdue": {"overdue": True},
        "not overdue": {"overdue": False},
        "stage and area": {"stage": "formal", "area": values["area"]},
    }


def _plans(engine: Any, run: Any) -> list[tuple[str, dict[str, Any]]]:
    """Run ``run(session)`` and return (statement, JSON plan) for each SELECT it sent about partnerships."""
    sent: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        with Session(engine) as session:
            run(session)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    plans = []
    with engine.connect() as connection:
        for statement, parameters in sent:
            if statement.lstrip().upper().startswith("SELECT") and "FROM partnerships" in statement:
                plan = connection.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement, parameters).scalar()
                plans.append((statement, plan[0]["Plan"]))
    return plans


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _assert_indexed(plans: list[tuple[str, dict[str, Any]]], table: str = "partnerships") -> None:
    assert len(plans) >= 2  # the count and the page
    for statement, plan in plans:
        scans = [node for node in _nodes(plan) if node.get("Relation Name") == table]
        assert scans, statement
        sequential = [node for node in scans if node["Node Type"] == "Seq Scan"]
        assert not sequential, f"a sequential scan of {table}:\n{statement}"
        assert all("Index" in node["Node Type"] for node in scans), [node["Node Type"] for node in scans]


@pytest.mark.parametrize("name", list(_filters({key: None for key in ("area", "owner_id", "legal_officer_id",
                                                                      "region", "country_code")})))  # fmt: skip
def test_each_filter_reads_the_partnerships_through_an_index(portfolio, name) -> None:
    engine, values = portfolio
    filters = PartnershipFilter(**_filters(values)[name])
    _assert_indexed(_plans(engine, lambda session: list_partnerships(session, filters, PageParams())))


@pytest.mark.parametrize("sort", [f"{prefix}{key}" for key in SORTS for prefix in ("", "-")])
def test_each_sort_and_a_page_deep_by_keyset_read_through_an_index(portfolio, sort) -> None:
    engine, _ = portfolio

    def deep(session: Session) -> None:
        found = list_partnerships(session, PartnershipFilter(), PageParams(sort=sort, page_size=200))
        for _ in range(5):
            found = list_partnerships(
                session, PartnershipFilter(), PageParams(sort=sort, page_size=200, cursor=found.next_cursor)
            )
        assert found.page == 6 and found.items

    _assert_indexed(_plans(engine, deep))
