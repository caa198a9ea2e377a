"""Completeness scores of the whole portfolio, computed in SQL: one query per entity, no loop over rows in Python.

Each entity has a *frame*: one row per record, with the aggregates of its related rows outer-joined once (grouped
subqueries, so the database hashes them instead of probing per row) and one flag per check — NULL when the check does
not apply, 0 when it passes, 1 when it fails. The *scored* layer adds the applicable and failed weights, the score
and the impact; the summary aggregates it, the list sorts and pages it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Float, Select, and_, case, cast, func, literal, null, or_, select, union_all
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement, Signature
from app.config import get_settings
from app.errors import NotFound, invalid
from app.obligations.models import Obligation
from app.organisations.models import Contact, Organisation, organisation_areas
from app.partnerships.models import (
    Interaction,
    Partnership,
    PartnershipParty,
    Project,
    Undertaking,
    partnership_areas,
)
from app.quality import rules
from app.quality.rules import CHECKS, ENTITIES, Check, Entity
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
from app.users.models import User
from app.workflow.models import TransitionEvent

PAGES = {"organisation": "/organisations", "partnership": "/partnerships"}


def stale_cutoff(today: date, days: int | None = None) -> tuple[date, datetime]:
    """The first day (and its first instant, in UTC) on which a touch keeps a record fresh."""
    days = get_settings().quality_stale_days if days is None else days
    day = today - timedelta(days=days)
    return day, datetime.combine(day, time.min, tzinfo=get_settings().zone).astimezone(UTC)


def _only(stmt: Select[Any], column: Any, ids: Collection[int] | None) -> Select[Any]:
    return stmt if ids is None else stmt.where(column.in_(list(ids)))


def _flag(check: Check, scope: Any) -> Any:
    passed = check.passes(scope)
    outcome = case((passed, 0), else_=1)
    if check.applies is None:
        return outcome.label(check.column)
    return case((check.applies(scope), outcome), else_=null()).label(check.column)


def _organisation_frame(today: date, ids: Collection[int] | None = None) -> Select[Any]:
    o = Organisation.__table__
    contacts = _only(
        select(
            Contact.organisation_id.label("organisation_id"),
            func.count().label("contacts"),
            func.sum(case((Contact.is_focal_point.is_(True), 1), else_=0)).label("focal_points"),
            func.sum(case((rules._filled(Contact.email), 0), else_=1)).label("without_email"),
            func.max(Contact.created_at).label("last_added"),
        ).group_by(Contact.organisation_id),
        Contact.organisation_id,
        ids,
    ).subquery("contact_totals")
    area_id = organisation_areas.c.organisation_id
    areas = _only(
        select(area_id.label("organisation_id"), func.count().label("areas")).group_by(area_id), area_id, ids
    ).subquery("area_totals")
    formal = _only(
        select(PartnershipParty.organisation_id.label("organisation_id"), func.count().label("formal"))
        .join(Partnership, Partnership.id == PartnershipParty.partnership_id)
        .where(Partnership.stage == "formal")
        .group_by(PartnershipParty.organisation_id),
        PartnershipParty.organisation_id,
        ids,
    ).subquery("formal_totals")
    scope = SimpleNamespace(o=o, contacts=contacts, areas=areas, cutoff=stale_cutoff(today)[1])
    factor = case((rules._some(formal.c.formal), rules.ORGANISATION_FACTOR_IN_FORMAL_PARTNERSHIP), else_=1.0)
    joined = (
        o.outerjoin(contacts, contacts.c.organisation_id == o.c.id)
        .outerjoin(areas, areas.c.organisation_id == o.c.id)
        .outerjoin(formal, formal.c.organisation_id == o.c.id)
    )
    stmt = select(
        o.c.id,
        o.c.legal_name.label("name"),
        cast(null(), o.c.legal_name.type).label("reference"),
        o.c.kind.label("category"),
        factor.label("factor"),
        *(_flag(check, scope) for check in CHECKS["organisation"]),
    ).select_from(joined)
    return _only(stmt, o.c.id, ids)


def _agreement_totals(ids: Collection[int] | None) -> Any:
    """Per partnership: agreements in force, those without an approved signed version, with obligations, and dated."""
    signed = (
        select(Signature.agreement_id.label("agreement_id"), func.count().label("signatures"))
        .join(Agreement, Agreement.id == Signature.agreement_id)
        .where(Signature.document_sha256 == Agreement.approved_sha256)
        .group_by(Signature.agreement_id)
    )
    owed = (
        select(Obligation.agreement_id.label("agreement_id"), func.count().label("obligations"))
        .join(Agreement, Agreement.id == Obligation.agreement_id)
        .group_by(Obligation.agreement_id)
    )
    signed = _only(signed, Agreement.partnership_id, ids).subquery("signed_totals")
    owed = _only(owed, Agreement.partnership_id, ids).subquery("obligation_totals")
    in_force = Agreement.status.in_(rules.IN_FORCE)
    sound = and_(Agreement.approved_version_number.is_not(None), rules._some(signed.c.signatures))
    dated = and_(
        Agreement.status != "cancelled", Agreement.effective_date.is_not(None), Agreement.end_date.is_not(None)
    )
    stmt = (
        select(
            Agreement.partnership_id.label("partnership_id"),
            func.sum(case((in_force, 1), else_=0)).label("in_force"),
            func.sum(case((and_(in_force, sound), 0), (in_force, 1), else_=0)).label("unsound"),
            func.sum(case((and_(Agreement.status.in_(("signed", "active")), sound), 1), else_=0)).label("sound"),
            func.sum(case((and_(in_force, rules._some(owed.c.obligations)), 1), else_=0)).label("with_obligations"),
            func.sum(case((dated, 1), else_=0)).label("dated"),
        )
        .select_from(Agreement)
        .outerjoin(signed, signed.c.agreement_id == Agreement.id)
        .outerjoin(owed, owed.c.agreement_id == Agreement.id)
        .group_by(Agreement.partnership_id)
    )
    return _only(stmt, Agreement.partnership_id, ids).subquery("agreement_totals")


def _recent_touches(today: date, ids: Collection[int] | None) -> Any:
    """Per partnership: how many interactions, undertakings, transitions and agreement edits are recent."""
    day, instant = stale_cutoff(today)
    touches = union_all(
        _only(
            select(Interaction.partnership_id.label("partnership_id")).where(
                or_(Interaction.occurred_on >= day, Interaction.created_at >= instant)
            ),
            Interaction.partnership_id,
            ids,
        ),
        _only(
            select(Undertaking.partnership_id).where(Undertaking.created_at >= instant), Undertaking.partnership_id, ids
        ),
        _only(
            select(TransitionEvent.entity_id).where(
                TransitionEvent.entity_type == "partnership", TransitionEvent.occurred_at >= instant
            ),
            TransitionEvent.entity_id,
            ids,
        ),
        _only(select(Agreement.partnership_id).where(Agreement.updated_at >= instant), Agreement.partnership_id, ids),
    ).subquery("touches")
    return (
        select(touches.c.partnership_id, func.count().label("touches"))
        .group_by(touches.c.partnership_id)
        .subquery("recent_totals")
    )


def _partnership_frame(today: date, ids: Collection[int] | None = None) -> Select[Any]:
    p = Partnership.__table__
    owner = User.__table__.alias("owner")
    project = Project.__table__.alias("project")
    party_of = PartnershipParty.partnership_id
    parties = _only(
        select(
            party_of.label("partnership_id"),
            func.count().label("parties"),
            func.sum(case((PartnershipParty.focal_point_id.is_(None), 1), else_=0)).label("without_focal_point"),
        ).group_by(party_of),
        party_of,
        ids,
    ).subquery("party_totals")
    area_of = partnership_areas.c.partnership_id
    areas = _only(
        select(area_of.label("partnership_id"), func.count().label("areas")).group_by(area_of), area_of, ids
    ).subquery("area_totals")
    undertakings = _only(
        select(Undertaking.partnership_id.label("partnership_id"), func.count().label("undertakings")).group_by(
            Undertaking.partnership_id
        ),
        Undertaking.partnership_id,
        ids,
    ).subquery("undertaking_totals")
    agreements = _agreement_totals(ids)
    recent = _recent_touches(today, ids)
    scope = SimpleNamespace(
        p=p,
        owner=owner,
        project=project,
        parties=parties,
        areas=areas,
        undertakings=undertakings,
        agreements=agreements,
        recent=recent,
        cutoff=stale_cutoff(today)[1],
    )
    factor = case(
        *((p.c.stage == stage, value) for stage, value in rules.PARTNERSHIP_FACTORS.items()),
        else_=1.0,
    )
    joined = (
        p.outerjoin(owner, owner.c.id == p.c.owner_id)
        .outerjoin(project, project.c.id == p.c.project_id)
        .outerjoin(parties, parties.c.partnership_id == p.c.id)
        .outerjoin(areas, areas.c.partnership_id == p.c.id)
        .outerjoin(undertakings, undertakings.c.partnership_id == p.c.id)
        .outerjoin(agreements, agreements.c.partnership_id == p.c.id)
        .outerjoin(recent, recent.c.partnership_id == p.c.id)
    )
    stmt = select(
        p.c.id,
        p.c.title.label("name"),
        p.c.reference.label("reference"),
        p.c.stage.label("category"),
        factor.label("factor"),
        *(_flag(check, scope) for check in CHECKS["partnership"]),
    ).select_from(joined)
    return _only(stmt, p.c.id, ids)


FRAMES = {"organisation": _organisation_frame, "partnership": _partnership_frame}


def _scored(entity: Entity, today: date, ids: Collection[int] | None = None) -> Any:
    """The frame with each record's applicable weight, failed weight, score (0-100) and impact."""
    frame = FRAMES[entity](today, ids).subquery("frame")
    checks = CHECKS[entity]
    flags = [frame.c[check.column] for check in checks]
    applicable = sum(
        (case((flag.is_(None), 0), else_=check.weight) for flag, check in zip(flags, checks, strict=True)),
        start=literal(0),
    )
    failed = sum(
        (case((flag == 1, check.weight), else_=0) for flag, check in zip(flags, checks, strict=True)),
        start=literal(0),
    )
    weights = select(
        frame.c.id, frame.c.name, frame.c.reference, frame.c.category, frame.c.factor, *flags,
        applicable.label("applicable"), failed.label("failed"),
    ).subquery("weights")  # fmt: skip
    score = cast(100.0 * (weights.c.applicable - weights.c.failed), Float) / weights.c.applicable
    impact = cast(weights.c.failed * weights.c.factor, Float)
    return select(*weights.c, score.label("score"), impact.label("impact")).subquery("scored")


def _rounded(value: Any) -> float | None:
    return None if value is None else round(float(value), 1)


def summary(session: Session, today: date) -> QualitySummary:
    """Overall and per-entity scores, and how many records fail each check (one aggregate query per entity)."""
    entities = []
    records = fixes = 0
    score_total = 0.0
    applicable_total = failed_total = 0
    for entity in ENTITIES:
        scored = _scored(entity, today)
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
                        description=check.description,
                        problem=check.problem,
                        applies_to=check.applies_to or f"every {entity}",
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


def _validate(query: RecordsQuery) -> list[Entity]:
    """The entities the query lists; an unknown check (for the entity asked) is refused naming ``check``."""
    entities = [query.entity] if query.entity else list(ENTITIES)
    if query.check is not None:
        entities = [entity for entity in entities if any(c.name == query.check for c in CHECKS[entity])]
        if not entities:
            known = ", ".join(rules.check_names(query.entity))
            where = f" for {query.entity}s" if query.entity else ""
            raise invalid("check", f"unknown check {query.check[:60]!r}{where}; choose one of: {known}")
    return entities


def _part(entity: Entity, today: date, check: str | None) -> Select[Any]:
    scored = _scored(entity, today)
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
    frame = FRAMES[entity](today, ids).subquery("frame")
    found: dict[int, list[FailedCheck]] = {}
    for row in session.execute(select(frame.c.id, *(frame.c[check.column] for check in checks))):
        failed = [
            FailedCheck(name=check.name, problem=check.problem, weight=check.weight)
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
            score=_rounded(row.score),
            impact=_rounded(row.impact),
            url=f"{PAGES[row.entity]}/{row.id}",
            failed=failures[row.entity].get(row.id, []),
        )
        for row in page
    ]
    return RecordsToFix(items=items, total=total, page=query.page, page_size=query.page_size, sort=query.sort)


def record_quality(session: Session, entity: Entity, record_id: int, today: date | None = None) -> RecordQuality:
    """Every check of one organisation or partnership: passed, failed or not applicable."""
    today = today or clock.today(get_settings().zone)
    scored = _scored(entity, today, [record_id])
    row = session.execute(select(scored)).first()
    if row is None:
        raise NotFound(f"no {entity} has the id {record_id}")
    results = []
    for check in CHECKS[entity]:
        flag = row._mapping[check.column]
        status = "not_applicable" if flag is None else "failed" if flag == 1 else "passed"
        results.append(
            CheckResult(
                name=check.name,
                level=check.level,
                weight=check.weight,
                description=check.description,
                status=status,
                problem=check.problem if status == "failed" else None,
            )
        )
    return RecordQuality(
        entity=entity, id=row.id, name=row.name, reference=row.reference, category=str(row.category),
        score=_rounded(row.score), impact=_rounded(row.impact), as_of=today, checks=results,
    )  # fmt: skip
