"""List indexes: each documented filter and sort of the partnership and organisation lists, composite with the id
that follows it (keyset pagination), and each party's copy of its organisation's kind, country and region.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 06:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPLACED = [  # single-column indexes that the composite ones below serve as well
    ("ix_partnerships_stage", "partnerships", ["stage"], "ix_partnerships_stage_id", ["stage", "id"]),
    ("ix_partnerships_owner_id", "partnerships", ["owner_id"], "ix_partnerships_owner_id_id", ["owner_id", "id"]),
    ("ix_partnerships_legal_officer_id", "partnerships", ["legal_officer_id"], "ix_partnerships_legal_officer_id_id",
     ["legal_officer_id", "id"]),
    ("ix_organisations_kind", "organisations", ["kind"], "ix_organisations_kind_name", ["kind", "legal_name", "id"]),
    ("ix_organisations_country_code", "organisations", ["country_code"], "ix_organisations_country_code_name",
     ["country_code", "legal_name", "id"]),
]  # fmt: skip
ADDED = [
    ("ix_partnerships_updated_at_id", "partnerships", ["updated_at", "id"]),
    ("ix_partnerships_title_id", "partnerships", ["title", "id"]),
    ("ix_partnership_areas_area_partnership", "partnership_areas", ["area_id", "partnership_id"]),
    ("ix_organisation_areas_area_organisation", "organisation_areas", ["area_id", "organisation_id"]),
    ("ix_organisations_legal_name_id", "organisations", ["legal_name", "id"]),
    ("ix_organisations_created_at_id", "organisations", ["created_at", "id"]),
    ("ix_organisations_updated_at_id", "organisations", ["updated_at", "id"]),
    ("ix_partnership_parties_kind_partnership", "partnership_parties", ["organisation_kind", "partnership_id"]),
    ("ix_partnership_parties_country_partnership", "partnership_parties",
     ["organisation_country_code", "partnership_id"]),
    ("ix_partnership_parties_region_partnership", "partnership_parties", ["organisation_region_key", "partnership_id"]),
    ("ix_obligations_status_agreement", "obligations", ["status", "agreement_id"]),
    ("ix_agreements_status_end_partnership", "agreements", ["status", "end_date", "partnership_id"]),
]  # fmt: skip


def upgrade() -> None:
    with op.batch_alter_table("partnership_parties", schema=None) as batch_op:
        batch_op.add_column(sa.Column("organisation_kind", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("organisation_country_code", sa.String(length=2), nullable=True))
        batch_op.add_column(sa.Column("organisation_region_key", sa.String(length=100), nullable=True))
    # One set-based statement (UPDATE … FROM: PostgreSQL, and SQLite since 3.33), before the indexes exist.
    op.execute(
        """
        UPDATE partnership_parties SET organisation_kind = o.kind, organisation_country_code = o.country_code,
               organisation_region_key = lower(o.region)
        FROM organisations AS o WHERE partnership_parties.organisation_id = o.id
        """
    )
    for old, table, _, new, columns in REPLACED:
        op.drop_index(old, table_name=table)
        op.create_index(new, table, columns)
    for name, table, columns in ADDED:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _ in ADDED:
        op.drop_index(name, table_name=table)
    for old, table, old_columns, new, _ in REPLACED:
        op.drop_index(new, table_name=table)
        op.create_index(old, table, old_columns)
    with op.batch_alter_table("partnership_parties", schema=None) as batch_op:
        batch_op.drop_column("organisation_region_key")
        batch_op.drop_column("organisation_country_code")
        batch_op.drop_column("organisation_kind")
