"""Data-quality scores kept per record (``quality_scores``), written with every change to a rule's input.

The backfill runs the checks of ``app.quality.rules`` over ranges of ids (``rebuild_quality_scores``): set-based
SQL per batch of 5,000 records, never a query per record.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 06:20:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from app.quality.rules import checks_of_revision

    with checks_of_revision(revision):  # the checks as they were here: later ones read later columns
        _upgrade()


def _upgrade() -> None:
    op.create_table(
        "quality_scores",
        sa.Column("entity", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("sort_name", sa.String(length=300), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column("category", sa.String(length=60), nullable=True),
        sa.Column("factor", sa.Float(), nullable=False),
        sa.Column("applies_mask", sa.Integer(), nullable=False),
        sa.Column("fails_mask", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("stale_applies", sa.Boolean(), nullable=False),
        sa.Column("touched_on", sa.Date(), nullable=True),
        sa.Column("score_fresh", sa.Float(), nullable=False),
        sa.Column("impact_fresh", sa.Float(), nullable=False),
        sa.Column("score_stale", sa.Float(), nullable=False),
        sa.Column("impact_stale", sa.Float(), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("entity", "record_id", name=op.f("pk_quality_scores")),
    )
    # The backfill writes before the sort indexes exist (cheaper than maintaining them row by row).
    from app.quality.rules import CHECKS
    from app.quality.store import failing_indexes, rebuild_quality_scores

    rebuild_quality_scores(op.get_bind())
    for state in ("fresh", "stale"):
        impact, score = sa.text(f"impact_{state} DESC"), sa.column(f"score_{state}")
        op.create_index(f"ix_quality_scores_{state}_impact", "quality_scores",
                        ["entity", impact, score, "sort_name", "record_id"])  # fmt: skip
        op.create_index(f"ix_quality_scores_{state}_score", "quality_scores",
                        ["entity", score, impact, "sort_name", "record_id"])  # fmt: skip
    op.create_index("ix_quality_scores_name", "quality_scores", ["entity", "sort_name", "record_id"])
    op.create_index("ix_quality_scores_patterns", "quality_scores",
                    ["entity", "stale_applies", "touched_on", "failed", "applies_mask", "fails_mask"])  # fmt: skip
    for name, predicate in failing_indexes():
        op.create_index(name, "quality_scores", ["record_id"], postgresql_where=sa.text(predicate),
                        sqlite_where=sa.text(predicate))  # fmt: skip
    if op.get_bind().dialect.name == "postgresql":
        # How often each check's bit is set: without it the planner guesses, and reads a common check's partial
        # index and sorts it all instead of reading the sort index until the page is full.
        bits = [f"(fails_mask & {1 << bit})" for bit in range(max(len(each) for each in CHECKS.values()))]
        for number, start in enumerate(range(0, len(bits), 8)):  # at most 8 expressions per statistics object
            op.execute(f"CREATE STATISTICS quality_scores_fails_{number} ON {', '.join(bits[start : start + 8])} "
                       "FROM quality_scores")  # fmt: skip
        op.execute("ANALYZE quality_scores")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP STATISTICS IF EXISTS quality_scores_fails_0, quality_scores_fails_1")
    op.drop_table("quality_scores")
