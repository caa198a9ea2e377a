"""Rules for partner organisations and their contacts."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, lazyload

from app.db import among_parameter, utcnow
from app.errors import Conflict, NotFound, invalid
from app.i18n import MESSAGES
from app.listing import PageParams, Slice, by_tiers, order_by, paginate, rows_by_owner, sort_keys
from app.organisations.models import AreaOfEngagement, Contact, Organisation, organisation_areas
from app.organisations.regions import region_after_change, region_of
from app.organisations.schemas import (
    ContactCreate,
    ContactRead,
    ContactUpdate,
    OrganisationCreate,
    OrganisationFilter,
    OrganisationRead,
    OrganisationUpdate,
)
from app.search.models import ORGANISATION
from app.search.service import text_search
from app.users.models import User
from app.users.policy import Action, require
from app.versioning import check_version
from app.workflow.actor import Actor

SORTABLE = {
    "legal_name": Organisation.legal_name,
    "country_code": Organisation.country_code,
    "kind": Organisation.kind,
    "created_at": Organisation.created_at,
    "updated_at": Organisation.updated_at,
}
SortKey = sort_keys(SORTABLE)


def list_areas(session: Session) -> list[AreaOfEngagement]:
    """Every area of engagement, in their seeded order."""
    return list(session.scalars(select(AreaOfEngagement).order_by(AreaOfEngagement.id)))


def resolve_areas(session: Session, codes: list[str], field: str = "area_codes") -> list[AreaOfEngagement]:
    """Turn area codes into rows, refusing any unknown code with the list of known ones."""
    wanted = list(dict.fromkeys(code.strip() for code in codes))
    if not wanted:
        return []
    found = {
        area.code: area for area in session.scalars(select(AreaOfEngagement).where(AreaOfEngagement.code.in_(wanted)))
    }
    unknown = [code for code in wanted if code not in found]
    if unknown:
        known = ", ".join(area.code for area in list_areas(session))
        raise invalid(
            field,
            MESSAGES.gettext(
                "unknown area of engagement {values}; known: {known}", values=", ".join(map(repr, unknown)), known=known
            ),
        )
    return [found[code] for code in wanted]


def get_organisation(session: Session, organisation_id: int) -> Organisation:
    """The organisation with this id, or ``NotFound``."""
    organisation = session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(
            MESSAGES.gettext("organisation {organisation_id} does not exist", organisation_id=organisation_id)
        )
    return organisation


def _refuse_duplicate(session: Session, legal_name: str, country_code: str, except_id: int | None = None) -> None:
    stmt = select(Organisation.id).where(
        func.lower(Organisation.legal_name) == legal_name.lower(), Organisation.country_code == country_code
    )
    if except_id is not None:
        stmt = stmt.where(Organisation.id != except_id)
    existing = session.scalar(stmt)
    if existing is not None:
        raise Conflict(
            MESSAGES.gettext(
                "an organisation named {legal_name} is already registered in {country_code} (id {existing})",
                legal_name=repr(legal_name),
                country_code=country_code,
                existing=existing,
            ),
            [],
        )


def create_organisation(session: Session, data: OrganisationCreate, *, actor: User | Actor) -> Organisation:
    """Register a partner organisation, with its areas and contacts."""
    require(actor, Action.MANAGE_ORGANISATIONS)
    _refuse_duplicate(session, data.legal_name, data.country_code)
    areas = resolve_areas(session, data.area_codes)
    fields = data.model_dump(exclude={"area_codes", "contacts"})
    fields["region"] = fields.get("region") or region_of(data.country_code)  # derived unless set by hand
    organisation = Organisation(
        **fields,
        areas=areas,
        contacts=[Contact(**contact.model_dump()) for contact in data.contacts],
    )
    session.add(organisation)
    session.flush()
    return organisation


def update_organisation(
    session: Session,
    organisation_id: int,
    data: OrganisationUpdate,
    expected_version: int | None = None,
    *,
    actor: User | Actor,
) -> Organisation:
    """Change the fields given in ``data``; refuse if ``expected_version`` is stale."""
    require(actor, Action.MANAGE_ORGANISATIONS)
    organisation = get_organisation(session, organisation_id)
    check_version("organisation", organisation.version, expected_version)
    changes = data.model_dump(exclude_unset=True, exclude={"area_codes"})
    for required in ("legal_name", "kind", "country_code", "correspondence_language"):
        if required in changes and changes[required] is None:
            raise invalid(required, MESSAGES.gettext("cannot be empty"))
    legal_name = changes.get("legal_name", organisation.legal_name)
    country_code = changes.get("country_code", organisation.country_code)
    if (legal_name, country_code) != (organisation.legal_name, organisation.country_code):
        _refuse_duplicate(session, legal_name, country_code, except_id=organisation.id)
    # Resolve before changing anything: a query would autoflush the changes and bump the version twice.
    areas = resolve_areas(session, data.area_codes or []) if "area_codes" in data.model_fields_set else None
    if changes.get("region", organisation.region) is None or (
        "country_code" in changes and "region" not in changes
    ):  # emptied, or the country moved: derived again (a region set by hand stays when only the country moves)
        changes["region"] = region_after_change(organisation.country_code, changes.get("region", organisation.region),
                                                country_code)  # fmt: skip
    for name, value in changes.items():
        setattr(organisation, name, value)
    if areas is not None:
        organisation.areas = areas
    if data.model_fields_set:
        organisation.updated_at = utcnow()  # also bumps the version when only areas changed
    session.flush()
    return organisation


def list_organisations(session: Session, filters: OrganisationFilter, params: PageParams) -> Slice:
    """Organisations matching ``filters``, one page at a time."""
    return paginate(session, selection(session, filters, params.sort), params)


def list_page(session: Session, filters: OrganisationFilter, params: PageParams) -> Slice:
    """Organisations matching ``filters``, one page at a time, each as a mapping of ``OrganisationRead``'s fields.

    The API's list: the page's rows are loaded without their areas and contacts, which are read for the whole page
    at once as rows.
    """
    found = paginate(session, selection(session, filters, params.sort, options=(lazyload("*"),)), params)
    ids = [organisation.id for organisation in found.items]
    areas_of, contacts_of = _item_statements(session.get_bind().dialect.name)
    areas = rows_by_owner(session, areas_of, {"ids": ids})
    contacts = rows_by_owner(session, contacts_of, {"ids": ids})
    found.items = [
        {
            **{name: getattr(organisation, name) for name in ITEM_FIELDS},
            "areas": areas.get(organisation.id, []),
            "contacts": contacts.get(organisation.id, []),
        }
        for organisation in found.items
    ]
    return found


@functools.cache
def _item_statements(dialect: str) -> tuple[Select[Any], Select[Any]]:
    """The areas and the contacts of a list page's organisations (the page's ids as the parameter ``ids``), built
    once per backend: building them on every request cost as much as PostgreSQL took to answer them."""
    areas = (
        select(organisation_areas.c.organisation_id, *AREA_COLUMNS)
        .join(AreaOfEngagement, AreaOfEngagement.id == organisation_areas.c.area_id)
        .where(among_parameter(dialect, organisation_areas.c.organisation_id, "ids"))
        .order_by(AreaOfEngagement.id)
    )
    contact_columns = [Contact.organisation_id.label("owner"), *(getattr(Contact, n) for n in ContactRead.model_fields)]
    contacts = (
        select(*contact_columns).where(among_parameter(dialect, Contact.organisation_id, "ids")).order_by(Contact.id)
    )
    return areas, contacts


AREA_COLUMNS = (AreaOfEngagement.id, AreaOfEngagement.code, AreaOfEngagement.name, AreaOfEngagement.description)
ITEM_FIELDS = tuple(name for name in OrganisationRead.model_fields if name not in {"areas", "contacts"})


def selection(
    session: Session, filters: OrganisationFilter, sort: str | None = None, *, options: Sequence[Any] = ()
) -> Select[tuple[Organisation]]:
    """The organisations matching ``filters`` in the list's order (unknown area or sort field refused), loaded with
    the loader ``options`` given."""
    stmt = select(Organisation).options(*options)
    if filters.kind:
        stmt = stmt.where(Organisation.kind == filters.kind)
    if filters.country_code:
        stmt = stmt.where(Organisation.country_code == filters.country_code)
    if filters.region:
        stmt = stmt.where(func.lower(Organisation.region) == filters.region.lower())
    if filters.area:
        area = resolve_areas(session, [filters.area], field="area")[0]
        stmt = stmt.where(Organisation.areas.any(AreaOfEngagement.id == area.id))
    then = [Organisation.legal_name, Organisation.id]
    if not filters.q:
        return order_by(stmt, sort, SORTABLE, default=then)
    found = text_search(session, ORGANISATION, filters.q)
    listed, base = stmt, found.join(stmt, ORGANISATION, Organisation.id, narrowed=False)
    stmt = base.where(found.condition)
    if sort:  # an explicit sort wins over relevance
        return order_by(stmt, sort, SORTABLE, default=then)
    return by_tiers(stmt.order_by(*found.order, *then), base, listed, found.tiers, then)


def add_contact(session: Session, organisation_id: int, data: ContactCreate, *, actor: User | Actor) -> Contact:
    """Add a person to an organisation."""
    require(actor, Action.MANAGE_ORGANISATIONS)
    organisation = get_organisation(session, organisation_id)
    contact = Contact(**data.model_dump())
    organisation.contacts.append(contact)
    session.flush()
    return contact


def get_contact(session: Session, organisation_id: int, contact_id: int) -> Contact:
    """The contact with this id at this organisation, or ``NotFound``."""
    contact = session.get(Contact, contact_id)
    if contact is None or contact.organisation_id != organisation_id:
        raise NotFound(
            MESSAGES.gettext(
                "contact {contact_id} does not exist at organisation {organisation_id}",
                contact_id=contact_id,
                organisation_id=organisation_id,
            )
        )
    return contact


def update_contact(
    session: Session,
    organisation_id: int,
    contact_id: int,
    data: ContactUpdate,
    expected_version: int | None = None,
    *,
    actor: User | Actor,
) -> Contact:
    """Change the fields given in ``data``; refuse if ``expected_version`` is stale."""
    require(actor, Action.MANAGE_ORGANISATIONS)
    contact = get_contact(session, organisation_id, contact_id)
    check_version("contact", contact.version, expected_version)
    changes = data.model_dump(exclude_unset=True)
    for required in ("name", "is_focal_point"):
        if required in changes and changes[required] is None:
            raise invalid(required, MESSAGES.gettext("cannot be empty"))
    for name, value in changes.items():
        setattr(contact, name, value)
    session.flush()
    return contact


def regions_in_use(session: Session) -> list[str]:
    """The regions organisations are registered in, alphabetically."""
    stmt = select(Organisation.region).where(Organisation.region.is_not(None)).distinct().order_by(Organisation.region)
    return [region for region in session.scalars(stmt) if region]


def countries_in_use(session: Session) -> list[str]:
    """The country codes organisations are registered in, alphabetically."""
    return list(session.scalars(select(Organisation.country_code).distinct().order_by(Organisation.country_code)))


def record_partner_confirmation(session: Session, organisation_id: int, at: datetime) -> Organisation:
    """Note that the partner confirmed the organisation's facts (through a partner link) at ``at``; flush only."""
    organisation = get_organisation(session, organisation_id)
    organisation.partner_confirmed_at = at
    session.flush()
    return organisation
