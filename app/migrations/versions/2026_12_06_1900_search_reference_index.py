"""Search reference index: the first tiers of a search by relevance (the reference or acronym is the query, or
begins with it) are read from an index on ``(kind, reference)``, with pattern operators on PostgreSQL.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 19:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_search_documents_kind_reference",
        "search_documents",
        ["kind", "reference"],
        postgresql_ops={"reference": "varchar_pattern_ops"},
    )


def downgrade() -> None:
    op.drop_index("ix_search_documents_kind_reference", table_name="search_documents")
