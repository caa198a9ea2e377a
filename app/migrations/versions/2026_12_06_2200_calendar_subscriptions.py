"""Calendar subscriptions: each user's private feed URL, of which only the secret's SHA-256 is stored.

Revision ID: 0031
Revises: 0029
Create Date: 2026-12-06 22:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "calendar_subscriptions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_calendar_subscriptions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_subscriptions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_subscriptions_token_hash")),
    )
    with op.batch_alter_table("calendar_subscriptions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_subscriptions_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calendar_subscriptions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_subscriptions_user_id"))
    op.drop_table("calendar_subscriptions")
