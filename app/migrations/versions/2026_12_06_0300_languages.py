"""Languages: each user's, each organisation's and contact's correspondence language, each agreement's signing
languages, and courtesy translations bound to the signed version's hash.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 03:00:00+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("correspondence_language", sa.String(length=8), server_default="en", nullable=False)
        )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.add_column(sa.Column("languages", sa.JSON(), nullable=True))
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("courtesy_of_sha256", sa.String(length=64), nullable=True))
    # An agreement is signed in the language its latest document version was written in.
    op.execute(
        """
        UPDATE agreements SET languages = (
            SELECT '["' || v.language || '"]' FROM document_versions v
            WHERE v.agreement_id = agreements.id ORDER BY v.number DESC LIMIT 1
        )
        WHERE EXISTS (SELECT 1 FROM document_versions v WHERE v.agreement_id = agreements.id)
        """
        if op.get_bind().dialect.name == "sqlite"
        else """
        UPDATE agreements SET languages = json_build_array(v.language)
        FROM (SELECT DISTINCT ON (agreement_id) agreement_id, language FROM document_versions
              ORDER BY agreement_id, number DESC) v
        WHERE v.agreement_id = agreements.id
        """
    )
    op.execute("""UPDATE agreements SET languages = '["en"]' WHERE languages IS NULL""")
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.alter_column("languages", existing_type=sa.JSON(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("document_versions", schema=None) as batch_op:
        batch_op.drop_column("courtesy_of_sha256")
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_column("languages")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("language")
    with op.batch_alter_table("organisations", schema=None) as batch_op:
        batch_op.drop_column("correspondence_language")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("language")
