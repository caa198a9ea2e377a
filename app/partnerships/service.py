"""Rules for partnerships: parties, people, references, and the informal steps before an MOU."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import clock
from app.config import get_settings
from app.db import get_for_update, savepoint, utcnow
from app.errors import NotFound, invalid
from app.i18n import MESSAGES
from app.organisations.models import Contact
from app.organisations.service import resolve_areas
from app.partnerships import ownership
from app.partnerships.models import Interaction, Partnership, PartnershipParty, ReferenceCounter, Undertaking
from app.partnerships.parties import build_parties, project_from, the_legal_officer

# Reading lives in ``queries``; its names stay importable from here, where callers have always found them.
from app.partnerships.queries import (  # noqa: F401
    SORTABLE,
    WORKFLOW,
    SortKey,
    count_by_stage,
    current_end_dates,
    get_partnership,
    in_stage,
    involving,
    list_interactions,
    list_page,
    list_partnerships,
    list_undertakings,
    matching,
    organisation_choices,
    parties_of_organisation,
    partnership_history,
    selection,
    stage_at_end_of,
    stage_on,
)
from app.partnerships.schemas import (
    InteractionCreate,
    PartnershipCreate,
    PartnershipUpdate,
    PartyInput,
    UndertakingCreate,
)
from app.users.models import User
from app.users.policy import Action, can, require
from app.versioning import check_version
from app.workflow import engine
from app.workflow.actor import Actor
from app.workflow.definition import get_workflow

_ = MESSAGES.gettext


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
            with savepoint(session):
                session.add(ReferenceCounter(series=series, last_value=count))
            last = count
        except IntegrityError:  # another transaction created the series first
            last = session.execute(bump).scalar_one()
    return [f"{series}-{value:04d}" for value in range(last - count + 1, last + 1)]


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
    require(actor, Action.CREATE_PARTNERSHIP)
    refs = external_refs or [None] * len(items)
    codes = list(dict.fromkeys(code for data in items for code in data.area_codes))
    areas = {area.code: area for area in resolve_areas(session, codes)}
    references = next_references(session, len(items)) if items else []
    partnerships = []
    for data, reference, external_ref in zip(items, references, refs, strict=True):
        owner = ownership.eligible_owner(session, data.owner_id or actor.id)
        legal_officer = the_legal_officer(session, data.legal_officer_id) if data.legal_officer_id else None
        partnerships.append(
            Partnership(
                reference=reference,
                title=data.title,
                objectives=data.objectives,
                owner=owner,
                co_owners=_co_owners(session, data.co_owner_ids, owner),
                legal_officer=legal_officer,
                project=project_from(data.project, None),
                parties=build_parties(session, data.parties),
                areas=[areas[code.strip()] for code in dict.fromkeys(data.area_codes)],
                handles_personal_data=data.handles_personal_data,
                agreements=[],  # known empty: guards that look at agreements need not load them
                external_ref=external_ref,
            )
        )
    session.add_all(partnerships)
    engine.record_creations(session, WORKFLOW, partnerships, Actor.person(actor), flush=flush)
    return partnerships


def update_partnership(
    session: Session, partnership_id: int, data: PartnershipUpdate, expected_version: int | None = None, *, actor: User
) -> Partnership:
    """Change the fields given in ``data`` as ``actor`` (the stage changes only through the workflow; the owner only
    as the declared ownership rules allow)."""
    partnership = get_partnership(session, partnership_id)
    require(actor, Action.EDIT_PARTNERSHIP, **permission_context(partnership))
    check_version("partnership", partnership.version, expected_version)
    fields = data.model_fields_set
    for required in ("title", "owner_id", "parties", "handles_personal_data"):
        if required in fields and getattr(data, required) is None:
            raise invalid(required, _("cannot be empty"))
    # Look up and check everything before changing the partnership's own row: every flush of a changed row
    # bumps its version, so changing it first would cost one request several versions.
    owner = (
        ownership.check_hand_over(session, partnership, data.owner_id, actor)
        if "owner_id" in fields and data.owner_id is not None
        else None
    )
    legal_officer = the_legal_officer(session, data.legal_officer_id) if data.legal_officer_id else None
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
        partnership.project = project_from(data.project, partnership.project)
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
    build_parties(session, parties)  # validation only
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
        raise invalid("parties", _("a party that has signatures or obligations cannot be removed")) from None


def _not_in_future(value: date, field: str, what: str) -> None:
    today = clock.today(get_settings().zone)
    if value > today:
        raise invalid(
            field,
            _(
                "{what} cannot be dated in the future ({value} is after today, {today})",
                what=what,
                value=value,
                today=today,
            ),
        )


def record_interaction(session: Session, partnership_id: int, data: InteractionCreate, actor: User) -> Interaction:
    """Log an ad hoc contact or event; the partnership keeps its stage."""
    partnership = get_partnership(session, partnership_id)
    require(actor, Action.EDIT_PARTNERSHIP, **permission_context(partnership))
    _not_in_future(data.occurred_on, "occurred_on", "an interaction")
    interaction = Interaction(**data.model_dump(), recorded_by_id=actor.id)
    partnership.interactions.append(interaction)
    session.flush()
    return interaction


def record_undertaking(session: Session, partnership_id: int, data: UndertakingCreate, actor: User) -> Undertaking:
    """Record an agreement in principle; an ad hoc partnership becomes informal through the workflow."""
    partnership = get_partnership(session, partnership_id)
    require(actor, Action.EDIT_PARTNERSHIP, **permission_context(partnership))
    _not_in_future(data.given_on, "given_on", "an undertaking")
    if data.organisation_id is not None and data.organisation_id not in {
        p.organisation_id for p in partnership.parties
    }:
        raise invalid(
            "organisation_id",
            _(
                "organisation {organisation_id} is not a party to {reference}",
                organisation_id=data.organisation_id,
                reference=partnership.reference,
            ),
        )
    undertaking = Undertaking(**data.model_dump(), recorded_by_id=actor.id)
    partnership.undertakings.append(undertaking)
    session.flush()
    if get_workflow(WORKFLOW).find("record_undertaking", partnership.stage) is not None:
        engine.fire(session, WORKFLOW, partnership, "record_undertaking", Actor.person(actor), data.scope[:500])
    return undertaking


def available_transitions(session: Session, partnership_id: int, user: User) -> list[engine.Availability]:
    """What ``user`` may do with the partnership now, with the reasons for what is blocked."""
    return engine.available(session, WORKFLOW, get_partnership(session, partnership_id), Actor.person(user))


def transition_partnership(
    session: Session,
    partnership_id: int,
    trigger: str,
    actor: User,
    comment: str | None = None,
    expected_version: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Partnership:
    """Move the partnership by ``trigger`` through the workflow engine (roles and guards checked).

    Who may fire it is the workflow's YAML roles, checked by ``fire()``; the policy adds whose partnership it is.
    """
    partnership = get_for_update(session, Partnership, partnership_id, "partnership")
    require(actor, Action.EDIT_PARTNERSHIP, **permission_context(partnership))
    check_version("partnership", partnership.version, expected_version)
    engine.fire(session, WORKFLOW, partnership, trigger, Actor.person(actor), comment, payload=payload)
    return partnership


def set_focal_point(
    session: Session,
    partnership_id: int,
    party_id: int,
    focal_point_id: int | None,
    expected_version: int | None = None,
    *,
    actor: User,
) -> PartnershipParty:
    """Name (or clear, with ``None``) the focal point of one party among its organisation's contacts."""
    partnership = get_for_update(session, Partnership, partnership_id, "partnership")
    require(actor, Action.EDIT_PARTNERSHIP, **permission_context(partnership))
    check_version("partnership", partnership.version, expected_version)
    party = next((p for p in partnership.parties if p.id == party_id), None)
    if party is None:
        raise NotFound(
            _("party {party_id} is not a party to {reference}", party_id=party_id, reference=partnership.reference)
        )
    if focal_point_id is not None:
        contact = session.get(Contact, focal_point_id)
        if contact is None or contact.organisation_id != party.organisation_id:
            where = party.organisation.legal_name
            raise invalid(
                "focal_point_id",
                _("contact {focal_point_id} does not work at {where}", focal_point_id=focal_point_id, where=where),
            )
    party.focal_point_id = focal_point_id
    partnership.updated_at = utcnow()  # the partnership changed: bump its version
    session.flush()
    return party
