"""What the API accepts and returns for agreements, their document versions and signatures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field, ValidationInfo, field_validator

from app.agreements.models import AgreementKind
from app.i18n import MESSAGES
from app.schemas import Id, InputModel, Languages, Name, OutputModel, QueryModel, omittable, vocabulary

MAX_NOTICE_DAYS = 3650
MAX_BODY_CHARACTERS = 500_000


def _end_after_effective(end_date: date | None, info: ValidationInfo) -> date | None:
    effective = info.data.get("effective_date")
    if effective and end_date and end_date <= effective:
        raise ValueError(
            MESSAGES.gettext(
                "the end date {end_date} must come after the effective date {effective}",
                end_date=end_date,
                effective=effective,
            )
        )
    return end_date


class AgreementCreate(InputModel):
    """A new written instrument of a partnership; it starts as a draft."""

    partnership_id: Id
    kind: AgreementKind = AgreementKind.MOU
    title: Name
    parent_id: Id | None = Field(None, description="The agreement an amendment, extension or renewal modifies")
    effective_date: date | None = None
    end_date: date | None = None
    notice_period_days: int = Field(30, ge=0, le=MAX_NOTICE_DAYS, description="Written notice needed to terminate")
    languages: Languages = Field(
        default_factory=lambda: ["en"],
        description="The language(s) it is signed in (en, fr, es), each once, the drafting language first",
    )

    _check_term = field_validator("end_date")(_end_after_effective)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "partnership_id": 1,
                    "kind": "mou",
                    "title": "Memorandum of Understanding on community stabilisation in Turkana",
                    "effective_date": "2027-01-01",
                    "end_date": "2028-12-31",
                    "notice_period_days": 60,
                    "languages": ["en", "fr"],
                }
            ]
        }
    }


class AgreementUpdate(InputModel):
    """Changes to a draft agreement; fields left out keep their value."""

    title: Name = omittable()
    effective_date: date | None = None
    end_date: date | None = None
    notice_period_days: int = omittable(ge=0, le=MAX_NOTICE_DAYS)
    languages: Languages = omittable(description="The language(s) it is signed in, each once, the drafting one first")

    _check_term = field_validator("end_date")(_end_after_effective)


class AgreementFilter(QueryModel):
    """Filters for the agreement list."""

    q: str | None = Field(None, max_length=200, description="Text in the title")
    partnership_id: Id | None = None
    status: str | None = Field(None, min_length=1, max_length=60, json_schema_extra=vocabulary("agreement_states"))
    kind: AgreementKind | None = None
    ending_before: date | None = Field(None, description="Only agreements whose end date is before this day")


class AgreementRead(OutputModel):
    """An agreement as returned by the API."""

    id: int
    partnership_id: int
    parent_id: int | None
    kind: AgreementKind
    reference: str = Field(
        description="Human reference, unique: MOU-2026-0042, or MOU-2026-0042-EXT1 for its extension"
    )
    title: str
    status: str
    effective_date: date | None
    end_date: date | None
    notice_period_days: int
    languages: list[str] = Field(description="The language(s) it is signed in, the drafting language first")
    submitted_by_id: int | None
    submitted_version_number: int | None
    approved_by_id: int | None
    approved_at: datetime | None
    approved_version_number: int | None
    approved_sha256: str | None
    terminated_on: date | None
    termination_reason: str | None
    reminder_policy: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    version: int


class DocumentVersionCreate(InputModel):
    """A new version of the agreement's text, typed or edited by hand."""

    body: str = Field(min_length=1, max_length=MAX_BODY_CHARACTERS)
    language: str = Field("en", pattern=r"^[a-z]{2}(-[A-Z]{2})?$")


class DocumentVersionSummary(OutputModel):
    """A document version without its text."""

    number: int
    template_key: str | None
    template_version: str | None
    language: str
    sha256: str
    courtesy_of_sha256: str | None = None
    missing_fields: list[str] | None
    author_id: int | None
    created_at: datetime


class DocumentVersionRead(DocumentVersionSummary):
    """A document version with its text and the variables it was rendered with."""

    body: str | None
    variables: dict[str, Any]


class SignatureRead(OutputModel):
    """A recorded signature, bound to the document version it was given on."""

    id: int
    party_id: int | None
    signatory_name: str
    signatory_title: str
    signed_on: date
    document_sha256: str | None
    recorded_by_id: int | None
    created_at: datetime
    method: str = Field(description="recorded (with the others at once), wet_ink (scan stored) or electronic")
    signed_at: datetime | None = Field(None, description="the moment of an electronic signature")
    typed_name: str | None = None
    consent_text: str | None = Field(None, description="the consent text shown, verbatim (electronic signatures)")
    via_link_id: int | None = Field(None, description="the partner link it came through, if any")
    scan_file_name: str | None = None
    scan_sha256: str | None = Field(None, description="the SHA-256 of the wet-ink scan")
