"""Search indexes for relevance read tier by tier: the first tiers (the reference or acronym is the query, or
begins with it) are read from an index on ``(kind, reference)``, with pattern operators on PostgreSQL; and on
PostgreSQL the full-text and trigram GIN indexes become one per kind of document, so that a common word's bitmap
among organisations is not also its bitmap among a million partnerships.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 19:00:00+00:00
"""

from collections.abc import Sequence

from alembic import op

KINDS = ("partnership", "organisation")
GIN = {"document": "document", "body_trgm": "body gin_trgm_ops"}

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
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, expression in GIN.items():
        for kind in KINDS:
            op.execute(
                f"CREATE INDEX ix_search_documents_{name}_{kind} ON search_documents USING gin ({expression}) "
                f"WHERE kind = '{kind}'"
            )
        op.execute(f"DROP INDEX ix_search_documents_{name}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, expression in GIN.items():
            op.execute(f"CREATE INDEX ix_search_documents_{name} ON search_documents USING gin ({expression})")
            for kind in KINDS:
                op.execute(f"DROP INDEX ix_search_documents_{name}_{kind}")
    op.drop_index("ix_search_documents_kind_reference", table_name="search_documents")
