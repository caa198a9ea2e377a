"""What the API takes and returns when a legal officer records an agreement signed before this registry existed."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, field_validator

from app.agreements.models import AgreementKind
from app.agreements.schemas import MAX_NOTICE_DAYS, _end_after_effective
from app.schemas import Id, InputModel, Name, OutputModel

SHA256_PATTERN = r"^[0-9a-f]{64}$"
MAX_PARTIES = 50


class PartyConfirmation(InputModel):
    """A party bound by the agreement, as the person confirming it read the signed copy; signatory optional."""

    party_id: Id | None = Field(None, description="A party of the partnership; null for the organisation itself")
    signatory_name: Name | None = Field(None, description="Who signed for this party (with signed_on)")
    signatory_title: str | None = Field(None, max_length=200, description="Their title or position")
    signed_on: date | None = Field(None, description="The day they signed (with signatory_name)")


class ExistingAgreementConfirm(InputModel):
    """The confirmed facts of a signed copy uploaded before (``upload_id`` and its hash), to record it as signed."""

    upload_id: Id = Field(description="The upload_id returned by …/existing-agreements/extract")
    document_sha256: str = Field(pattern=SHA256_PATTERN, description="The SHA-256 of the uploaded signed copy")
    title: Name
    kind: AgreementKind = AgreementKind.MOU
    parent_id: Id | None = Field(None, description="The agreement an amendment, extension or renewal modifies")
    effective_date: date
    end_date: date
    notice_period_days: int = Field(30, ge=0, le=MAX_NOTICE_DAYS, description="Written notice needed to terminate")
    parties: list[PartyConfirmation] = Field(
        max_length=MAX_PARTIES,
        description="Every partner bound by the agreement (and optionally the organisation itself, party_id null)",
    )

    _check_term = field_validator("end_date")(_end_after_effective)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "upload_id": 42,
                    "document_sha256": "0" * 64,
                    "title": "Memorandum of Understanding on legal aid for migrants",
                    "kind": "mou",
                    "effective_date": "2023-03-01",
                    "end_date": "2026-02-28",
                    "notice_period_days": 60,
                    "parties": [
                        {"party_id": None, "signatory_name": "Jane Doe", "signed_on": "2023-02-15"},
                        {"party_id": 7, "signatory_name": "John Otieno", "signatory_title": "Executive Director",
                         "signed_on": "2023-02-20"},
                    ],
                }
            ]
        }
    }  # fmt: skip


class UploadFingerprint(InputModel):
    """What identifies an upload for ``Idempotency-Key`` (the file's name and hash)."""

    file_name: str
    sha256: str
    size: int


class DateProposalRead(OutputModel):
    """A date read in the text: what it seems to be (effective, end, signature, other), why, and where."""

    value: date
    reading: str
    basis: str
    snippet: str


class NumberProposalRead(OutputModel):
    """A number proposed (days of notice, months of term), with the words it came from."""

    value: int
    basis: str
    snippet: str


class TextProposalRead(OutputModel):
    """A title or a kind proposed, with the words it came from."""

    value: str
    snippet: str


class PartyProposalRead(OutputModel):
    """An organisation named in the text, matched with a party, the organisation itself, another known one or none."""

    name_in_text: str
    organisation_id: int | None
    organisation_name: str | None
    party_id: int | None
    is_self: bool
    score: float
    snippet: str


class SignatoryProposalRead(OutputModel):
    """A signature block of the text: for whom, who, with what title, on what day."""

    organisation_id: int | None
    party_id: int | None
    is_self: bool
    organisation_text: str
    name: str | None
    title: str | None
    signed_on: date | None
    snippet: str


class ProposalsRead(OutputModel):
    """What the text suggests; every value is to be confirmed or corrected, none is recorded as it stands."""

    title: TextProposalRead | None
    kind: TextProposalRead | None
    effective_date: DateProposalRead | None
    end_date: DateProposalRead | None
    term: NumberProposalRead | None = Field(description="The term in months, when the text gives one")
    notice_period_days: NumberProposalRead | None
    signature_dates: list[DateProposalRead]
    dates: list[DateProposalRead]
    parties: list[PartyProposalRead]
    signatories: list[SignatoryProposalRead]


class SignatureCheckRead(OutputModel):
    """One digital signature of the PDF, checked offline with no trust root."""

    field_name: str
    signer: str | None
    signer_details: str | None
    signed_at: datetime | None
    intact: bool
    covers_whole_file: bool
    modified_after_signing: bool
    trusted: bool
    integrity: str
    trust: str
    summary: str


class SignatureReportRead(OutputModel):
    """The document's digital signatures, as a whole and one by one."""

    signed: bool
    summary: str
    signatures: list[SignatureCheckRead]


class ExistingUploadRead(OutputModel):
    """A stored signed copy (a draft agreement's immutable version) and what it proposes, waiting for confirmation."""

    upload_id: int
    partnership_id: int
    status: str
    document_sha256: str
    document_version_number: int
    file_name: str | None
    media_type: str | None
    size_bytes: int
    language: str
    text_read_with: str
    text_characters: int
    pages: int | None
    proposals: ProposalsRead
    digital_signatures: SignatureReportRead
    next_step: str
