"""HTTP endpoints for each party's own signature, a party's withdrawal and the sealed PDF (issue 21, item 2)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, File, Form, Path, Response, UploadFile, status
from pydantic import Field

from app.agreements import service, signing, withdrawals
from app.agreements.schemas import SignatureRead
from app.api.deps import CurrentUser, DbSession, TransactionalRoute
from app.api.downloads import file_response
from app.schemas import MAX_ID, InputModel, OutputModel
from app.uploads import document_upload_bytes
from app.users.policy import Action, require
from app.workflow.actor import Actor

router = APIRouter(route_class=TransactionalRoute, tags=["agreements"])
AgreementId = Annotated[int, Path(gt=0, le=MAX_ID, description="Agreement id")]
PartyKey = Annotated[
    str, Path(pattern=r"^(organisation|[1-9][0-9]{0,9})$", description="'organisation' or a partnership party's id")
]
SHA256 = Field(pattern=r"^[0-9a-f]{64}$", description="the SHA-256 of the approved version being signed")


class PartySigningRead(OutputModel):
    """One required signer and where it stands."""

    party: str = Field(description="'organisation' or the party's id")
    name: str
    signed: bool
    signature: SignatureRead | None
    withdrawal_effective_on: date | None = None
    withdrawal_status: str | None = None


class SigningStatusRead(OutputModel):
    """Who has signed the agreement and who is awaited, the version they sign, and the consent text to show."""

    status: str
    version_sha256: str | None
    parties: list[PartySigningRead]
    awaited: list[str]


class ElectronicSignatureCreate(InputModel):
    """A simple electronic signature given by a signatory present with the staff member recording it."""

    typed_name: str = Field(min_length=1, max_length=200, description="the name the signatory typed")
    signatory_title: str = Field(min_length=1, max_length=200)
    consent_text: str = Field(min_length=1, max_length=4000, description="the consent text shown, verbatim")
    consent_language: str = Field("en", pattern=r"^(en|fr|es)$")
    version_sha256: str = SHA256


class WithdrawalCreate(InputModel):
    """A partner party's notice of withdrawal."""

    party_id: int = Field(gt=0, le=MAX_ID)
    reason: str = Field(min_length=1, max_length=2000)
    notice_given_on: date | None = Field(None, description="the day notice was given (default today)")
    effective_on: date | None = Field(None, description="a later date than notice + notice period, if agreed")


class WithdrawalRead(OutputModel):
    """A recorded withdrawal and when it takes effect."""

    id: int
    agreement_id: int
    party_id: int
    notice_given_on: date
    effective_on: date
    reason: str
    status: str
    agreement_status: str


def _status(session: DbSession, agreement_id: int) -> SigningStatusRead:
    agreement = service.get_agreement(session, agreement_id)
    rows = signing.signing_status(session, agreement)
    version = agreement.latest_version
    return SigningStatusRead(
        status=agreement.status,
        version_sha256=agreement.approved_sha256 if version and version.sha256 == agreement.approved_sha256 else None,
        parties=[
            PartySigningRead(
                party=row.key,
                name=row.name,
                signed=row.signature is not None,
                signature=SignatureRead.model_validate(row.signature) if row.signature else None,
                withdrawal_effective_on=row.withdrawal.effective_on if row.withdrawal else None,
                withdrawal_status=str(row.withdrawal.status) if row.withdrawal else None,
            )
            for row in rows
        ],
        awaited=[row.key for row in rows if row.signature is None],
    )


@router.get("/agreements/{agreement_id}/signing", response_model=SigningStatusRead)
def signing_status(session: DbSession, user: CurrentUser, agreement_id: AgreementId) -> SigningStatusRead:
    """Each required party (the organisation and every signing party): signed or awaited, and withdrawals."""
    require(user, Action.READ)
    return _status(session, agreement_id)


@router.post(
    "/agreements/{agreement_id}/signing/{party}/electronic",
    response_model=SignatureRead,
    status_code=status.HTTP_201_CREATED,
)
def sign_electronically(
    session: DbSession, user: CurrentUser, agreement_id: AgreementId, party: PartyKey, body: ElectronicSignatureCreate
) -> SignatureRead:
    """Record a present signatory's simple electronic signature (legal officers and admins); the last one signs."""
    require(user, Action.RECORD_SIGNATURES)
    agreement = service.get_agreement(session, agreement_id)
    signature = signing.sign_electronically(
        session, agreement, signing.party_of(agreement, party), typed_name=body.typed_name,
        signatory_title=body.signatory_title, consent_text=body.consent_text, version_sha256=body.version_sha256,
        via_link_id=None, actor=Actor.person(user), consent_language=body.consent_language,
    )  # fmt: skip
    return SignatureRead.model_validate(signature)


@router.post(
    "/agreements/{agreement_id}/signing/{party}/wet-ink",
    response_model=SignatureRead,
    status_code=status.HTTP_201_CREATED,
)
def record_wet_ink(
    session: DbSession,
    user: CurrentUser,
    agreement_id: AgreementId,
    party: PartyKey,
    file: Annotated[UploadFile, File(description="The scan of the signed page: PDF, PNG or JPEG")],
    signatory_name: Annotated[str, Form(min_length=1, max_length=200)],
    signatory_title: Annotated[str, Form(min_length=1, max_length=200)],
    signed_on: Annotated[date, Form()],
    version_sha256: Annotated[str, Form(pattern=r"^[0-9a-f]{64}$")],
) -> SignatureRead:
    """Record a party's paper signature with the scan (stored with its SHA-256); the last one signs the agreement."""
    require(user, Action.RECORD_SIGNATURES)
    agreement = service.get_agreement(session, agreement_id)
    content = file.file.read(document_upload_bytes() + 1)
    signature = signing.record_wet_ink(
        session, agreement, signing.party_of(agreement, party), signatory_name=signatory_name,
        signatory_title=signatory_title, signed_on=signed_on, scan=content, file_name=file.filename or "scan",
        version_sha256=version_sha256, actor=Actor.person(user),
    )  # fmt: skip
    return SignatureRead.model_validate(signature)


@router.post(
    "/agreements/{agreement_id}/withdrawals", response_model=WithdrawalRead, status_code=status.HTTP_201_CREATED
)
def withdraw(
    session: DbSession, user: CurrentUser, agreement_id: AgreementId, body: WithdrawalCreate
) -> WithdrawalRead:
    """A partner party withdraws; it takes effect at notice + notice period (the last partner: terminated)."""
    require(user, Action.RECORD_SIGNATURES)
    agreement = service.get_agreement(session, agreement_id)
    party = signing.party_of(agreement, body.party_id)
    assert party is not None
    row = withdrawals.withdraw_party(
        session, agreement, party, reason=body.reason, actor=Actor.person(user), notice_given_on=body.notice_given_on,
        effective_on=body.effective_on,
    )  # fmt: skip
    return WithdrawalRead(
        id=row.id, agreement_id=row.agreement_id, party_id=row.party_id, notice_given_on=row.notice_given_on,
        effective_on=row.effective_on, reason=row.reason, status=str(row.status), agreement_status=agreement.status,
    )  # fmt: skip


@router.get(
    "/agreements/{agreement_id}/signed.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The signed PDF, sealed when configured"}},
)
def signed_pdf(session: DbSession, user: CurrentUser, agreement_id: AgreementId) -> Response:
    """The signed agreement's PDF with every signature, sealed with the organisation's certificate (PAdES)."""
    from app.drafting.documents import signed_pdf as render

    require(user, Action.READ)
    output = render(session, agreement_id)
    return file_response(output.content, output.media_type, output.file_name)
