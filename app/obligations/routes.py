"""HTTP endpoints for obligations: an agreement's obligations, the list across agreements, one, its transitions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import Field

from app.agreements.routes import AgreementId
from app.api.deps import CurrentUser, DbSession, ExpectedVersion, IdempotencyKey, TransactionalRoute, set_etag
from app.api.idempotency import replay_or_run
from app.api.paging import page_response
from app.listing import SORT_DESCRIPTION, Page, PageParams, Paging, page_of
from app.obligations import service
from app.obligations.schemas import ObligationCreate, ObligationFilter, ObligationRead, ObligationUpdate
from app.schemas import MAX_ID
from app.users.policy import Action, require
from app.workflow.schemas import AvailableTransition, TransitionEventRead, TransitionRequest

router = APIRouter(route_class=TransactionalRoute, tags=["obligations"])
ObligationId = Annotated[int, Path(gt=0, le=MAX_ID, description="Obligation id")]


class ObligationQuery(ObligationFilter, PageParams):
    """Filters, paging and sorting for the obligation list."""

    sort: service.SortKey | None = Field(None, description=SORT_DESCRIPTION)


# ``name`` keeps the operation id this endpoint had when it lived in the agreements router.
@router.get("/agreements/{agreement_id}/obligations", response_model=Page[ObligationRead], name="list_obligations")
def list_agreement_obligations(
    session: DbSession, user: CurrentUser, agreement_id: AgreementId, paging: Annotated[Paging, Query()]
) -> Response:
    """What each party owes, by due date, one page at a time."""
    require(user, Action.READ)
    found = page_of(service.list_for_agreement(session, agreement_id), paging)
    return page_response(Page[ObligationRead].of(found, ObligationRead.model_validate))


@router.post(
    "/agreements/{agreement_id}/obligations", response_model=ObligationRead, status_code=status.HTTP_201_CREATED
)
def add_obligation(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    agreement_id: AgreementId,
    body: ObligationCreate,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Record what a party owes under the agreement (``Idempotency-Key`` welcome)."""

    def run() -> tuple[int, ObligationRead, None, str]:
        obligation = service.add_obligation(session, agreement_id, body, user)
        return 201, ObligationRead.model_validate(obligation), None, f"/api/v1/obligations/{obligation.id}"

    return replay_or_run(session, user, idempotency_key, request, body, run)


@router.get("/obligations", response_model=Page[ObligationRead])
def list_obligations(session: DbSession, user: CurrentUser, query: Annotated[ObligationQuery, Query()]) -> Response:
    """Obligations across agreements, by due date (``status=overdue`` for what needs chasing)."""
    require(user, Action.READ)
    found = service.list_obligations(
        session, query, status=query.status, partnership_id=query.partnership_id, due_before=query.due_before
    )
    return page_response(Page[ObligationRead].of(found, ObligationRead.model_validate))


@router.get("/obligations/{obligation_id}", response_model=ObligationRead)
def get_obligation(
    session: DbSession, user: CurrentUser, obligation_id: ObligationId, response: Response
) -> ObligationRead:
    """One obligation, with its ``ETag``."""
    require(user, Action.READ)
    obligation = service.get_obligation(session, obligation_id)
    set_etag(response, obligation.version)
    return ObligationRead.model_validate(obligation)


@router.patch("/obligations/{obligation_id}", response_model=ObligationRead)
def update_obligation(
    session: DbSession,
    user: CurrentUser,
    obligation_id: ObligationId,
    body: ObligationUpdate,
    expected_version: ExpectedVersion,
    response: Response,
) -> ObligationRead:
    """Change an obligation while its agreement is a draft (409 with the reason otherwise; ``If-Match`` welcome)."""
    obligation = service.update_obligation(session, obligation_id, body, user, expected_version)
    set_etag(response, obligation.version)
    return ObligationRead.model_validate(obligation)


@router.delete("/obligations/{obligation_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_obligation(
    session: DbSession, user: CurrentUser, obligation_id: ObligationId, expected_version: ExpectedVersion
) -> Response:
    """Remove an obligation while its agreement is a draft (409 with the reason once it is not)."""
    service.delete_obligation(session, obligation_id, user, expected_version)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/obligations/{obligation_id}/transitions", response_model=Page[AvailableTransition])
def list_transitions(
    session: DbSession, user: CurrentUser, obligation_id: ObligationId, paging: Annotated[Paging, Query()]
) -> Response:
    """What may be done with the obligation now (fulfil, waive…), each allowed or blocked with the reasons."""
    require(user, Action.READ)
    return page_response(
        Page[AvailableTransition].of(
            page_of(service.available_transitions(session, obligation_id, user), paging), AvailableTransition.of
        )
    )


@router.post("/obligations/{obligation_id}/transitions/{trigger}", response_model=ObligationRead)
def fire_transition(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    obligation_id: ObligationId,
    trigger: Annotated[str, Path(pattern=r"^[a-z_]{1,60}$", description="A trigger from GET …/transitions")],
    body: TransitionRequest,
    expected_version: ExpectedVersion,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Fulfil (with the date and evidence), waive (with the reason) or reopen the obligation (``If-Match`` welcome)."""

    def run() -> tuple[int, ObligationRead, int]:
        moved = service.transition_obligation(
            session, obligation_id, trigger, user, body.comment, body.payload, expected_version
        )
        return 200, ObligationRead.model_validate(moved), moved.version

    return replay_or_run(session, user, idempotency_key, request, body, run)


@router.get("/obligations/{obligation_id}/history", response_model=Page[TransitionEventRead])
def history(
    session: DbSession, user: CurrentUser, obligation_id: ObligationId, paging: Annotated[Paging, Query()]
) -> Response:
    """Every status change of the obligation, oldest first."""
    require(user, Action.READ)
    return page_response(
        Page[TransitionEventRead].of(
            page_of(service.obligation_history(session, obligation_id), paging), TransitionEventRead.model_validate
        )
    )
