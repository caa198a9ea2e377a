"""Each record's completeness, kept current as records change: one row per organisation and partnership.

A row holds what does not depend on the day — which checks apply and which of them fail (bit ``i`` of the masks
is check ``i`` of ``app.quality.rules.CHECKS[entity]``) — and the last day the record was touched, from which the
``stale`` check is judged at read time (``touched_on < today - stale days``). Its sort keys are kept for both
outcomes of that check (``*_fresh``: it passes or does not apply; ``*_stale``: it fails), so the list of records to
fix reads an index whatever the day. One partial index per check (declared in ``app.quality.store``, which knows the
checks) holds the records failing it. ``app.quality.store`` writes the rows; ``app.quality.tracking`` has every
flush that changes a rule's input rewrite them in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow


class QualityScore(Base):
    """One record's checks: those that apply, those that fail (the stale check aside), and its sort keys."""

    __tablename__ = "quality_scores"

    entity: Mapped[str] = mapped_column(String(20), primary_key=True)  # organisation or partnership
    record_id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    sort_name: Mapped[str] = mapped_column(String(300))  # lower(name), by the database, as the list sorts
    reference: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(60))
    factor: Mapped[float] = mapped_column(Float)
    applies_mask: Mapped[int]
    fails_mask: Mapped[int]  # without the stale check, which is judged by the day
    failed: Mapped[int]  # failed weight, without the stale check
    stale_applies: Mapped[bool]
    touched_on: Mapped[date | None]  # the last local day anything kept the record fresh
    score_fresh: Mapped[float] = mapped_column(Float)
    impact_fresh: Mapped[float] = mapped_column(Float)
    score_stale: Mapped[float] = mapped_column(Float)
    impact_stale: Mapped[float] = mapped_column(Float)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


_table = QualityScore.__table__
for _state in ("fresh", "stale"):
    _impact, _score = _table.c[f"impact_{_state}"], _table.c[f"score_{_state}"]
    # One index per way the list sorts, read from its first row: impact (largest first) or score (lowest first).
    Index(f"ix_quality_scores_{_state}_impact", _table.c.entity, _impact.desc(), _score, _table.c.sort_name,
          _table.c.record_id)  # fmt: skip
    Index(f"ix_quality_scores_{_state}_score", _table.c.entity, _score, _impact.desc(), _table.c.sort_name,
          _table.c.record_id)  # fmt: skip
Index("ix_quality_scores_name", _table.c.entity, _table.c.sort_name, _table.c.record_id)
# The summary's groups and the lists' totals, read from the index alone.
Index("ix_quality_scores_patterns", _table.c.entity, _table.c.stale_applies, _table.c.touched_on, _table.c.failed,
      _table.c.applies_mask, _table.c.fails_mask)  # fmt: skip
