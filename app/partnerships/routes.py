"""HTTP endpoints for partnerships, their interactions, undertakings and timeline."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import Field

from app.api.deps import CurrentUser, DbSession, ExpectedVersion, IdempotencyKey, TransactionalRoute, set_etag
from app.api.idempotency import replay_or_run
from app.api.paging import page_response
from app.listing import SORT_DESCRIPTION, Page, PageParams, Paging, page_of
from app.partnerships import service
from app.partnerships.schemas import (
    InteractionCreate,
    InteractionRead,
    PartnershipCreate,
    PartnershipFilter,
    PartnershipRead,
    PartnershipUpdate,
    TimelineEntry,
    UndertakingCreate,
    UndertakingRead,
)
from app.partnerships.timeline import timeline
from app.schemas import MAX_ID, Day, OutputModel
from app.users.policy import Action, require
from app.workflow.schemas import AvailableTransition, TransitionEventRead, TransitionRequest

router = APIRouter(route_class=TransactionalRoute, tags=["partnerships"])
PartnershipId = Annotated[int, Path(gt=0, le=MAX_ID, description="Partnership id")]


class PartnershipQuery(PartnershipFilter, PageParams):
    """Filters, paging and sorting for the partnership list."""

    sort: service.SortKey | None = Field(None, description=SORT_DESCRIPTION)


@router.get("/partnerships", response_model=Page[PartnershipRead])
def list_partnerships(session: DbSession, user: CurrentUser, query: Annotated[PartnershipQuery, Query()]) -> Response:
    """Partnerships, filtered, sorted and paged."""
    require(user, Action.READ)
    found = service.list_page(session, query, query)
    return page_response(Page[PartnershipRead].of(found, PartnershipRead.model_validate))


@router.post("/partnerships", response_model=PartnershipRead, status_code=status.HTTP_201_CREATED)
def create_partnership(
    request: Request, session: DbSession, user: CurrentUser, body: PartnershipCreate, idempotency_key: IdempotencyKey
) -> Response:
    """Open a partnership; it starts as an ad hoc interaction (an ``Idempotency-Key`` makes a retry safe)."""

    def run() -> tuple[int, PartnershipRead, int, str]:
        partnership = service.create_partnership(session, body, user)
        location = f"/api/v1/partnerships/{partnership.id}"
        return 201, PartnershipRead.model_validate(partnership), partnership.version, location

    return replay_or_run(session, user, idempotency_key, request, body, run)


@router.get("/partnerships/{partnership_id}", response_model=PartnershipRead)
def get_partnership(
    session: DbSession, user: CurrentUser, partnership_id: PartnershipId, response: Response
) -> PartnershipRead:
    """One partnership with its parties, areas and people."""
    require(user, Action.READ)
    partnership = service.get_partnership(session, partnership_id)
    set_etag(response, partnership.version)
    return PartnershipRead.model_validate(partnership)


@router.patch("/partnerships/{partnership_id}", response_model=PartnershipRead)
def update_partnership(
    session: DbSession,
    user: CurrentUser,
    partnership_id: PartnershipId,
    body: PartnershipUpdate,
    expected_version: ExpectedVersion,
    response: Response,
) -> PartnershipRead:
    """Change a partnership; send ``If-Match`` to refuse the write if someone changed it meanwhile."""
    partnership = service.update_partnership(session, partnership_id, body, expected_version, actor=user)
    set_etag(response, partnership.version)
    return PartnershipRead.model_validate(partnership)


@router.get("/partnerships/{partnership_id}/interactions", response_model=Page[InteractionRead])
def list_interactions(
    session: DbSession, user: CurrentUser, partnership_id: PartnershipId, paging: Annotated[Paging, Query()]
) -> Response:
    """Ad hoc contacts and events, oldest first."""
    require(user, Action.READ)
    return page_response(
        Page[InteractionRead].of(
            page_of(service.list_interactions(session, partnership_id), paging), InteractionRead.model_validate
        )
    )


@router.post(
    "/partnerships/{partnership_id}/interactions",
    response_model=InteractionRead,
    status_code=status.HTTP_201_CREATED,
)
def record_interaction(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    partnership_id: PartnershipId,
    body: InteractionCreate,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Log an ad hoc contact or event (an ``Idempotency-Key`` makes a retry safe)."""

    def run() -> tuple[int, InteractionRead, None]:
        interaction = service.record_interaction(session, partnership_id, body, user)
        return 201, InteractionRead.model_validate(interaction), None

    return replay_or_run(session, user, idempotency_key, request, body, run)


@router.get("/partnerships/{partnership_id}/undertakings", response_model=Page[UndertakingRead])
def list_undertakings(
    session: DbSession, user: CurrentUser, partnership_id: PartnershipId, paging: Annotated[Paging, Query()]
) -> Response:
    """Agreements in principle, oldest first."""
    require(user, Action.READ)
    return page_response(
        Page[UndertakingRead].of(
            page_of(service.list_undertakings(session, partnership_id), paging), UndertakingRead.model_validate
        )
    )


@router.post(
    "/partnerships/{partnership_id}/undertakings",
    response_model=UndertakingRead,
    status_code=status.HTTP_201_CREATED,
)
def record_undertaking(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    partnership_id: PartnershipId,
    body: UndertakingCreate,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Record an agreement in principle; an ad hoc partnership becomes informal (``Idempotency-Key`` welcome)."""

    def run() -> tuple[int, UndertakingRead, None]:
        undertaking = service.record_undertaking(session, partnership_id, body, user)
        return 201, UndertakingRead.model_validate(undertaking), None

    return replay_or_run(session, user, idempotency_key, request, body, run)


@router.get("/partnerships/{partnership_id}/transitions", response_model=Page[AvailableTransition])
def list_transitions(
    session: DbSession, user: CurrentUser, partnership_id: PartnershipId, paging: Annotated[Paging, Query()]
) -> Response:
    """The actions available from the current stage, each allowed or blocked with the reasons why."""
    require(user, Action.READ)
    return page_response(
        Page[AvailableTransition].of(
            page_of(service.available_transitions(session, partnership_id, user), paging), AvailableTransition.of
        )
    )


@router.post("/partnerships/{partnership_id}/transitions/{trigger}", response_model=PartnershipRead)
def fire_transition(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    partnership_id: PartnershipId,
    trigger: Annotated[str, Path(pattern=r"^[a-z_]{1,60}$", description="A trigger from GET …/transitions")],
    body: TransitionRequest,
    expected_version: ExpectedVersion,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Move the partnership through the workflow; 409 with the reasons when a guard blocks it.

    Send an ``Idempotency-Key`` to make a retry safe: the same key gets the first answer again.
    """

    def run() -> tuple[int, PartnershipRead, int]:
        partnership = service.transition_partnership(
            session, partnership_id, trigger, user, body.comment, expected_version, body.payload
        )
        return 200, PartnershipRead.model_validate(partnership), partnership.version

    return replay_or_run(session, user, idempotency_key, request, body, run)


@router.get("/partnerships/{partnership_id}/history", response_model=Page[TransitionEventRead])
def history(
    session: DbSession, user: CurrentUser, partnership_id: PartnershipId, paging: Annotated[Paging, Query()]
) -> Response:
    """Every stage change, oldest first: who, when, from, to and why."""
    require(user, Action.READ)
    return page_response(
        Page[TransitionEventRead].of(
            page_of(service.partnership_history(session, partnership_id), paging), TransitionEventRead.model_validate
        )
    )


class StageOn(OutputModel):
    """The stage a partnership was in at the end of a day."""

    on: date
    stage: str | None = Field(description="null when the partnership did not exist yet")


@router.get("/partnerships/{partnership_id}/stage", response_model=StageOn)
def stage_on(
    session: DbSession,
    user: CurrentUser,
    partnership_id: PartnershipId,
    on: Annotated[Day, Query(description="A day (YYYY-MM-DD) in the organisation's timezone")],
) -> StageOn:
    """What stage the partnership was in on a given day (at the end of that day), from its history."""
    require(user, Action.READ)
    return StageOn(on=on, stage=service.stage_at_end_of(session, partnership_id, on))


@router.get("/partnerships/{partnership_id}/timeline", response_model=Page[TimelineEntry])
def partnership_timeline(
    session: DbSession, user: CurrentUser, partnership_id: PartnershipId, paging: Annotated[Paging, Query()]
) -> Response:
    """Everything dated about the partnership, in order: contacts, undertakings, changes, deadlines, reminders."""
    require(user, Action.READ)
    return page_response(
        Page[TimelineEntry].of(page_of(timeline(session, partnership_id), paging), lambda entry: entry)
    )
