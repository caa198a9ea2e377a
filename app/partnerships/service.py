"""Rules for partnerships: parties, people, references, and the informal steps before an MOU."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager

from app import clock
from app.agreements.models import Agreement
from app.config import get_settings
from app.db import get_for_update, utcnow
from app.errors import FieldProblem, NotFound, ValidationFailed, invalid
from app.listing import PageParams, Slice, contains_text, order_by, paginate, sort_keys
from app.obligations.models import Obligation, ObligationStatus
from app.organisations.models import AreaOfEngagement, Contact, Organisation
from app.organisations.service import check_version, resolve_areas
from app.partnerships import ownership
from app.partnerships.models import (
    Interaction,
    Partnership,
    PartnershipParty,
    Project,
    ReferenceCounter,
    Undertaking,
)
from app.partnerships.schemas import (
    PARTNER_ROLES,
    InteractionCreate,
    PartnershipCreate,
    PartnershipFilter,
    PartnershipUpdate,
    PartyInput,
    ProjectInput,
    UndertakingCreate,
)
from app.users.models import Role, User
from app.users.policy import Action, can, require
from app.workflow import engine
from app.workflow.models import TransitionEvent

WORKFLOW = "partnership"
SORTABLE = {
    "reference": Partnership.reference,
    "title": Partnership.title,
    "stage": Partnership.stage,
    "created_at": Partnership.created_at,
    "updated_at": Partnership.updated_at,
}
SortKey = sort_keys(SORTABLE)


def next_reference(session: Session, prefix: str = "PA") -> str:
    """The next free reference such as ``PA-2026-0042``, numbered per year, safe under concurrency."""
    return next_references(session, 1, prefix)[0]


def next_references(session: Session, count: int, prefix: str = "PA") -> list[str]:
    """The next ``count`` free references of this year's series, taken in one step (a bulk import's block)."""
    year = clock.today(get_settings().zone).year
    series = f"{prefix}-{year}"
    bump = (
        update(ReferenceCounter)
        .where(ReferenceCounter.series == series)
        .values(last_value=ReferenceCounter.last_value + count)
        .returning(ReferenceCounter.last_value)
    )
    last = session.execute(bump).scalar_one_or_none()
    if last is None:
        try:
            with session.begin_nested():
                session.add(ReferenceCounter(series=series, last_value=count))
            last = count
        except IntegrityError:  # another transaction created the series first
            last = session.execute(bump).scalar_one()
    return [f"{series}-{value:04d}" for value in range(last - count + 1, last + 1)]


def get_partnership(session: Session, partnership_id: int) -> Partnership:
    """The partnership with this id, or ``NotFound``."""
    partnership = session.get(Partnership, partnership_id)
    if partnership is None:
        raise NotFound(f"partnership {partnership_id} does not exist")
    return partnership


def permission_context(partnership: Partnership) -> dict[str, Any]:
    """Who owns ``partnership`` and who is its legal officer, as the permission policy needs them."""
    return {
        "owner_id": partnership.owner_id,
        "legal_officer_id": partnership.legal_officer_id,
        "co_owner_ids": [person.id for person in partnership.co_owners],
    }


def may_on_partnership(session: Session, user: User, partnership_id: int, action: Action) -> bool:
    """Whether ``user`` may perform ``action`` on this partnership (``NotFound`` if it does not exist)."""
    return can(user, action, **permission_context(get_partnership(session, partnership_id)))


def require_on_partnership(session: Session, user: User, partnership_id: int, action: Action) -> None:
    """Raise ``Forbidden`` unless ``user`` may perform ``action`` on this partnership."""
    require(user, action, **permission_context(get_partnership(session, partnership_id)))


def _person_with_role(session: Session, user_id: int, field: str, roles: tuple[Role, ...], what: str) -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise invalid(field, f"user {user_id} does not exist or is deactivated")
    if not user.has_role(*roles):
        raise invalid(field, f"{user.full_name} is not a {what}")
    return user


def _legal_officer(session: Session, user_id: int) -> User:
    return _person_with_role(session, user_id, "legal_officer_id", (Role.LEGAL_OFFICER,), "legal officer")


def _build_parties(session: Session, parties: list[PartyInput]) -> list[PartnershipParty]:
    problems: list[FieldProblem] = []
    seen: set[int] = set()
    built = []
    for index, party in enumerate(parties):
        field = f"parties[{index}]"
        organisation = session.get(Organisation, party.organisation_id)
        if organisation is None:
            problems.append(
                FieldProblem(f"{field}.organisation_id", f"organisation {party.organisation_id} does not exist")
            )
            continue
        if party.organisation_id in seen:
            problems.append(FieldProblem(f"{field}.organisation_id", f"{organisation.legal_name} is listed twice"))
        seen.add(party.organisation_id)
        if party.focal_point_id is not None:
            contact = session.get(Contact, party.focal_point_id)
            if contact is None or contact.organisation_id != organisation.id:
                problems.append(
                    FieldProblem(
                        f"{field}.focal_point_id",
                        f"contact {party.focal_point_id} does not work at {organisation.legal_name}",
                    )
                )
        built.append(PartnershipParty(organisation=organisation, role=party.role, focal_point_id=party.focal_point_id))
    if not any(party.role in PARTNER_ROLES for party in parties):
        problems.append(
            FieldProblem(
                "parties",
                "a partnership needs at least one partner party (lead, co- or implementing partner)",
            )
        )
    if problems:
        raise ValidationFailed(problems)
    return built


def _project(data: ProjectInput | None, existing: Project | None) -> Project | None:
    if data is None:
        return None
    project = existing or Project()
    for name, value in data.model_dump().items():
        setattr(project, name, value)
    return project


def _co_owners(session: Session, user_ids: list[int], owner: User) -> list[User]:
    """The people who share the partnership with its owner, each able to own one (the owner is not listed twice)."""
    people = []
    for user_id in dict.fromkeys(user_ids):
        person = ownership.eligible_owner(session, user_id, "co_owner_ids")
        if person.id != owner.id:
            people.append(person)
    return people


def create_partnership(session: Session, data: PartnershipCreate, actor: User) -> Partnership:
    """Open a partnership (initial stage: ad hoc) with its parties, areas, owner and legal officer."""
    partnership = create_partnerships(session, [data], actor)[0]
    session.flush()
    return partnership


def create_partnerships(
    session: Session,
    items: list[PartnershipCreate],
    actor: User,
    external_refs: list[str | None] | None = None,
    *,
    flush: bool = True,
) -> list[Partnership]:
    """Open several partnerships with the same checks as one, in one step (an import's batch); nothing flushed
    after their creation events are added, so the caller's next flush writes them together. ``external_refs``
    are the references another system knows them by (an inventory's), written with them. ``flush=False`` leaves
    them unwritten, so that a batch moved through the workflow at once is inserted at its stage."""
    refs = external_refs or [None] * len(items)
    codes = list(dict.fromkeys(code for data in items for code in data.area_codes))
    areas = {area.code: area for area in resolve_areas(session, codes)}
    references = next_references(session, len(items)) if items else []
    partnerships = []
    for data, reference, external_ref in zip(items, references, refs, strict=True):
        owner = ownership.eligible_owner(session, data.owner_id or actor.id)
        legal_officer = _legal_officer(session, data.legal_officer_id) if data.legal_officer_id else None
        partnerships.append(
            Partnership(
                reference=reference,
                title=data.title,
                objectives=data.objectives,
                owner=owner,
                co_owners=_co_owners(session, data.co_owner_ids, owner),
                legal_officer=legal_officer,
                project=_project(data.project, None),
                parties=_build_parties(session, data.parties),
                areas=[areas[code.strip()] for code in dict.fromkeys(data.area_codes)],
                handles_personal_data=data.handles_personal_data,
                agreements=[],  # known empty: guards that look at agreements need not load them
                external_ref=external_ref,
            )
        )
    session.add_all(partnerships)
    engine.record_creations(session, WORKFLOW, partnerships, actor.id, flush=flush)
    return partnerships


def update_partnership(
    session: Session,
    partnership_id: int,
    data: PartnershipUpdate,
    expected_version: int | None = None,
    *,
    actor: User,
) -> Partnership:
    """Change the fields given in ``data`` as ``actor`` (the stage changes only through the workflow; the owner only
    as the declared ownership rules allow)."""
    partnership = get_partnership(session, partnership_id)
    check_version("partnership", partnership.version, expected_version)
    fields = data.model_fields_set
    for required in ("title", "owner_id", "parties", "handles_personal_data"):
        if required in fields and getattr(data, required) is None:
            raise invalid(required, "cannot be empty")
    # Look up and check everything before changing the partnership's own row: every flush of a changed row
    # bumps its version, so changing it first would cost one request several versions.
    owner = (
        ownership.check_hand_over(session, partnership, data.owner_id, actor)
        if "owner_id" in fields and data.owner_id is not None
        else None
    )
    legal_officer = _legal_officer(session, data.legal_officer_id) if data.legal_officer_id else None
    areas = resolve_areas(session, data.area_codes or []) if "area_codes" in fields else None
    co_owners = (
        _co_owners(session, data.co_owner_ids or [], owner or partnership.owner) if "co_owner_ids" in fields else None
    )
    if "parties" in fields:
        _replace_parties(session, partnership, data.parties or [])
    if "title" in fields:
        partnership.title = data.title
    if "objectives" in fields:
        partnership.objectives = data.objectives
    if owner is not None:
        ownership.hand_over(session, partnership, owner, actor)
    if "legal_officer_id" in fields:
        partnership.legal_officer = legal_officer
    if "project" in fields:
        partnership.project = _project(data.project, partnership.project)
    if "handles_personal_data" in fields:
        partnership.handles_personal_data = data.handles_personal_data
    if areas is not None:
        partnership.areas = areas
    if co_owners is not None:
        partnership.co_owners = co_owners
    if fields:
        partnership.updated_at = utcnow()  # also bumps the version when only related rows changed
    session.flush()
    return partnership


def _replace_parties(session: Session, partnership: Partnership, parties: list[PartyInput]) -> None:
    """Keep existing party rows (signatures and obligations point at them); add and remove the rest."""
    wanted = {party.organisation_id: party for party in parties}
    _build_parties(session, parties)  # validation only
    existing = {party.organisation_id: party for party in partnership.parties}
    for organisation_id, row in existing.items():
        if organisation_id not in wanted:
            partnership.parties.remove(row)
        else:
            row.role = wanted[organisation_id].role
            row.focal_point_id = wanted[organisation_id].focal_point_id
    for organisation_id, party in wanted.items():
        if organisation_id not in existing:
            partnership.parties.append(
                PartnershipParty(organisation_id=organisation_id, role=party.role, focal_point_id=party.focal_point_id)
            )
    try:
        session.flush()
    except IntegrityError:
        raise invalid("parties", "a party that has signatures or obligations cannot be removed") from None


def list_partnerships(session: Session, filters: PartnershipFilter, params: PageParams) -> Slice:
    """Partnerships matching ``filters``, one page at a time."""
    return paginate(session, selection(session, filters, params.sort), params)


def selection(session: Session, filters: PartnershipFilter, sort: str | None = None) -> Select[tuple[Partnership]]:
    """The partnerships matching ``filters`` in the list's order (unknown stage, area or sort field refused)."""
    stmt = select(Partnership).where(*matching(session, filters))
    return order_by(stmt, sort, SORTABLE, default=[Partnership.id.desc()])


def matching(session: Session, filters: PartnershipFilter) -> list[ColumnElement[bool]]:
    """The SQL conditions that pick the partnerships matching ``filters`` (unknown stage or area refused)."""
    conditions: list[ColumnElement[bool]] = []
    if filters.stage:
        states = engine.get_workflow(WORKFLOW).states
        if filters.stage not in states:
            raise invalid("stage", f"unknown stage {filters.stage!r}; choose one of: {', '.join(states)}")
        conditions.append(Partnership.stage == filters.stage)
    if filters.area:
        area = resolve_areas(session, [filters.area], field="area")[0]
        conditions.append(Partnership.areas.any(AreaOfEngagement.id == area.id))
    party_conditions = []
    if filters.partner_kind:
        party_conditions.append(Organisation.kind == filters.partner_kind)
    if filters.country_code:
        party_conditions.append(Organisation.country_code == filters.country_code)
    if filters.region:
        party_conditions.append(func.lower(Organisation.region) == filters.region.lower())
    if party_conditions:
        conditions.append(Partnership.parties.any(PartnershipParty.organisation.has(and_(*party_conditions))))
    if filters.owner_id:
        conditions.append(Partnership.owner_id == filters.owner_id)
    if filters.legal_officer_id:
        conditions.append(Partnership.legal_officer_id == filters.legal_officer_id)
    if filters.ending_before:
        in_force = Agreement.status.in_(("active", "suspended"))
        conditions.append(Partnership.agreements.any(in_force & (Agreement.end_date < filters.ending_before)))
    if filters.overdue is not None:
        late = (
            select(Obligation.id)
            .join(Agreement, Obligation.agreement_id == Agreement.id)
            .where(Agreement.partnership_id == Partnership.id, Obligation.status == ObligationStatus.OVERDUE)
            .exists()
        )
        conditions.append(late if filters.overdue else ~late)
    if filters.q:
        named_party = Partnership.parties.any(
            PartnershipParty.organisation.has(
                contains_text(filters.q, Organisation.legal_name, Organisation.short_name)
            )
        )
        conditions.append(contains_text(filters.q, Partnership.reference, Partnership.title) | named_party)
    return conditions


def involving(user_id: int) -> ColumnElement[bool]:
    """Partnerships the user owns, shares as a co-owner or advises on as their legal officer."""
    return (
        (Partnership.owner_id == user_id)
        | (Partnership.legal_officer_id == user_id)
        | Partnership.co_owners.any(User.id == user_id)
    )


def count_by_stage(
    session: Session, filters: PartnershipFilter, involving_user_id: int | None = None
) -> dict[str, int]:
    """How many partnerships matching ``filters`` are in each stage, in one GROUP BY query."""
    conditions = matching(session, filters)
    if involving_user_id is not None:
        conditions.append(involving(involving_user_id))
    stmt = select(Partnership.stage, func.count(Partnership.id)).where(*conditions).group_by(Partnership.stage)
    return {stage: count for stage, count in session.execute(stmt)}


def in_stage(
    session: Session,
    filters: PartnershipFilter,
    stage: str,
    *,
    limit: int,
    offset: int = 0,
    involving_user_id: int | None = None,
) -> list[Partnership]:
    """At most ``limit`` partnerships matching ``filters`` in ``stage``, newest first."""
    conditions = [*matching(session, filters), Partnership.stage == stage]
    if involving_user_id is not None:
        conditions.append(involving(involving_user_id))
    stmt = select(Partnership).where(*conditions).order_by(Partnership.id.desc()).limit(limit).offset(offset)
    return list(session.scalars(stmt).unique())


def current_end_dates(session: Session, partnership_ids: list[int]) -> dict[int, date | None]:
    """For each partnership that has an agreement in force, the latest end date among them (``None``: open-ended)."""
    if not partnership_ids:
        return {}
    stmt = (
        select(Agreement.partnership_id, func.max(Agreement.end_date))
        .where(Agreement.partnership_id.in_(partnership_ids), Agreement.status.in_(("active", "suspended")))
        .group_by(Agreement.partnership_id)
    )
    return {partnership_id: end for partnership_id, end in session.execute(stmt)}


def parties_of_organisation(session: Session, organisation_id: int, limit: int = 200) -> list[PartnershipParty]:
    """The organisation's places in partnerships (role, and the partnership with its stage), newest first."""
    stmt = (
        select(PartnershipParty)
        .join(Partnership, PartnershipParty.partnership_id == Partnership.id)
        .where(PartnershipParty.organisation_id == organisation_id)
        .options(contains_eager(PartnershipParty.partnership))
        .order_by(Partnership.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))


def _not_in_future(value: date, field: str, what: str) -> None:
    today = clock.today(get_settings().zone)
    if value > today:
        raise invalid(field, f"{what} cannot be dated in the future ({value} is after today, {today})")


def record_interaction(session: Session, partnership_id: int, data: InteractionCreate, actor: User) -> Interaction:
    """Log an ad hoc contact or event; the partnership keeps its stage."""
    partnership = get_partnership(session, partnership_id)
    _not_in_future(data.occurred_on, "occurred_on", "an interaction")
    interaction = Interaction(**data.model_dump(), recorded_by_id=actor.id)
    partnership.interactions.append(interaction)
    session.flush()
    return interaction


def record_undertaking(session: Session, partnership_id: int, data: UndertakingCreate, actor: User) -> Undertaking:
    """Record an agreement in principle; an ad hoc partnership becomes informal through the workflow."""
    partnership = get_partnership(session, partnership_id)
    _not_in_future(data.given_on, "given_on", "an undertaking")
    if data.organisation_id is not None and data.organisation_id not in {
        p.organisation_id for p in partnership.parties
    }:
        raise invalid(
            "organisation_id",
            f"organisation {data.organisation_id} is not a party to {partnership.reference}",
        )
    undertaking = Undertaking(**data.model_dump(), recorded_by_id=actor.id)
    partnership.undertakings.append(undertaking)
    session.flush()
    if partnership.stage in {"ad_hoc", "informal"}:
        engine.fire(session, WORKFLOW, partnership, "record_undertaking", actor.id, data.scope[:500], actor=actor)
    return undertaking


def list_interactions(session: Session, partnership_id: int) -> list[Interaction]:
    """The partnership's interactions, oldest first."""
    return list(get_partnership(session, partnership_id).interactions)


def list_undertakings(session: Session, partnership_id: int) -> list[Undertaking]:
    """The partnership's undertakings, oldest first."""
    return list(get_partnership(session, partnership_id).undertakings)


def available_transitions(session: Session, partnership_id: int, user: User) -> list[engine.Availability]:
    """What ``user`` may do with the partnership now, with the reasons for what is blocked."""
    return engine.available(session, WORKFLOW, get_partnership(session, partnership_id), user)


def transition_partnership(
    session: Session,
    partnership_id: int,
    trigger: str,
    actor: User,
    comment: str | None = None,
    expected_version: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Partnership:
    """Move the partnership by ``trigger`` through the workflow engine (roles and guards checked)."""
    partnership = get_for_update(session, Partnership, partnership_id, "partnership")
    check_version("partnership", partnership.version, expected_version)
    engine.fire(session, WORKFLOW, partnership, trigger, actor.id, comment, actor=actor, payload=payload)
    return partnership


def partnership_history(session: Session, partnership_id: int) -> list[TransitionEvent]:
    """Every stage change of the partnership, oldest first."""
    get_partnership(session, partnership_id)
    return engine.history(session, WORKFLOW, partnership_id)


def stage_on(session: Session, partnership_id: int, instant: datetime) -> str | None:
    """The stage the partnership was in at ``instant`` (``None`` before it existed)."""
    get_partnership(session, partnership_id)
    stmt = (
        select(TransitionEvent.to_state)
        .where(
            TransitionEvent.entity_type == WORKFLOW,
            TransitionEvent.entity_id == partnership_id,
            TransitionEvent.occurred_at <= instant,
        )
        .order_by(TransitionEvent.occurred_at.desc(), TransitionEvent.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def stage_at_end_of(session: Session, partnership_id: int, day: date) -> str | None:
    """The stage at the end of ``day`` in the organisation's timezone (``None`` before it existed)."""
    zone = get_settings().zone
    end_of_day = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone) - timedelta(microseconds=1)
    return stage_on(session, partnership_id, end_of_day)


def organisation_choices(session: Session) -> list[tuple[int, str]]:
    """Every organisation as ``(id, "Legal name (short name)")``, by name, for choosing a party."""
    rows = session.execute(
        select(Organisation.id, Organisation.legal_name, Organisation.short_name).order_by(
            Organisation.legal_name, Organisation.id
        )
    )
    return [(row.id, f"{row.legal_name} ({row.short_name})" if row.short_name else row.legal_name) for row in rows]


def set_focal_point(
    session: Session,
    partnership_id: int,
    party_id: int,
    focal_point_id: int | None,
    expected_version: int | None = None,
) -> PartnershipParty:
    """Name (or clear, with ``None``) the focal point of one party among its organisation's contacts."""
    partnership = get_for_update(session, Partnership, partnership_id, "partnership")
    check_version("partnership", partnership.version, expected_version)
    party = next((p for p in partnership.parties if p.id == party_id), None)
    if party is None:
        raise NotFound(f"party {party_id} is not a party to {partnership.reference}")
    if focal_point_id is not None:
        contact = session.get(Contact, focal_point_id)
        if contact is None or contact.organisation_id != party.organisation_id:
            where = party.organisation.legal_name
            raise invalid("focal_point_id", f"contact {focal_point_id} does not work at {where}")
    party.focal_point_id = focal_point_id
    partnership.updated_at = utcnow()  # the partnership changed: bump its version
    session.flush()
    return party
