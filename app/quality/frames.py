"""The frames of the completeness scores: one row per record, its related rows' aggregates and one flag per check.

Each entity's frame outer-joins the aggregates of its related rows once (grouped subqueries, so the database hashes
them instead of probing per row) and carries one flag per check — NULL when the check does not apply, 0 when it
passes, 1 when it fails. :func:`scored` adds the applicable and failed weights, the score and the impact, for
``app.quality.service`` to summarise, sort and page.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import Float, Select, and_, case, cast, func, literal, null, or_, select, union_all

from app.agreements.models import Agreement, Signature
from app.config import get_settings
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
from app.quality.rules import CHECKS, Check, Entity
from app.users.models import User
from app.workflow.models import TransitionEvent


def stale_cutoff(today: date, days: int | None = None) -> tuple[date, datetime]:
    """The first day (and its first instant, in UTC) on which a touch keeps a record fresh."""
    days = get_settings().quality_stale_days if days is None else days
    day = today - timedelta(days=days)
    return day, datetime.combine(day, time.min, tzinfo=get_settings().zone).astimezone(UTC)


def _only(stmt: Select[Any], column: Any, ids: Collection[int] | None) -> Select[Any]:
    """``stmt`` over the records ``ids`` only (all when None; a ``range`` reads as BETWEEN, for a batch)."""
    if ids is None:
        return stmt
    if isinstance(ids, range):
        return stmt.where(column.between(ids.start, ids.stop - 1))
    return stmt.where(column.in_(list(ids)))


def _flag(check: Check, scope: Any) -> Any:
    passed = check.passes(scope)
    outcome = case((passed, 0), else_=1)
    if check.applies is None:
        return outcome.label(check.column)
    return case((check.applies(scope), outcome), else_=null()).label(check.column)


def _organisation_frame(today: date, ids: Collection[int] | None = None, touches: bool = False) -> Select[Any]:
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
        select(PartnershipParty.organisation_id.label("organisation_id"), func.count().label("bound"))
        .join(Partnership, Partnership.id == PartnershipParty.partnership_id)
        .where(rules.in_stages(Partnership.stage, "bound"))
        .group_by(PartnershipParty.organisation_id),
        PartnershipParty.organisation_id,
        ids,
    ).subquery("formal_totals")
    scope = SimpleNamespace(o=o, contacts=contacts, areas=areas, cutoff=stale_cutoff(today)[1])
    factor = case((rules._some(formal.c.bound), rules.ORGANISATION_FACTOR_IN_FORMAL_PARTNERSHIP), else_=1.0)
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
        *(
            (o.c.updated_at.label("updated_at"), contacts.c.last_added.label("last_touch"), null().label("last_met"))
            if touches
            else ()
        ),
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
    in_force = rules.agreement_in(Agreement.status, "signed_and_in_force")
    sound = and_(Agreement.approved_version_number.is_not(None), rules._some(signed.c.signatures))
    dated = and_(
        ~rules.agreement_in(Agreement.status, "abandoned"),
        Agreement.effective_date.is_not(None),
        Agreement.end_date.is_not(None),
    )
    stmt = (
        select(
            Agreement.partnership_id.label("partnership_id"),
            func.sum(case((in_force, 1), else_=0)).label("in_force"),
            func.sum(case((and_(in_force, sound), 0), (in_force, 1), else_=0)).label("unsound"),
            func.sum(case((and_(rules.agreement_in(Agreement.status, "in_good_standing"), sound), 1), else_=0)).label(
                "sound"
            ),
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


def _last_touches(ids: Collection[int] | None) -> Any:
    """Per partnership: the last interaction, undertaking, transition or agreement edit, and the last meeting day."""
    instants = union_all(
        _only(select(Interaction.partnership_id.label("partnership_id"), Interaction.created_at.label("at")),
              Interaction.partnership_id, ids),
        _only(select(Undertaking.partnership_id, Undertaking.created_at), Undertaking.partnership_id, ids),
        _only(select(TransitionEvent.entity_id, TransitionEvent.occurred_at).where(
            TransitionEvent.entity_type == "partnership"), TransitionEvent.entity_id, ids),
        _only(select(Agreement.partnership_id, Agreement.updated_at), Agreement.partnership_id, ids),
    ).subquery("instants")  # fmt: skip
    last = select(instants.c.partnership_id, func.max(instants.c.at).label("last_touch"))
    met = select(
        Interaction.partnership_id.label("partnership_id"), func.max(Interaction.occurred_on).label("last_met")
    )
    return (
        last.group_by(instants.c.partnership_id).subquery("last_touches"),
        _only(met.group_by(Interaction.partnership_id), Interaction.partnership_id, ids).subquery("last_meetings"),
    )


def _partnership_frame(today: date, ids: Collection[int] | None = None, touches: bool = False) -> Select[Any]:
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
    factor = rules.partnership_factor(p.c.stage)
    joined = (
        p.outerjoin(owner, owner.c.id == p.c.owner_id)
        .outerjoin(project, project.c.id == p.c.project_id)
        .outerjoin(parties, parties.c.partnership_id == p.c.id)
        .outerjoin(areas, areas.c.partnership_id == p.c.id)
        .outerjoin(undertakings, undertakings.c.partnership_id == p.c.id)
        .outerjoin(agreements, agreements.c.partnership_id == p.c.id)
        .outerjoin(recent, recent.c.partnership_id == p.c.id)
    )
    extra: tuple[Any, ...] = ()
    if touches:
        last, met = _last_touches(ids)
        joined = joined.outerjoin(last, last.c.partnership_id == p.c.id).outerjoin(met, met.c.partnership_id == p.c.id)
        extra = (p.c.updated_at.label("updated_at"), last.c.last_touch, met.c.last_met)
    stmt = select(
        p.c.id,
        p.c.title.label("name"),
        p.c.reference.label("reference"),
        p.c.stage.label("category"),
        factor.label("factor"),
        *(_flag(check, scope) for check in CHECKS["partnership"]),
        *extra,
    ).select_from(joined)
    return _only(stmt, p.c.id, ids)


FRAMES = {"organisation": _organisation_frame, "partnership": _partnership_frame}


def scored(entity: Entity, today: date, ids: Collection[int] | None = None) -> Any:
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
