"""Completeness scores of the whole portfolio, read from the scores kept per record (``quality_scores``).

The summary counts the records by their pattern of checks, the list of records to fix reads the sort indexes of
``quality_scores`` (the ``stale`` check judged by today's date at read time), and one record's checks are computed
from the source tables by the scored frame of ``app.quality.frames``; all in words in the language in use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, literal, literal_column, or_, select, union_all
from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.errors import NotFound, invalid
from app.i18n import MESSAGES, vocab
from app.listing import Slice
from app.quality import frames, rules, store, tracking
from app.quality.models import QualityScore
from app.quality.rules import CHECKS, ENTITIES, Entity
from app.quality.schemas import (
    CheckResult,
    CheckSummary,
    EntitySummary,
    FailedCheck,
    OverallSummary,
    QualitySummary,
    RecordQuality,
    RecordsQuery,
    RecordsToFix,
    RecordToFix,
)
from app.workflow.definition import get_workflow

SCORES = QualityScore.__table__
PAGES = {"organisation": "/organisations", "partnership": "/partnerships"}


def category_label(entity: str, category: str | None) -> str:
    """A record's category in words in the language in use: a partnership's stage, an organisation's kind."""
    if not category:
        return ""
    if entity == "partnership":
        workflow = get_workflow("partnership")
        return workflow.short_label(category) if category in workflow.states else vocab.words(category)
    return vocab.organisation_kind(category)


def _rounded(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def _stale_now(today: date) -> ColumnElement[bool]:
    """SQL: the record's stale check applies and fails today (no touch since the cutoff day)."""
    day = frames.stale_cutoff(today)[0]
    return and_(SCORES.c.stale_applies.is_(True), or_(SCORES.c.touched_on.is_(None), SCORES.c.touched_on < day))


def summary(session: Session, today: date) -> QualitySummary:
    """Overall and per-entity scores, and how many records fail each check, from the stored scores.

    The records are counted by their pattern of checks (which apply, which fail, stale today or not): a few hundred
    groups, from which every figure follows, since a record's score and weights are those of its pattern.
    """
    tracking.settle(session)
    stale_now = case((_stale_now(today), 1), else_=0).label("stale_now")
    groups = session.execute(
        select(SCORES.c.entity, SCORES.c.applies_mask, SCORES.c.fails_mask, stale_now, func.count()).group_by(
            SCORES.c.entity, SCORES.c.applies_mask, SCORES.c.fails_mask, stale_now
        )
    ).all()
    entities = [_entity_summary(entity, [group[1:] for group in groups if group[0] == entity]) for entity in ENTITIES]
    records = sum(part.records for part in entities)
    applicable = sum(part.applicable for part in entities)
    failed = sum(part.failed for part in entities)
    overall = OverallSummary(
        records=records,
        score=_rounded(sum(part.score_total for part in entities) / records) if records else None,
        weighted_score=_rounded(100 * (applicable - failed) / applicable) if applicable else None,
        records_to_fix=sum(part.summary.records_to_fix for part in entities),
    )
    return QualitySummary(
        as_of=today,
        stale_days=get_settings().quality_stale_days,
        overall=overall,
        entities=[part.summary for part in entities],
    )


@dataclass
class _Totals:
    summary: EntitySummary
    score_total: float
    applicable: int
    failed: int

    @property
    def records(self) -> int:
        return self.summary.records


def _entity_summary(entity: Entity, groups: list[Any]) -> _Totals:
    """One entity's summary from its groups of records (applies mask, fails mask, stale today, how many)."""
    checks = CHECKS[entity]
    applies = [0] * len(checks)
    failing = [0] * len(checks)
    count = to_fix = applicable_total = failed_total = 0
    score_total = 0.0
    for applies_mask, fails_mask, stale_now, number in groups:
        applicable = failed = 0
        for bit, check in enumerate(checks):
            if not applies_mask >> bit & 1:
                continue
            applies[bit] += number
            applicable += check.weight
            if fails_mask >> bit & 1 or (check.name == store.STALE and stale_now):
                failing[bit] += number
                failed += check.weight
        count += number
        to_fix += number if failed else 0
        applicable_total += number * applicable
        failed_total += number * failed
        score_total += number * store.score(applicable, failed)
    summary = EntitySummary(
        entity=entity,
        records=count,
        score=_rounded(score_total / count) if count else None,
        weighted_score=_rounded(100 * (applicable_total - failed_total) / applicable_total)
        if applicable_total
        else None,
        records_to_fix=to_fix,
        checks=[
            CheckSummary(
                name=check.name,
                level=check.level,
                weight=check.weight,
                description=str(check.description),
                problem=str(check.problem),
                applies_to=str(check.applies_to) if check.applies_to else rules.every(entity),
                applicable=applies[index],
                failing=failing[index],
            )
            for index, check in enumerate(checks)
        ],
    )
    return _Totals(summary, score_total, applicable_total, failed_total)


def _validate(query: RecordsQuery) -> list[Entity]:
    """The entities the query lists; an unknown check (for the entity asked) is refused naming ``check``."""
    entities = [query.entity] if query.entity else list(ENTITIES)
    if query.check is not None:
        entities = [entity for entity in entities if any(c.name == query.check for c in CHECKS[entity])]
        if not entities:
            known = ", ".join(rules.check_names(query.entity))
            where = f" for {query.entity}s" if query.entity else ""
            raise invalid(
                "check",
                MESSAGES.gettext(
                    "unknown check {value}{where}; choose one of: {known}",
                    value=repr(query.check[:60]),
                    where=where,
                    known=known,
                ),
            )
    return entities


def _conditions(entity: Entity, state: str, stale_now: ColumnElement[bool], check: str | None) -> list[Any] | None:
    """Which records of ``entity`` whose stale check is in ``state`` today have something (or ``check``) to fix.

    ``fresh``: the stale check passes or does not apply (sorted by the ``*_fresh`` keys); ``stale``: it fails.
    None when there can be none (the stale check among the fresh).
    """
    conditions = [SCORES.c.entity == entity]
    if state == "fresh":
        if check == store.STALE:
            return None
        conditions += [SCORES.c.failed > 0, ~stale_now]
    else:
        conditions.append(stale_now)
    if check is not None and check != store.STALE:
        conditions.append(_failing(entity, check))
    return conditions


def _failing(entity: Entity, check: str) -> ColumnElement[bool]:
    """SQL: the record fails ``check``, written as the predicate of that check's partial index (constants inline)."""
    bit = literal_column(str(1 << next(index for index, each in enumerate(CHECKS[entity]) if each.name == check)))
    return SCORES.c.fails_mask.op("&")(bit) == bit


ORDERS = {
    "impact": lambda impact, score: [impact.desc(), score, SCORES.c.sort_name, SCORES.c.record_id],
    "score": lambda impact, score: [score, impact.desc(), SCORES.c.sort_name, SCORES.c.record_id],
    "name": lambda impact, score: [SCORES.c.sort_name, SCORES.c.record_id],
}


def _branch(state: str, conditions: list[Any], sort: str, limit: int) -> Any:
    """The first ``limit`` records of one branch in the list's order: an index of ``quality_scores``, read in order."""
    impact, score = SCORES.c[f"impact_{state}"], SCORES.c[f"score_{state}"]
    stmt = select(
        SCORES.c.entity, SCORES.c.record_id.label("id"), SCORES.c.name, SCORES.c.reference, SCORES.c.category,
        score.label("score"), impact.label("impact"), SCORES.c.sort_name, SCORES.c.fails_mask,
        literal(state == "stale").label("stale"),
    ).where(*conditions)  # fmt: skip
    return select(stmt.order_by(*ORDERS[sort](impact, score)).limit(limit).subquery())


def _count(session: Session, conditions: list[Any]) -> int:
    return session.scalar(select(func.count()).select_from(SCORES).where(*conditions)) or 0


def _ordering(rows: Any, sort: str) -> list[Any]:
    orders = {
        "impact": [rows.c.impact.desc(), rows.c.score.asc(), rows.c.sort_name, rows.c.id],
        "score": [rows.c.score.asc(), rows.c.impact.desc(), rows.c.sort_name, rows.c.id],
        "name": [rows.c.sort_name, rows.c.entity, rows.c.id],
    }
    return [*orders[sort], rows.c.entity]


def _failed(entity: Entity, fails_mask: int, stale: bool) -> list[FailedCheck]:
    """A record's failed checks, in words, heaviest first."""
    failed = [
        FailedCheck(name=check.name, problem=str(check.problem), weight=check.weight)
        for bit, check in enumerate(CHECKS[entity])
        if fails_mask >> bit & 1 or (stale and check.name == store.STALE)
    ]
    return sorted(failed, key=lambda item: -item.weight)


def records_to_fix(session: Session, today: date, query: RecordsQuery | None = None) -> RecordsToFix:
    """The records failing at least one check (or ``query.check``), sorted and paged, with what to fix."""
    query = query or RecordsQuery()
    entities = _validate(query)
    tracking.settle(session)
    stale_now = _stale_now(today)
    branches = [
        (state, conditions)
        for entity in entities
        for state in ("fresh", "stale")
        if (conditions := _conditions(entity, state, stale_now, query.check)) is not None
    ]
    # Each branch gives its first rows from its index; the page is cut from those few merged.
    wanted = query.page * query.page_size
    # Each branch is counted (from an index) first: an empty one is not read at all, since reading its sort index
    # for rows that are not there would walk the whole of it.
    counted = [(state, conditions, _count(session, conditions)) for state, conditions in branches]
    total = sum(count for _, _, count in counted)
    parts = [
        _branch(state, conditions, query.sort, min(wanted, count)) for state, conditions, count in counted if count
    ]
    page: list[Any] = []
    if parts:
        rows = (union_all(*parts) if len(parts) > 1 else parts[0]).subquery("to_fix")
        ordered = select(rows).order_by(*_ordering(rows, query.sort))
        page = list(session.execute(ordered.limit(query.page_size).offset(wanted - query.page_size)))
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
            failed=_failed(row.entity, row.fails_mask, bool(row.stale)),
        )
        for row in page
    ]
    found = Slice(items=items, total=total, page=query.page, page_size=query.page_size)
    return RecordsToFix.of(found, lambda item: item)


def record_quality(session: Session, entity: Entity, record_id: int, today: date | None = None) -> RecordQuality:
    """Every check of one organisation or partnership: passed, failed or not applicable."""
    today = today or clock.today(get_settings().zone)
    scored = frames.scored(entity, today, [record_id])
    row = session.execute(select(scored)).first()
    if row is None:
        raise NotFound(MESSAGES.gettext("no {entity} has the id {record_id}", entity=entity, record_id=record_id))
    results = []
    for check in CHECKS[entity]:
        flag = row._mapping[check.column]
        status = "not_applicable" if flag is None else "failed" if flag == 1 else "passed"
        results.append(
            CheckResult(
                name=check.name,
                level=check.level,
                weight=check.weight,
                description=str(check.description),
                status=status,
                problem=str(check.problem) if status == "failed" else None,
            )
        )
    return RecordQuality(
        entity=entity, id=row.id, name=row.name, reference=row.reference, category=str(row.category),
        category_label=category_label(entity, row.category), score=_rounded(row.score), impact=_rounded(row.impact),
        as_of=today, checks=results,
    )  # fmt: skip
