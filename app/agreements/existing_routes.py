"""HTTP endpoints for recording an agreement signed before this registry existed: upload and read, then confirm."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Request, Response, UploadFile, status

from app.agreements import existing
from app.agreements import service as agreements
from app.agreements.existing_schemas import (
    ExistingAgreementConfirm,
    ExistingUploadRead,
    ProposalsRead,
    SignatureReportRead,
    UploadFingerprint,
)
from app.agreements.schemas import AgreementRead
from app.api.deps import CurrentUser, DbSession, IdempotencyKey, TransactionalRoute
from app.api.downloads import file_response
from app.api.idempotency import replay_or_run
from app.api.problems import ProblemDocument
from app.errors import NotFound
from app.i18n import MESSAGES
from app.schemas import MAX_ID
from app.uploads import document_upload_bytes
from app.users.policy import Action, require

router = APIRouter(route_class=TransactionalRoute, tags=["agreements"])
PartnershipId = Annotated[int, Path(gt=0, le=MAX_ID, description="Partnership id")]
UploadId = Annotated[int, Path(gt=0, le=MAX_ID, description="The upload_id returned by …/extract")]
NEXT_STEP = (
    "Nothing is recorded yet. Check every proposal against the signed copy, correct what is wrong, and POST the "
    "confirmed facts to /api/v1/partnerships/{partnership_id}/existing-agreements with this upload_id and hash."
)
UNSUPPORTED = {415: {"model": ProblemDocument, "description": "The file is neither a PDF nor a Word document"}}


def upload_read(review: existing.Review) -> ExistingUploadRead:
    """A stored signed copy, its proposals and its digital signatures, as the API returns them."""
    version, agreement = review.version, review.agreement
    return ExistingUploadRead(
        upload_id=agreement.id,
        partnership_id=agreement.partnership_id,
        status=agreement.status,
        document_sha256=version.sha256,
        document_version_number=version.number,
        file_name=version.file_name,
        media_type=version.media_type,
        size_bytes=len(version.file_content or b""),
        language=version.language,
        text_read_with=review.read_with,
        text_characters=len(version.body or ""),
        pages=review.pages,
        proposals=ProposalsRead.model_validate(review.proposals),
        digital_signatures=SignatureReportRead.model_validate(review.signatures),
        next_step=NEXT_STEP.format(partnership_id=agreement.partnership_id),
    )


@router.post(
    "/partnerships/{partnership_id}/existing-agreements/extract",
    response_model=ExistingUploadRead,
    status_code=status.HTTP_201_CREATED,
    responses=UNSUPPORTED,
)
def extract(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    partnership_id: PartnershipId,
    file: Annotated[UploadFile, File(description="The signed copy, PDF or Word (.docx), at most 10 MB")],
    idempotency_key: IdempotencyKey,
) -> Response:
    """Store a signed copy as a draft's immutable version and propose its facts; nothing is recorded as signed.

    The proposals (parties, dates, term, notice, signatories) each carry the snippet they came from; a signed PDF's
    digital signatures are checked offline. ``Idempotency-Key`` welcome.
    """
    existing.require_recorder(session, user, partnership_id)  # before the upload is read; the service asks again
    content = file.file.read(document_upload_bytes() + 1)
    fingerprint = UploadFingerprint(
        file_name=file.filename or "", sha256=hashlib.sha256(content).hexdigest(), size=len(content)
    )

    def run() -> tuple[int, ExistingUploadRead, None, str]:
        review = existing.upload_signed_copy(session, partnership_id, content, file.filename, user)
        location = f"/api/v1/partnerships/{partnership_id}/existing-agreements/{review.agreement.id}"
        return 201, upload_read(review), None, location

    return replay_or_run(session, user, idempotency_key, request, fingerprint, run)


# ``:int``: .../existing-agreements/extract (POST) is not also the review of an upload called "extract".
@router.get("/partnerships/{partnership_id}/existing-agreements/{upload_id:int}", response_model=ExistingUploadRead)
def review(session: DbSession, user: CurrentUser, partnership_id: PartnershipId, upload_id: UploadId) -> Any:
    """An uploaded signed copy and its proposals again (legal officers and admins)."""
    existing.require_recorder(session, user, partnership_id)
    return upload_read(existing.review_upload(session, partnership_id, upload_id))


@router.post(
    "/partnerships/{partnership_id}/existing-agreements",
    response_model=AgreementRead,
    status_code=status.HTTP_201_CREATED,
)
def confirm(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    partnership_id: PartnershipId,
    body: ExistingAgreementConfirm,
    idempotency_key: IdempotencyKey,
) -> Response:
    """Record the uploaded copy as signed with the confirmed facts; it becomes signed, active or expired as today needs.

    422 names each field that is wrong (a party missing or not of this partnership, a hash that is not the
    upload's); 409 when the partnership is not formalising or formal, or the copy was already recorded.
    ``Idempotency-Key`` welcome.
    """
    existing.require_recorder(session, user, partnership_id)

    def run() -> tuple[int, AgreementRead, int, str]:
        agreement = existing.confirm_signed_copy(session, partnership_id, body, user)
        return 201, AgreementRead.model_validate(agreement), agreement.version, f"/api/v1/agreements/{agreement.id}"

    return replay_or_run(session, user, idempotency_key, request, body, run)


@router.get(
    "/agreements/{agreement_id}/versions/{number}/file",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, existing.extraction.DOCX_MEDIA_TYPE: {}}}},
)
def original_file(
    session: DbSession,
    user: CurrentUser,
    agreement_id: Annotated[int, Path(gt=0, le=MAX_ID)],
    number: Annotated[int, Path(gt=0, le=MAX_ID)],
) -> Response:
    """The uploaded file of a version exactly as it was stored (its SHA-256 is the version's)."""
    require(user, Action.READ)
    version = agreements.get_version(session, agreement_id, number)
    if version.file_content is None:
        raise NotFound(
            MESSAGES.gettext(
                "version {number} of agreement {agreement_id} was not uploaded as a file",
                number=number,
                agreement_id=agreement_id,
            )
        )
    return file_response(
        version.file_content,
        version.media_type or "application/octet-stream",
        version.file_name,
        fallback=f"agreement-{agreement_id}-v{number}",
        headers={"X-Content-SHA256": version.sha256},
    )
