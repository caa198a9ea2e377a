"""Screening against the UN Security Council Consolidated List: the loaded lists, their entries, each
organisation's screening and the hits reviewers decide (issue 21, item 3).

Revision ID: 0030
Revises: 0032
Create Date: 2026-12-06 22:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from app.db import UTCDateTime

revision: str = "0030"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "screening_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("date_generated", UTCDateTime(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("file_name", sa.String(length=300), nullable=True),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("removed", sa.Integer(), nullable=False),
        sa.Column("changed", sa.Integer(), nullable=False),
        sa.Column("new_hits", sa.Integer(), nullable=False),
        sa.Column("reopened", sa.Integer(), nullable=False),
        sa.Column("loaded_by_id", sa.Integer(), nullable=True),
        sa.Column("loaded_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["loaded_by_id"], ["users.id"], name=op.f("fk_screening_lists_loaded_by_id_users"),
                                ondelete="SET NULL"),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_lists")),
    )
    op.create_table(
        "screening_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("data_id", sa.String(length=40), nullable=False),
        sa.Column("version_num", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("primary_name", sa.String(length=500), nullable=False),
        sa.Column("reference_number", sa.String(length=60), nullable=True),
        sa.Column("un_list_type", sa.String(length=100), nullable=True),
        sa.Column("listed_on", sa.Date(), nullable=True),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["screening_lists.id"], name=op.f("fk_screening_entries_list_id_screening_lists"),
                                ondelete="CASCADE"),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_entries")),
        sa.UniqueConstraint("data_id", name=op.f("uq_screening_entries_data_id")),
    )
    op.create_index(op.f("ix_screening_entries_list_id"), "screening_entries", ["list_id"])
    op.create_table(
        "organisation_screenings",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("names_key", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Enum("unscreened", "clear", "pending", "confirmed", name="screening_status",
                                    native_enum=False, create_constraint=True, length=40), nullable=False),  # fmt: skip
        sa.Column("screened_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["list_id"], ["screening_lists.id"],
                                name=op.f("fk_organisation_screenings_list_id_screening_lists"), ondelete="CASCADE"),  # fmt: skip
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_organisation_screenings_organisation_id_organisations"), ondelete="CASCADE"),  # fmt: skip
        sa.PrimaryKeyConstraint("organisation_id", name=op.f("pk_organisation_screenings")),
    )
    op.create_index(op.f("ix_organisation_screenings_list_id"), "organisation_screenings", ["list_id"])
    op.create_table(
        "screening_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("data_id", sa.String(length=40), nullable=False),
        sa.Column("version_num", sa.Integer(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("status", sa.Enum("pending", "cleared", "confirmed", name="screening_hit_status",
                                    native_enum=False, create_constraint=True, length=40), nullable=False),  # fmt: skip
        sa.Column("decided_hash", sa.String(length=64), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("reopened_at", UTCDateTime(), nullable=True),
        sa.Column("found_at", UTCDateTime(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name=op.f("fk_screening_hits_decided_by_id_users"),
                                ondelete="SET NULL"),  # fmt: skip
        sa.ForeignKeyConstraint(["list_id"], ["screening_lists.id"], name=op.f("fk_screening_hits_list_id_screening_lists"),
                                ondelete="CASCADE"),  # fmt: skip
        sa.ForeignKeyConstraint(["organisation_id"], ["organisations.id"],
                                name=op.f("fk_screening_hits_organisation_id_organisations"), ondelete="CASCADE"),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_hits")),
        sa.UniqueConstraint("organisation_id", "data_id", name=op.f("uq_screening_hits_organisation_id_data_id")),
    )
    op.create_index("ix_screening_hits_status_active", "screening_hits", ["active", "status", "organisation_id"])
    op.create_index(op.f("ix_screening_hits_list_id"), "screening_hits", ["list_id"])


def downgrade() -> None:
    op.drop_table("screening_hits")
    op.drop_table("organisation_screenings")
    op.drop_table("screening_entries")
    op.drop_table("screening_lists")
