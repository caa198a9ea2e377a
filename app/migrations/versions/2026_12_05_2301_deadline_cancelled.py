"""Reminders of a new kind, deadline_cancelled: the e-mail withdrawing a deadline's calendar event (METHOD:CANCEL).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 23:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KIND_CHECK = "kind IN ({})"
OLD_KINDS = "'end_date', 'notice_deadline', 'obligation_due', 'obligation_overdue', 'sign_in_alert'"
NEW_KINDS = OLD_KINDS + ", 'deadline_cancelled'"


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_reminder_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_reminders_reminder_kind"), sa.text(KIND_CHECK.format(NEW_KINDS)))


def downgrade() -> None:
    op.execute("DELETE FROM reminders WHERE kind = 'deadline_cancelled'")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_reminder_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_reminders_reminder_kind"), sa.text(KIND_CHECK.format(OLD_KINDS)))
