"""HTTP endpoints for partner organisations, their contacts and the areas of engagement."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import Field

from app.api.deps import CurrentUser, DbSession, ExpectedVersion, IdempotencyKey, TransactionalRoute, set_etag
from app.api.idempotency import replay_or_run
from app.api.paging import page_response
from app.listing import SORT_DESCRIPTION, Page, PageParams, Paging, page_of
from app.organisations import service
from app.organisations.schemas import (
    AreaRead,
    ContactCreate,
    ContactRead,
    ContactUpdate,
    OrganisationCreate,
    OrganisationFilter,
    OrganisationRead,
    OrganisationUpdate,
)
from app.schemas import MAX_ID
from app.users.policy import Action, require

router = APIRouter(route_class=TransactionalRoute, tags=["organisations"])
OrganisationId = Annotated[int, Path(gt=0, le=MAX_ID, description="Organisation id")]


class OrganisationQuery(OrganisationFilter, PageParams):
    """Filters, paging and sorting for the organisation list."""

    sort: service.SortKey | None = Field(None, description=SORT_DESCRIPTION)


@router.get("/areas", response_model=Page[AreaRead], tags=["areas"])
def list_areas(session: DbSession, user: CurrentUser, paging: Annotated[Paging, Query()]) -> Response:
    """The areas of engagement."""
    require(user, Action.READ)
    return page_response(Page[AreaRead].of(page_of(service.list_areas(session), paging), AreaRead.model_validate))


@router.get("/organisations", response_model=Page[OrganisationRead])
def list_organisations(session: DbSession, user: CurrentUser, query: Annotated[OrganisationQuery, Query()]) -> Response:
    """Organisations, filtered, sorted and paged."""
    require(user, Action.READ)
    found = service.list_page(session, query, query)
    return page_response(Page[OrganisationRead].of(found, OrganisationRead.model_validate))


@router.post("/organisations", response_model=OrganisationRead, status_code=status.HTTP_201_CREATED)
def create_organisation(
    request: Request, session: DbSession, user: CurrentUser, body: OrganisationCreate, idempotency_key: IdempotencyKey
) -> Response:
    """Register a partner organisation (send an ``Idempotency-Key`` to make a retry safe)."""

    def run() -> tuple[int, OrganisationRead, int, str]:
        organisation = service.create_organisation(session, body, actor=user)
        location = f"/api/v1/organisations/{organisation.id}"
        return 201, OrganisationRead.model_validate(organisation), organisation.version, location

    return replay_or_run(session, user, idempotency_key, request, body, run)


@router.get("/organisations/{organisation_id}", response_model=OrganisationRead)
def get_organisation(
    session: DbSession, user: CurrentUser, organisation_id: OrganisationId, response: Response
) -> OrganisationRead:
    """One organisation, with its contacts and areas."""
    require(user, Action.READ)
    organisation = service.get_organisation(session, organisation_id)
    set_etag(response, organisation.version)
    return OrganisationRead.model_validate(organisation)


@router.patch("/organisations/{organisation_id}", response_model=OrganisationRead)
def update_organisation(
    session: DbSession,
    user: CurrentUser,
    organisation_id: OrganisationId,
    body: OrganisationUpdate,
    expected_version: ExpectedVersion,
    response: Response,
) -> OrganisationRead:
    """Change an organisation; send ``If-Match`` to refuse the write if someone changed it meanwhile."""
    organisation = service.update_organisation(session, organisation_id, body, expected_version, actor=user)
    set_etag(response, organisation.version)
    return OrganisationRead.model_validate(organisation)


@router.get("/organisations/{organisation_id}/contacts", response_model=Page[ContactRead])
def list_contacts(
    session: DbSession, user: CurrentUser, organisation_id: OrganisationId, paging: Annotated[Paging, Query()]
) -> Response:
    """The organisation's contacts, one page at a time."""
    require(user, Action.READ)
    found = page_of(service.get_organisation(session, organisation_id).contacts, paging)
    return page_response(Page[ContactRead].of(found, ContactRead.model_validate))


@router.post(
    "/organisations/{organisation_id}/contacts",
    response_model=ContactRead,
    status_code=status.HTTP_201_CREATED,
)
def add_contact(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    organisation_id: OrganisationId,
    body: ContactCreate,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Add a person to an organisation (send an ``Idempotency-Key`` to make a retry safe)."""

    def run() -> tuple[int, ContactRead, None]:
        contact = service.add_contact(session, organisation_id, body, actor=user)
        return 201, ContactRead.model_validate(contact), contact.version

    return replay_or_run(session, user, idempotency_key, request, body, run)


@router.patch("/organisations/{organisation_id}/contacts/{contact_id}", response_model=ContactRead)
def update_contact(
    session: DbSession,
    user: CurrentUser,
    organisation_id: OrganisationId,
    contact_id: Annotated[int, Path(gt=0, le=MAX_ID, description="Contact id")],
    body: ContactUpdate,
    expected_version: ExpectedVersion,
    response: Response,
) -> ContactRead:
    """Change a contact; send ``If-Match`` to refuse the write if someone changed it meanwhile."""
    contact = service.update_contact(session, organisation_id, contact_id, body, expected_version, actor=user)
    set_etag(response, contact.version)
    return ContactRead.model_validate(contact)
