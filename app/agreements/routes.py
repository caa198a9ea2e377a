"""HTTP endpoints for agreements: drafting facts, document versions, signatures and transitions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import Field

from app.agreements import service
from app.agreements.existing_routes import router as existing_router
from app.agreements.schemas import (
    AgreementCreate,
    AgreementFilter,
    AgreementRead,
    AgreementUpdate,
    DocumentVersionCreate,
    DocumentVersionRead,
    DocumentVersionSummary,
    SignatureRead,
)
from app.agreements.signing_routes import router as signing_router
from app.api.deps import CurrentUser, DbSession, ExpectedVersion, IdempotencyKey, TransactionalRoute, set_etag
from app.api.idempotency import replay_or_run
from app.api.paging import page_response
from app.listing import SORT_DESCRIPTION, Page, PageParams, Paging, page_of
from app.partnerships.service import require_on_partnership
from app.schemas import MAX_ID
from app.users.policy import Action, require
from app.workflow.schemas import AvailableTransition, TransitionEventRead, TransitionRequest

router = APIRouter(route_class=TransactionalRoute, tags=["agreements"])
AgreementId = Annotated[int, Path(gt=0, le=MAX_ID, description="Agreement id")]
Trigger = Annotated[str, Path(pattern=r"^[a-z_]{1,60}$", description="A trigger from GET …/transitions")]


class AgreementQuery(AgreementFilter, PageParams):
    """Filters, paging and sorting for the agreement list."""

    sort: service.SortKey | None = Field(None, description=SORT_DESCRIPTION)


def _require(session: DbSession, user: CurrentUser, partnership_id: int, action: Action) -> None:
    require_on_partnership(session, user, partnership_id, action)


def _require_on_agreement(session: DbSession, user: CurrentUser, agreement_id: int, action: Action) -> None:
    _require(session, user, service.get_agreement(session, agreement_id).partnership_id, action)


@router.get("/agreements", response_model=Page[AgreementRead])
def list_agreements(session: DbSession, user: CurrentUser, query: Annotated[AgreementQuery, Query()]) -> Response:
    """Agreements, filtered, sorted and paged."""
    require(user, Action.READ)
    found = service.list_agreements(session, query, query)
    return page_response(Page[AgreementRead].of(found, AgreementRead.model_validate))


@router.post("/agreements", response_model=AgreementRead, status_code=status.HTTP_201_CREATED)
def create_agreement(
    request: Request, session: DbSession, user: CurrentUser, body: AgreementCreate, idempotency_key: IdempotencyKey
) -> Response:
    """Open a draft agreement for a partnership that is formalising or formal (``Idempotency-Key`` welcome)."""

    def run() -> tuple[int, AgreementRead, int, str]:
        agreement = service.create_agreement(session, body, user)
        location = f"/api/v1/agreements/{agreement.id}"
        return 201, AgreementRead.model_validate(agreement), agreement.version, location

    return replay_or_run(session, user, idempotency_key, request, body, run)


@router.get("/agreements/{agreement_id}", response_model=AgreementRead)
def get_agreement(
    session: DbSession, user: CurrentUser, agreement_id: AgreementId, response: Response
) -> AgreementRead:
    """One agreement."""
    require(user, Action.READ)
    agreement = service.get_agreement(session, agreement_id)
    set_etag(response, agreement.version)
    return AgreementRead.model_validate(agreement)


@router.patch("/agreements/{agreement_id}", response_model=AgreementRead)
def update_agreement(
    session: DbSession,
    user: CurrentUser,
    agreement_id: AgreementId,
    body: AgreementUpdate,
    expected_version: ExpectedVersion,
    response: Response,
) -> AgreementRead:
    """Change a draft's title, term or notice period; send ``If-Match`` to refuse a stale write."""
    agreement = service.update_agreement(session, agreement_id, body, expected_version, actor=user)
    set_etag(response, agreement.version)
    return AgreementRead.model_validate(agreement)


@router.get("/agreements/{agreement_id}/versions", response_model=Page[DocumentVersionSummary])
def list_versions(
    session: DbSession, user: CurrentUser, agreement_id: AgreementId, paging: Annotated[Paging, Query()]
) -> Response:
    """Every document version, oldest first, without the text."""
    require(user, Action.READ)
    return page_response(
        Page[DocumentVersionSummary].of(
            page_of(service.list_versions(session, agreement_id), paging), DocumentVersionSummary.model_validate
        )
    )


@router.post(
    "/agreements/{agreement_id}/versions", response_model=DocumentVersionRead, status_code=status.HTTP_201_CREATED
)
def add_version(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    agreement_id: AgreementId,
    body: DocumentVersionCreate,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Store text typed or edited by hand as a new immutable version of a draft (``Idempotency-Key`` welcome)."""

    def run() -> tuple[int, DocumentVersionRead, None, str]:
        version = service.add_typed_version(session, agreement_id, body, user)
        location = f"/api/v1/agreements/{agreement_id}/versions/{version.number}"
        return 201, DocumentVersionRead.model_validate(version), None, location

    return replay_or_run(session, user, idempotency_key, request, body, run)


# ``:int`` so that .../versions/upload and .../versions/generate (POST) are not also a GET of a version "upload".
@router.get("/agreements/{agreement_id}/versions/{number:int}", response_model=DocumentVersionRead)
def get_version(
    session: DbSession,
    user: CurrentUser,
    agreement_id: AgreementId,
    number: Annotated[int, Path(gt=0, le=MAX_ID)],
) -> DocumentVersionRead:
    """One document version with its text."""
    require(user, Action.READ)
    return DocumentVersionRead.model_validate(service.get_version(session, agreement_id, number))


@router.get("/agreements/{agreement_id}/signatures", response_model=Page[SignatureRead])
def list_signatures(
    session: DbSession, user: CurrentUser, agreement_id: AgreementId, paging: Annotated[Paging, Query()]
) -> Response:
    """The signatures recorded, each bound to the hash of the version signed."""
    require(user, Action.READ)
    return page_response(
        Page[SignatureRead].of(
            page_of(service.list_signatures(session, agreement_id), paging), SignatureRead.model_validate
        )
    )


@router.get("/agreements/{agreement_id}/transitions", response_model=Page[AvailableTransition])
def list_transitions(
    session: DbSession, user: CurrentUser, agreement_id: AgreementId, paging: Annotated[Paging, Query()]
) -> Response:
    """The actions available from the current status, each allowed or blocked with the reasons why."""
    require(user, Action.READ)
    return page_response(
        Page[AvailableTransition].of(
            page_of(service.available_transitions(session, agreement_id, user), paging), AvailableTransition.of
        )
    )


@router.post("/agreements/{agreement_id}/transitions/{trigger}", response_model=AgreementRead)
def fire_transition(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    agreement_id: AgreementId,
    trigger: Trigger,
    body: TransitionRequest,
    expected_version: ExpectedVersion,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Move the agreement through the workflow; 409 with the reasons when a guard blocks it.

    Send an ``Idempotency-Key`` to make a retry safe: the same key gets the first answer again.
    """

    def run() -> tuple[int, AgreementRead, int]:
        agreement = service.transition_agreement(
            session, agreement_id, trigger, user, body.comment, expected_version, body.payload
        )
        return 200, AgreementRead.model_validate(agreement), agreement.version

    return replay_or_run(session, user, idempotency_key, request, body, run)


@router.get("/agreements/{agreement_id}/history", response_model=Page[TransitionEventRead])
def history(
    session: DbSession, user: CurrentUser, agreement_id: AgreementId, paging: Annotated[Paging, Query()]
) -> Response:
    """Every status change, oldest first: who, when, from, to, why and with what data."""
    require(user, Action.READ)
    return page_response(
        Page[TransitionEventRead].of(
            page_of(service.agreement_history(session, agreement_id), paging), TransitionEventRead.model_validate
        )
    )


router.include_router(existing_router)  # recording agreements signed before this registry existed
router.include_router(signing_router)  # each party's own signature, withdrawals, the sealed PDF (issue 21)
