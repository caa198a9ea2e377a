"""``run_sections``: the concurrent path (PostgreSQL, a session bound to an engine) gives the same report as the
sections run one after the other, and all sections read one snapshot even while others write."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app import migrate
from app.db import make_engine
from app.devtools.generate import generate_portfolio
from app.reports import service
from app.reports.dialect import run_sections
from tests.support import scratch_database


@pytest.fixture(scope="module")
def portfolio_engine(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    """An engine on a committed synthetic portfolio in a database of its own (sessions bound to the engine)."""
    with scratch_database(database_url, tmp_path_factory.mktemp("report")) as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        generate_portfolio(engine, 40, 300, seed=7)
        yield engine
        engine.dispose()


def test_concurrent_and_one_by_one_agree(portfolio_engine, backend: str) -> None:
    today = service.clock.today(service.get_settings().zone)
    with Session(portfolio_engine) as session:
        together = run_sections(session, service._sections(today, None))
        one_by_one = run_sections(session, service._sections(today, None), workers=1)
        report = service.portfolio(session, today)
    assert together == one_by_one
    assert next(step for step in report.funnel if step.stage == "ad_hoc").ever_reached > 0
    expected = service.assemble(one_by_one, today, None)
    assert report.model_dump(exclude={"generated_at"}) == expected.model_dump(exclude={"generated_at"})


def test_every_section_reads_the_same_snapshot(portfolio_engine, backend: str) -> None:
    """A row committed by someone else while the sections run is seen by all of them or by none.

    On PostgreSQL the two sections run on two connections; without the shared snapshot the one reading after the
    commit would count one more row. On SQLite they run one after the other in the caller's session.
    """
    started, release = threading.Event(), threading.Event()

    def count(session: Session) -> int:
        return session.execute(text("SELECT count(*) FROM reference_counters")).scalar_one()

    def slow_count(session: Session) -> int:
        started.set()
        release.wait(5)  # let the writer commit before this section reads
        return count(session)

    with Session(portfolio_engine) as session:
        writer = threading.Thread(target=_add_a_row, args=(portfolio_engine, started, release))
        writer.start()
        found = run_sections(session, {"slow": slow_count, "first": count}, workers=2)
        writer.join()
    assert found["slow"] == found["first"]


def _add_a_row(engine, started: threading.Event, release: threading.Event) -> None:
    started.wait(10)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO reference_counters (series, last_value) VALUES ('SNAP', 1)"))
    finally:
        release.set()
