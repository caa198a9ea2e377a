"""Obligation status is a state of workflows/obligation.yaml: the CHECK constraint that repeated the list goes.

Agreements' and partnerships' states were never constrained in the database; obligations' now are not either, so a
state added to the workflow file needs no migration.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 19:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUS_CHECK = "status IN ('open', 'fulfilled', 'waived', 'overdue')"


def upgrade() -> None:
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_obligations_obligation_status"), type_="check")


def downgrade() -> None:
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.create_check_constraint(op.f("ck_obligations_obligation_status"), sa.text(STATUS_CHECK))
