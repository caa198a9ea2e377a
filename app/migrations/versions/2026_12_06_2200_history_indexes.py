"""Indexes for the portfolio's history (issue 21, item 5): the transition events of a workflow by instant, for
"what changed between two days" (a narrow period reads a narrow range), and the agreements by creation, for the
agreements as of a past day walked newest first.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06 22:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_transition_events_period",
        "transition_events",
        ["entity_type", "occurred_at"],
        postgresql_include=["entity_id", "from_state", "to_state"],
    )
    op.create_index("ix_agreements_created_at_id", "agreements", ["created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_agreements_created_at_id", table_name="agreements")
    op.drop_index("ix_transition_events_period", table_name="transition_events")
