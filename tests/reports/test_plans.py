"""PostgreSQL: the report's queries read indexes — today the running counts, on a past day the stage stays from their
covering indexes, never the history, and no sequential scan of the partnership table when a filter narrows it.

Plans are taken with sequential scans discouraged (``enable_seqscan = off``), so that on a small portfolio a
sequential scan still shows where no index could serve. On SQLite there is no such plan to check.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

from app import clock
from app.config import get_settings
from app.devtools.generate import generate_portfolio
from app.reports import service
from app.reports.schemas import ReportFilter
from app.workflow.stays import StageStay


def _statements(session, chosen: ReportFilter | None, day: date | None = None) -> list[tuple[str, Any]]:
    """Every statement the report's sections send, with its parameters."""
    caught: list[tuple[str, Any]] = []
    connection = session.connection()

    def catch(_conn, _cursor, statement, parameters, _context, _many) -> None:
        caught.append((statement, parameters))

    event.listen(connection, "before_cursor_execute", catch)
    try:
        service.portfolio(session, day or clock.today(get_settings().zone), chosen)
    finally:
        event.remove(connection, "before_cursor_execute", catch)
    return [(s, p) for s, p in caught if s.lstrip().upper().startswith(("SELECT", "WITH"))]


def _nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found += _nodes(child)
    return found


def _plans(session, chosen: ReportFilter | None, day: date | None = None) -> list[tuple[str, list[dict[str, Any]]]]:
    statements = _statements(session, chosen, day)
    session.execute(text("SET LOCAL enable_seqscan = off"))
    raw = session.connection().connection.driver_connection
    plans = []
    for statement, parameters in statements:
        with raw.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + statement, parameters)
            plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            plans.append((statement, _nodes(plan[0]["Plan"])))
    session.execute(text("SET LOCAL enable_seqscan = on"))
    return plans


pytestmark = pytest.mark.postgresql_only  # EXPLAIN plans are PostgreSQL's: left out of the SQLite pass


@pytest.fixture
def generated(session, connection):
    generate_portfolio(connection, organisations=40, partnerships=300, seed=5)
    session.execute(text("ANALYZE"))  # statistics as a real portfolio has them
    session.expire_all()


def _indexes(plans, table: str) -> set[str]:
    return {node["Index Name"] for _s, nodes in plans for node in nodes if table in node.get("Index Name", "")}


def _reads(plans, table: str) -> list[dict[str, Any]]:
    return [node for _s, nodes in plans for node in nodes if node.get("Relation Name") == table]


def test_today_the_whole_portfolio_is_read_from_the_running_counts(session, generated):
    plans = _plans(session, None)
    assert _indexes(plans, "report_tallies") == {"ix_report_tallies_count"}
    assert not [node for node in _reads(plans, "report_tallies") if node["Node Type"] == "Seq Scan"]
    # The medians: the middle ended stays (at scale read in the order of their length from ix_stage_stays_ended; on
    # this small portfolio the planner may as well sort a stage's few stays).
    assert _indexes(plans, "stage_stays") and _indexes(plans, "stage_stays") <= {
        "ix_stage_stays_ended",
        "ix_stage_stays_reached",
    }
    assert not [node for node in _reads(plans, "stage_stays") if node["Node Type"] == "Seq Scan"]
    for table in ("partnerships", "partnership_areas", "transition_events"):
        assert not _reads(plans, table), table  # nothing counted row by row
    # Overdue obligations find their parties by key (the late ones only).
    assert {node["Node Type"] for node in _reads(plans, "partnership_parties")} <= {"Index Scan", "Index Only Scan"}


def test_a_past_day_reads_the_stays_from_their_indexes(session, generated):
    plans = _plans(session, None, clock.today(get_settings().zone) - timedelta(days=200))
    stays = _reads(plans, "stage_stays")
    # Index-only where the table is vacuumed; in this test's open transaction the planner may visit the rows.
    assert {node["Node Type"] for node in stays} <= {"Index Only Scan", "Index Scan", "Bitmap Heap Scan"}, stays
    used = _indexes(plans, "stage_stays")
    # Which of the stays' indexes the planner combines depends on the statistics of the moment (CI runs have chosen
    # two, three or four of them, the entity index among them): what matters is that every read of the stays goes
    # through indexes the table really has.
    assert used and used <= {index.name for index in StageStay.__table__.indexes}, used
    assert not any("transition_events" in statement for statement, _nodes in plans)  # never the history


@pytest.mark.parametrize(
    "chosen",
    [ReportFilter(area="humanitarian"), ReportFilter(partner_kind="academic_institution"), ReportFilter(owner_id=1)],
    ids=["area", "partner_kind", "owner"],
)
def test_a_filtered_report_never_scans_the_partnership_table(session, generated, chosen):
    for statement, nodes in _plans(session, chosen):
        scans = [n for n in nodes if n["Node Type"] == "Seq Scan" and n.get("Relation Name") == "partnerships"]
        assert not scans, statement
        assert not [n for n in nodes if n.get("Relation Name") == "stage_stays" and n["Node Type"] == "Seq Scan"]
