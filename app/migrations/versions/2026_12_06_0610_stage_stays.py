"""Stage stays: each entity's stays in each state (entered, left, days), kept by the engine as transitions happen;
and the portfolio report's running counts (``report_tallies``), kept as records change.

Stays are backfilled from the transition history in one set-based statement (a LEAD over each entity's
state-changing events, as ``app.workflow.stays.rebuild_stage_stays`` does), before their indexes are built; the
counts from the stays and the records, one aggregate per section (as ``app.reports.tallies`` counts them).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 06:10:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DAYS = {
    "postgresql": "CAST(EXTRACT(EPOCH FROM (left_at - entered_at)) / 86400.0 AS FLOAT)",
    "sqlite": "CAST(julianday(left_at) - julianday(entered_at) AS FLOAT)",
}
_BACKFILL = """
INSERT INTO stage_stays (workflow, entity_id, stage, entered_at, left_at, days)
SELECT workflow, entity_id, stage, entered_at, left_at, {days}
FROM (
    SELECT entity_type AS workflow, entity_id, to_state AS stage, occurred_at AS entered_at,
           LEAD(occurred_at) OVER (PARTITION BY entity_type, entity_id ORDER BY occurred_at, id) AS left_at
    FROM transition_events
    WHERE from_state IS NULL OR from_state <> to_state
) AS changes
"""


_PARTNERSHIP = "workflow = 'partnership'"
_TALLIES = [
    f"SELECT 'stages', stage, NULL, count(*) FROM stage_stays WHERE {_PARTNERSHIP} AND left_at IS NULL GROUP BY stage",
    "SELECT 'stage_by_area', s.stage, pa.area_id, count(*) FROM stage_stays s "
    "LEFT JOIN partnership_areas pa ON pa.partnership_id = s.entity_id "
    "WHERE s.workflow = 'partnership' AND s.left_at IS NULL GROUP BY s.stage, pa.area_id",
    *(
        f"SELECT 'partners_by_{name}', value, NULL, count(*) FROM (SELECT DISTINCT pp.partnership_id, o.{column} AS value "
        "FROM partnership_parties pp JOIN organisations o ON o.id = pp.organisation_id) AS pairs GROUP BY value"
        for name, column in (("kind", "kind"), ("region", "region"), ("country", "country_code"))
    ),
    "SELECT 'party_distribution', NULL, parties, count(*) FROM (SELECT partnership_id, count(*) AS parties "
    "FROM partnership_parties GROUP BY partnership_id) AS per GROUP BY parties",
    f"SELECT 'entered', stage, NULL, count(DISTINCT entity_id) FROM stage_stays WHERE {_PARTNERSHIP} GROUP BY stage",
    f"SELECT 'ended_stays', stage, NULL, count(*) FROM stage_stays WHERE {_PARTNERSHIP} AND left_at IS NOT NULL "
    "GROUP BY stage",
]


def upgrade() -> None:
    op.create_table(
        "stage_stays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workflow", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("left_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("days", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_stays")),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("SET LOCAL work_mem = '256MB'")  # the window's sort stays in memory (this transaction only)
    op.execute(_BACKFILL.format(days=_DAYS.get(dialect, _DAYS["sqlite"])))
    is_open, ended = sa.text("left_at IS NULL"), sa.text("left_at IS NOT NULL")
    with op.batch_alter_table("stage_stays", schema=None) as batch_op:
        batch_op.create_index(
            "uq_stage_stays_open",
            ["workflow", "entity_id"],
            unique=True,
            sqlite_where=is_open,
            postgresql_where=is_open,
            postgresql_include=["stage", "entered_at"],
        )
        batch_op.create_index("ix_stage_stays_entity", ["workflow", "entity_id", "entered_at"], unique=False)
        batch_op.create_index(
            "ix_stage_stays_reached",
            ["workflow", "stage", "entity_id"],
            unique=False,
            postgresql_include=["entered_at"],
        )
        batch_op.create_index(
            "ix_stage_stays_ended",
            ["workflow", "stage", "days"],
            unique=False,
            sqlite_where=ended,
            postgresql_where=ended,
            postgresql_include=["left_at", "entered_at"],
        )
        batch_op.create_index(
            "ix_stage_stays_left",
            ["workflow", "left_at"],
            unique=False,
            sqlite_where=ended,
            postgresql_where=ended,
            postgresql_include=["stage", "entered_at", "entity_id"],
        )
    op.create_table(
        "report_tallies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("section", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("delta", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_tallies")),
    )
    for counts in _TALLIES:
        op.execute(f"INSERT INTO report_tallies (section, key, number, delta) {counts}")
    with op.batch_alter_table("report_tallies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_tallies_count", ["section", "key", "number"], unique=False, postgresql_include=["delta"]
        )
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_obligations_status_due_date",
            ["status", "due_date"],
            unique=False,
            postgresql_include=["party_id", "agreement_id"],
        )
    if dialect == "postgresql":
        op.execute("ANALYZE stage_stays")


def downgrade() -> None:
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_index("ix_obligations_status_due_date")
    with op.batch_alter_table("report_tallies", schema=None) as batch_op:
        batch_op.drop_index("ix_report_tallies_count")
    op.drop_table("report_tallies")
    with op.batch_alter_table("stage_stays", schema=None) as batch_op:
        batch_op.drop_index("ix_stage_stays_left", sqlite_where=sa.text("left_at IS NOT NULL"))
        batch_op.drop_index("ix_stage_stays_ended", sqlite_where=sa.text("left_at IS NOT NULL"))
        batch_op.drop_index("ix_stage_stays_reached")
        batch_op.drop_index("ix_stage_stays_entity")
        batch_op.drop_index("uq_stage_stays_open", sqlite_where=sa.text("left_at IS NULL"))
    op.drop_table("stage_stays")
