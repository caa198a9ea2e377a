"""Sign-in throttles replace the sign-in attempt log; sign-in alerts in the outbox.

The attempt log kept what was typed as the e-mail in plain text (sometimes a password typed in the wrong box),
and so did the audit entries of its rows: both go. The counters that replace it keep only a salted digest.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 14:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND_CHECK = "kind IN ({})"
OLD_KINDS = "'end_date', 'notice_deadline', 'obligation_due', 'obligation_overdue'"
NEW_KINDS = OLD_KINDS + ", 'sign_in_alert'"


def upgrade() -> None:
    op.create_table(
        "sign_in_throttles",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_success_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttles")),
    )
    with op.batch_alter_table("sign_in_throttles", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_throttles_updated_at"), ["updated_at"], unique=False)

    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_login_attempts_email_at")
        batch_op.drop_index(batch_op.f("ix_login_attempts_client_address"))
    op.drop_table("login_attempts")
    op.execute("DELETE FROM audit_log WHERE entity_type = 'login_attempts'")

    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_reminder_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_reminders_reminder_kind"), sa.text(KIND_CHECK.format(NEW_KINDS)))


def downgrade() -> None:
    op.execute("DELETE FROM reminders WHERE kind = 'sign_in_alert'")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_reminder_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_reminders_reminder_kind"), sa.text(KIND_CHECK.format(OLD_KINDS)))

    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("client_address", sa.String(length=64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_attempts_client_address"), ["client_address"], unique=False)
        batch_op.create_index("ix_login_attempts_email_at", ["email", "attempted_at"], unique=False)

    with op.batch_alter_table("sign_in_throttles", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_throttles_updated_at"))
    op.drop_table("sign_in_throttles")
