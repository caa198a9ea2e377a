"""Reading partnerships: one by id, the filtered list and its counts, their steps, and their stage over time."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, contains_eager, defaultload, lazyload

from app.agreements.models import Agreement
from app.config import get_settings
from app.db import among, among_parameter
from app.errors import NotFound, invalid
from app.i18n import MESSAGES
from app.listing import PageParams, Slice, by_tiers, order_by, paginate, rows_by_owner, sort_keys
from app.obligations.models import Obligation
from app.organisations.models import AreaOfEngagement, Organisation
from app.organisations.service import AREA_COLUMNS, resolve_areas
from app.partnerships.models import (
    Interaction,
    Partnership,
    PartnershipParty,
    Project,
    Undertaking,
    partnership_areas,
    partnership_co_owners,
)
from app.partnerships.schemas import PartnershipFilter
from app.search.models import PARTNERSHIP, SearchDocument
from app.search.service import text_search
from app.users.models import User
from app.workflow import definition, engine
from app.workflow.definition import states
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


def get_partnership(session: Session, partnership_id: int) -> Partnership:
    """The partnership with this id, or ``NotFound``."""
    partnership = session.get(Partnership, partnership_id)
    if partnership is None:
        raise NotFound(MESSAGES.gettext("partnership {partnership_id} does not exist", partnership_id=partnership_id))
    return partnership


def list_partnerships(session: Session, filters: PartnershipFilter, params: PageParams) -> Slice:
    """Partnerships matching ``filters``, one page at a time.

    A party's organisation is shown as a summary in the list: its areas and contacts are not loaded for it.
    """
    party_organisation = defaultload(Partnership.parties).defaultload(PartnershipParty.organisation)
    summaries = (party_organisation.lazyload(Organisation.areas), party_organisation.lazyload(Organisation.contacts))
    return paginate(session, selection(session, filters, params.sort, options=summaries), params)


def list_page(session: Session, filters: PartnershipFilter, params: PageParams) -> Slice:
    """Partnerships matching ``filters``, one page at a time, each as a mapping of ``PartnershipRead``'s fields.

    The API's list: the page's rows are loaded without their relationships, and what they hold (areas, people,
    parties, project) is read for the whole page at once as rows (``list_items``).
    """
    found = paginate(session, selection(session, filters, params.sort, options=(lazyload("*"),)), params)
    found.items = list_items(session, found.items)
    return found


def list_items(session: Session, partnerships: Sequence[Partnership]) -> list[dict[str, Any]]:
    """Each partnership as a mapping of ``PartnershipRead``'s fields, its related rows read in one query a kind."""
    ids = [partnership.id for partnership in partnerships]
    if not ids:
        return []
    statements = _item_statements(session.get_bind().dialect.name)
    areas = rows_by_owner(session, statements.areas, {"ids": ids})
    co_owners = rows_by_owner(session, statements.co_owners, {"ids": ids})
    named = {p.owner_id for p in partnerships} | {p.legal_officer_id for p in partnerships if p.legal_officer_id}
    people = {row.id: row._asdict() for row in session.execute(statements.people, {"ids": list(named)})}
    parties = rows_by_owner(session, statements.parties, {"ids": ids})
    for party in itertools.chain.from_iterable(parties.values()):
        party["organisation"] = {column.key: party.pop(f"organisation_{column.key}") for column in SUMMARY_COLUMNS}
    project_ids = list({p.project_id for p in partnerships if p.project_id})
    projects = {}
    if project_ids:
        projects = {row.id: row._asdict() for row in session.execute(statements.projects, {"ids": project_ids})}
    return [
        {
            **{name: getattr(partnership, name) for name in ITEM_FIELDS},
            "areas": areas.get(partnership.id, []),
            "owner": people[partnership.owner_id],
            "co_owners": co_owners.get(partnership.id, []),
            "legal_officer": people.get(partnership.legal_officer_id) if partnership.legal_officer_id else None,
            "project": projects.get(partnership.project_id) if partnership.project_id else None,
            "parties": parties.get(partnership.id, []),
        }
        for partnership in partnerships
    ]


@dataclass(frozen=True)
class _ItemStatements:
    """The queries of a list page's items, each taking the page's ids as the parameter ``ids``."""

    areas: Select[Any]
    co_owners: Select[Any]
    people: Select[Any]
    parties: Select[Any]
    projects: Select[Any]


@functools.cache
def _item_statements(dialect: str) -> _ItemStatements:
    """Built once per backend: building them on every request cost as much as PostgreSQL took to answer them."""
    return _ItemStatements(
        areas=select(partnership_areas.c.partnership_id, *AREA_COLUMNS)
        .join(AreaOfEngagement, AreaOfEngagement.id == partnership_areas.c.area_id)
        .where(among_parameter(dialect, partnership_areas.c.partnership_id, "ids"))
        .order_by(AreaOfEngagement.id),
        co_owners=select(partnership_co_owners.c.partnership_id, *PERSON_COLUMNS)
        .join(User, User.id == partnership_co_owners.c.user_id)
        .where(among_parameter(dialect, partnership_co_owners.c.partnership_id, "ids"))
        .order_by(User.id),
        people=select(*PERSON_COLUMNS).where(among_parameter(dialect, User.id, "ids")),
        parties=select(
            PartnershipParty.partnership_id,
            PartnershipParty.id,
            PartnershipParty.role,
            PartnershipParty.focal_point_id,
            *(column.label(f"organisation_{column.key}") for column in SUMMARY_COLUMNS),
        )
        .join(Organisation, Organisation.id == PartnershipParty.organisation_id)
        .where(among_parameter(dialect, PartnershipParty.partnership_id, "ids"))
        .order_by(PartnershipParty.id),
        projects=select(*PROJECT_COLUMNS).where(among_parameter(dialect, Project.id, "ids")),
    )


PERSON_COLUMNS = (User.id, User.full_name, User.email)
SUMMARY_COLUMNS = (Organisation.id, Organisation.legal_name, Organisation.short_name, Organisation.kind,
                   Organisation.country_code, Organisation.region)  # fmt: skip
PROJECT_COLUMNS = (Project.id, Project.name, Project.code, Project.start_date, Project.end_date, Project.objectives)
ITEM_FIELDS = ("id", "reference", "title", "objectives", "stage", "handles_personal_data", "created_at", "updated_at",
               "version")  # fmt: skip


def selection(
    session: Session, filters: PartnershipFilter, sort: str | None = None, *, options: Sequence[Any] = ()
) -> Select[tuple[Partnership]]:
    """The partnerships matching ``filters`` in the list's order (unknown stage, area or sort field refused), loaded
    with the loader ``options`` given."""
    if not filters.q:
        stmt = select(Partnership).options(*options).where(*matching(session, filters))
        return order_by(stmt, sort, SORTABLE, default=[Partnership.id.desc()], tiebreak=Partnership.id)
    found = text_search(session, PARTNERSHIP, filters.q)  # joined once: the condition and the relevance
    listed = select(Partnership).options(*options).where(*matching(session, filters, text=False))
    base = found.join(listed, PARTNERSHIP, Partnership.id, narrowed=False)
    stmt = base.where(found.condition)
    if sort:  # an explicit sort wins over relevance
        return order_by(stmt, sort, SORTABLE, default=[Partnership.id.desc()], tiebreak=Partnership.id)
    then = [Partnership.id.desc()]
    return by_tiers(stmt.order_by(*found.order, *then), base, listed, found.tiers, then)


def matching(session: Session, filters: PartnershipFilter, *, text: bool = True) -> list[ColumnElement[bool]]:
    """The SQL conditions that pick the partnerships matching ``filters`` (unknown stage or area refused).

    ``text=False`` leaves ``q`` out, for a query that joins the search documents itself.
    """
    conditions: list[ColumnElement[bool]] = []
    if filters.stage:
        known = definition.get_workflow(WORKFLOW).states
        if filters.stage not in known:
            raise invalid(
                "stage",
                MESSAGES.gettext(
                    "unknown stage {stage}; choose one of: {values}", stage=repr(filters.stage), values=", ".join(known)
                ),
            )
        conditions.append(Partnership.stage == filters.stage)
    if filters.area:
        area = resolve_areas(session, [filters.area], field="area")[0]
        conditions.append(Partnership.areas.any(AreaOfEngagement.id == area.id))
    party_conditions = []  # on one party, from its copy of its organisation's facts (app.partnerships.facets)
    if filters.partner_kind:
        party_conditions.append(PartnershipParty.organisation_kind == filters.partner_kind)
    if filters.country_code:
        party_conditions.append(PartnershipParty.organisation_country_code == filters.country_code)
    if filters.region:
        party_conditions.append(PartnershipParty.organisation_region_key == filters.region.lower())
    if party_conditions:
        conditions.append(Partnership.id.in_(select(PartnershipParty.partnership_id).where(*party_conditions)))
    if filters.owner_id:
        conditions.append(Partnership.owner_id == filters.owner_id)
    if filters.legal_officer_id:
        conditions.append(Partnership.legal_officer_id == filters.legal_officer_id)
    if filters.ending_before:
        in_force = Agreement.status.in_(sorted(states("agreement", group="in_force")))
        conditions.append(Partnership.agreements.any(in_force & (Agreement.end_date < filters.ending_before)))
    if filters.overdue is not None:
        late = (
            select(Obligation.id)
            .join(Agreement, Obligation.agreement_id == Agreement.id)
            .where(
                Agreement.partnership_id == Partnership.id,
                Obligation.status.in_(sorted(states("obligation", group="late"))),
            )
            .exists()
        )
        conditions.append(late if filters.overdue else ~late)
    if filters.q and text:
        found = text_search(session, PARTNERSHIP, filters.q)
        conditions.append(Partnership.id.in_(select(SearchDocument.id).where(found.condition)))
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
        .where(
            among(session, Agreement.partnership_id, partnership_ids),
            Agreement.status.in_(sorted(states("agreement", group="in_force"))),
        )
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


def list_interactions(session: Session, partnership_id: int) -> list[Interaction]:
    """The partnership's interactions, oldest first."""
    return list(get_partnership(session, partnership_id).interactions)


def list_undertakings(session: Session, partnership_id: int) -> list[Undertaking]:
    """The partnership's undertakings, oldest first."""
    return list(get_partnership(session, partnership_id).undertakings)


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
