"""Every party signs for itself (issue 21): how each signature was given (wet-ink scan with its SHA-256, or a simple
electronic signature with typed name, consent text, time and partner link), and partner parties' withdrawals.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 21:30:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

METHOD_CHECK = "method IN ('recorded', 'wet_ink', 'electronic')"
KIND_CHECK = "kind IN ({})"
OLD_KINDS = (
    "'end_date', 'notice_deadline', 'obligation_due', 'obligation_overdue', 'sign_in_alert', 'deadline_cancelled', "
    "'partner_link'"
)
NEW_KINDS = OLD_KINDS + ", 'withdrawal'"


def upgrade() -> None:
    op.create_table(
        "party_withdrawals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agreement_id", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.Integer(), nullable=False),
        sa.Column("notice_given_on", sa.Date(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "effective", name="withdrawal_status", native_enum=False, create_constraint=True, length=40
            ),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "effective_on >= notice_given_on", name=op.f("ck_party_withdrawals_withdrawal_after_notice")
        ),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_party_withdrawals_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["party_id"],
            ["partnership_parties.id"],
            name=op.f("fk_party_withdrawals_party_id_partnership_parties"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_party_withdrawals_recorded_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_party_withdrawals")),
        sa.UniqueConstraint("agreement_id", "party_id", name="uq_party_withdrawals_agreement_party"),
    )
    with op.batch_alter_table("party_withdrawals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_party_withdrawals_agreement_id"), ["agreement_id"], unique=False)
        batch_op.create_index("ix_party_withdrawals_status_effective", ["status", "effective_on"], unique=False)

    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.add_column(sa.Column("method", sa.String(length=40), server_default="recorded", nullable=False))
        batch_op.add_column(sa.Column("signed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("typed_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("consent_text", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("consent_language", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("via_link_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("scan_file_name", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("scan_media_type", sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column("scan_content", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("scan_sha256", sa.String(length=64), nullable=True))
        batch_op.create_check_constraint(op.f("ck_signatures_signature_method"), sa.text(METHOD_CHECK))

    with op.batch_alter_table("reminders", schema=None) as batch_op:  # the owner's reminder of a party's withdrawal
        batch_op.drop_constraint(op.f("ck_reminders_reminder_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_reminders_reminder_kind"), sa.text(KIND_CHECK.format(NEW_KINDS)))


def downgrade() -> None:
    op.execute("DELETE FROM reminders WHERE kind = 'withdrawal'")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_reminder_kind"), type_="check")
        batch_op.create_check_constraint(op.f("ck_reminders_reminder_kind"), sa.text(KIND_CHECK.format(OLD_KINDS)))
    with op.batch_alter_table("signatures", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_signatures_signature_method"), type_="check")
        batch_op.drop_column("scan_sha256")
        batch_op.drop_column("scan_content")
        batch_op.drop_column("scan_media_type")
        batch_op.drop_column("scan_file_name")
        batch_op.drop_column("via_link_id")
        batch_op.drop_column("consent_language")
        batch_op.drop_column("consent_text")
        batch_op.drop_column("typed_name")
        batch_op.drop_column("signed_at")
        batch_op.drop_column("method")

    with op.batch_alter_table("party_withdrawals", schema=None) as batch_op:
        batch_op.drop_index("ix_party_withdrawals_status_effective")
        batch_op.drop_index(batch_op.f("ix_party_withdrawals_agreement_id"))

    op.drop_table("party_withdrawals")
