"""The data-quality answers computed from the source tables on each call (the way they were before
``quality_scores``): the reference the stored scores must equal, in tests, and the baseline of bench/bench_quality.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import Select, case, cast, func, literal, select, union_all
from sqlalchemy.orm import Session

from app.config import get_settings
from app.listing import Slice
from app.quality import frames, rules
from app.quality.rules import CHECKS, ENTITIES, Entity
from app.quality.schemas import (
    CheckSummary,
    EntitySummary,
    FailedCheck,
    OverallSummary,
    QualitySummary,
    RecordsQuery,
    RecordsToFix,
    RecordToFix,
)
from app.quality.service import PAGES, _rounded, _validate, category_label


def summary(session: Session, today: date) -> QualitySummary:
    """Overall and per-entity scores, and how many records fail each check (one aggregate query per entity)."""
    entities = []
    records = fixes = 0
    score_total = 0.0
    applicable_total = failed_total = 0
    for entity in ENTITIES:
        scored = frames.scored(entity, today)
        checks = CHECKS[entity]
        row = session.execute(
            select(
                func.count(),
                func.sum(scored.c.score),
                func.sum(scored.c.applicable),
                func.sum(scored.c.failed),
                func.sum(case((scored.c.failed > 0, 1), else_=0)),
                *(func.count(scored.c[check.column]) for check in checks),
                *(func.sum(case((scored.c[check.column] == 1, 1), else_=0)) for check in checks),
            )
        ).one()
        count, scores, applicable, failed, to_fix = row[0], float(row[1] or 0), row[2] or 0, row[3] or 0, row[4] or 0
        applies, failing = row[5 : 5 + len(checks)], row[5 + len(checks) :]
        entities.append(
            EntitySummary(
                entity=entity,
                records=count,
                score=_rounded(scores / count) if count else None,
                weighted_score=_rounded(100 * (applicable - failed) / applicable) if applicable else None,
                records_to_fix=to_fix,
                checks=[
                    CheckSummary(
                        name=check.name,
                        level=check.level,
                        weight=check.weight,
                        description=str(check.description),
                        problem=str(check.problem),
                        applies_to=str(check.applies_to) if check.applies_to else rules.every(entity),
                        applicable=applies[index] or 0,
                        failing=failing[index] or 0,
                    )
                    for index, check in enumerate(checks)
                ],
            )
        )
        records, fixes, score_total = records + count, fixes + to_fix, score_total + scores
        applicable_total, failed_total = applicable_total + applicable, failed_total + failed
    overall = OverallSummary(
        records=records,
        score=_rounded(score_total / records) if records else None,
        weighted_score=_rounded(100 * (applicable_total - failed_total) / applicable_total)
        if applicable_total
        else None,
        records_to_fix=fixes,
    )
    return QualitySummary(as_of=today, stale_days=get_settings().quality_stale_days, overall=overall, entities=entities)


def _part(entity: Entity, today: date, check: str | None) -> Select[Any]:
    scored = frames.scored(entity, today)
    stmt = select(
        literal(entity).label("entity"),
        scored.c.id,
        scored.c.name,
        scored.c.reference,
        cast(scored.c.category, scored.c.name.type).label("category"),
        scored.c.score,
        scored.c.impact,
    ).where(scored.c.failed > 0)
    if check is not None:
        stmt = stmt.where(scored.c[f"c_{check}"] == 1)
    return stmt


def _ordering(rows: Any, sort: str) -> list[Any]:
    name = func.lower(rows.c.name)
    orders = {
        "impact": [rows.c.impact.desc(), rows.c.score.asc(), name, rows.c.id],
        "score": [rows.c.score.asc(), rows.c.impact.desc(), name, rows.c.id],
        "name": [name, rows.c.entity, rows.c.id],
    }
    return [*orders[sort], rows.c.entity]


def _failures(session: Session, entity: Entity, today: date, ids: Sequence[int]) -> dict[int, list[FailedCheck]]:
    """The failed checks of a few records, in words, heaviest first."""
    if not ids:
        return {}
    checks = CHECKS[entity]
    frame = frames.FRAMES[entity](today, ids).subquery("frame")
    found: dict[int, list[FailedCheck]] = {}
    for row in session.execute(select(frame.c.id, *(frame.c[check.column] for check in checks))):
        failed = [
            FailedCheck(name=check.name, problem=str(check.problem), weight=check.weight)
            for check, flag in zip(checks, row[1:], strict=True)
            if flag == 1
        ]
        found[row[0]] = sorted(failed, key=lambda item: -item.weight)
    return found


def records_to_fix(session: Session, today: date, query: RecordsQuery | None = None) -> RecordsToFix:
    """The records failing at least one check (or ``query.check``), sorted and paged, with what to fix."""
    query = query or RecordsQuery()
    entities = _validate(query)
    parts = [_part(entity, today, query.check) for entity in entities]
    rows = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("to_fix")
    page = session.execute(
        select(rows, func.count().over().label("total_rows"))  # the total in the same pass as the page
        .order_by(*_ordering(rows, query.sort))
        .limit(query.page_size)
        .offset((query.page - 1) * query.page_size)
    ).all()
    total = page[0].total_rows if page else session.scalar(select(func.count()).select_from(rows)) or 0
    failures = {
        entity: _failures(session, entity, today, [row.id for row in page if row.entity == entity])
        for entity in entities
    }
    items = [
        RecordToFix(
            entity=row.entity,
            id=row.id,
            name=row.name,
            reference=row.reference,
            category=str(row.category),
            category_label=category_label(row.entity, row.category),
            score=_rounded(row.score),
            impact=_rounded(row.impact),
            url=f"{PAGES[row.entity]}/{row.id}",
            failed=failures[row.entity].get(row.id, []),
        )
        for row in page
    ]
    found = Slice(items=items, total=total, page=query.page, page_size=query.page_size)
    return RecordsToFix.of(found, lambda item: item)
