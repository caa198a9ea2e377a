"""Agreements get a human reference (MOU-2026-0042, MOU-2026-0042-EXT1); obligations may survive termination;
organisations with a country and no region get the country's UN M49 sub-region (app/organisations/m49.yaml).

Reference series grow longer than a partnership's (``MOU-2026-0042-EXT``), so the counters' key widens. Existing
agreements are numbered by kind and year of creation, oldest first; one that modifies another takes its parent's
reference and a suffix. The counters are left at the last number given, so new agreements continue the series.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 22:40:00+00:00
"""

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
import yaml
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREFIXES = {"mou": "MOU", "amendment": "AMD", "extension": "EXT", "renewal": "REN", "termination_notice": "TN"}

agreements = sa.table(
    "agreements",
    sa.column("id", sa.Integer),
    sa.column("kind", sa.String),
    sa.column("parent_id", sa.Integer),
    sa.column("created_at", sa.DateTime),
    sa.column("reference", sa.String),
)
counters = sa.table("reference_counters", sa.column("series", sa.String), sa.column("last_value", sa.Integer))


def _backfill() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(agreements.c.id, agreements.c.kind, agreements.c.parent_id, agreements.c.created_at).order_by(
            agreements.c.id
        )
    ).all()
    by_id = {row.id: row for row in rows}
    references: dict[int, str] = {}
    last: dict[str, int] = dict(bind.execute(sa.select(counters.c.series, counters.c.last_value)).all())

    def assign(row) -> str:  # parents first, whatever their ids
        if row.id in references:
            return references[row.id]
        prefix = PREFIXES.get(str(row.kind).lower(), str(row.kind).upper()[:3])
        parent = by_id.get(row.parent_id) if row.kind != "mou" else None
        if parent is not None and parent.id != row.id:
            series = f"{assign(parent)}-{prefix}"
            last[series] = last.get(series, 0) + 1
            reference = f"{series}{last[series]}"
        else:
            series = f"{prefix}-{row.created_at.year if row.created_at else 2026}"
            last[series] = last.get(series, 0) + 1
            reference = f"{series}-{last[series]:04d}"
        references[row.id] = reference
        return reference

    for row in rows:
        assign(row)
    for agreement_id, reference in references.items():
        bind.execute(sa.update(agreements).where(agreements.c.id == agreement_id).values(reference=reference))
    known = set(bind.execute(sa.select(counters.c.series)).scalars())
    for series, value in last.items():
        if series in known:
            bind.execute(sa.update(counters).where(counters.c.series == series).values(last_value=value))
        else:
            bind.execute(sa.insert(counters).values(series=series, last_value=value))


organisations = sa.table(
    "organisations", sa.column("id", sa.Integer), sa.column("country_code", sa.String), sa.column("region", sa.String)
)
M49 = Path(__file__).resolve().parents[2] / "organisations" / "m49.yaml"  # the table the application derives from


def _derive_regions() -> None:
    table = yaml.safe_load(M49.read_text(encoding="utf-8"))["regions"]
    bind = op.get_bind()
    for region, codes in table.items():
        bind.execute(
            sa.update(organisations)
            .where(organisations.c.region.is_(None), organisations.c.country_code.in_(codes))
            .values(region=region)
        )


def upgrade() -> None:
    with op.batch_alter_table("reference_counters", schema=None) as batch_op:  # nothing refers to it: safe to copy
        batch_op.alter_column("series", existing_type=sa.String(length=20), type_=sa.String(length=80))
    # Plain ALTERs, not a batch copy: on SQLite (foreign keys on) dropping the old agreements table would run its
    # ON DELETE actions and take signatures, versions and obligations with it. Uniqueness is a unique index, and
    # the column stays nullable in the schema: every insert gets its reference (app/agreements/models.py).
    op.add_column("agreements", sa.Column("reference", sa.String(length=80), nullable=True))
    _backfill()
    op.create_index(op.f("ix_agreements_reference"), "agreements", ["reference"], unique=True)
    op.add_column(
        "obligations", sa.Column("survives_termination", sa.Boolean(), server_default=sa.false(), nullable=False)
    )
    _derive_regions()  # not undone by downgrade: a region is a fact the schema of 0018 holds as well


def downgrade() -> None:
    op.drop_column("obligations", "survives_termination")
    op.drop_index(op.f("ix_agreements_reference"), table_name="agreements")
    op.drop_column("agreements", "reference")
    ours = sa.or_(*(counters.c.series.like(f"{prefix}-%") for prefix in PREFIXES.values()))
    op.execute(sa.delete(counters).where(ours | (sa.func.length(counters.c.series) > 20)))
    with op.batch_alter_table("reference_counters", schema=None) as batch_op:
        batch_op.alter_column("series", existing_type=sa.String(length=80), type_=sa.String(length=20))
