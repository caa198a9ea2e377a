"""What the API and CLI accept and return for partnerships and their informal steps."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field, ValidationInfo, field_validator

from app.i18n import MESSAGES
from app.organisations.models import OrganisationKind
from app.organisations.schemas import AreaRead
from app.partnerships.models import InteractionKind, PartyRole, UndertakingForm
from app.schemas import (
    AreaCode,
    CountryCode,
    Id,
    InputModel,
    LongText,
    Name,
    OutputModel,
    QueryModel,
    ShortText,
    omittable,
    vocabulary,
)

PARTNER_ROLES = frozenset({PartyRole.LEAD_PARTNER, PartyRole.CO_PARTNER, PartyRole.IMPLEMENTING_PARTNER})


class PartyInput(InputModel):
    """An organisation taking part, in a role, with an optional focal point among its contacts."""

    organisation_id: Id
    role: PartyRole
    focal_point_id: Id | None = None


class ProjectInput(InputModel):
    """The project or programme a partnership serves."""

    name: Name
    code: ShortText | None = Field(None, max_length=60)
    start_date: date | None = None
    end_date: date | None = None
    objectives: LongText | None = None

    @field_validator("end_date")
    @classmethod
    def _end_not_before_start(cls, end_date: date | None, info: ValidationInfo) -> date | None:
        start_date = info.data.get("start_date")
        if start_date and end_date and end_date < start_date:
            raise ValueError(
                MESSAGES.gettext(
                    "the project end date {end_date} is before its start date {start_date}",
                    end_date=end_date,
                    start_date=start_date,
                )
            )
        return end_date


class PartnershipCreate(InputModel):
    """A new partnership; it starts as an ad hoc interaction."""

    title: Name
    objectives: LongText | None = None
    area_codes: list[AreaCode] = Field(default_factory=list, description="Codes of areas of engagement")
    owner_id: Id | None = Field(None, description="Project manager who owns it; defaults to the caller")
    co_owner_ids: list[Id] = Field(default_factory=list, max_length=20, description="Managers who share it")
    legal_officer_id: Id | None = None
    project: ProjectInput | None = None
    parties: list[PartyInput] = Field(min_length=1, description="At least one partner organisation")
    handles_personal_data: bool = False

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "title": "Community stabilisation in Turkana",
                    "area_codes": ["humanitarian", "community_development"],
                    "parties": [{"organisation_id": 1, "role": "lead_partner"}],
                    "project": {
                        "name": "Turkana Resilience",
                        "code": "KE-TR-01",
                        "start_date": "2026-01-01",
                        "end_date": "2027-12-31",
                    },
                }
            ]
        }
    }


class PartnershipUpdate(InputModel):
    """Changes to a partnership; omitted fields stay as they are. ``parties`` replaces the whole list."""

    title: Name = omittable()
    objectives: LongText | None = None
    area_codes: list[AreaCode] | None = None
    owner_id: Id = omittable()
    co_owner_ids: list[Id] | None = Field(None, max_length=20)
    legal_officer_id: Id | None = None
    project: ProjectInput | None = None
    parties: list[PartyInput] = omittable(min_length=1)
    handles_personal_data: bool = omittable()


class PersonRead(OutputModel):
    """A user, as named on a partnership."""

    id: int
    full_name: str
    email: str


class OrganisationSummary(OutputModel):
    """The few facts about an organisation that a partnership shows."""

    id: int
    legal_name: str
    short_name: str | None
    kind: OrganisationKind
    country_code: str
    region: str | None


class PartyRead(OutputModel):
    """A party to a partnership."""

    id: int
    organisation: OrganisationSummary
    role: PartyRole
    focal_point_id: int | None


class ProjectRead(OutputModel):
    """A project or programme."""

    id: int
    name: str
    code: str | None
    start_date: date | None
    end_date: date | None
    objectives: str | None


class PartnershipRead(OutputModel):
    """A partnership as returned by the API."""

    id: int
    reference: str
    title: str
    objectives: str | None
    stage: str
    areas: list[AreaRead]
    owner: PersonRead
    co_owners: list[PersonRead]
    legal_officer: PersonRead | None
    project: ProjectRead | None
    parties: list[PartyRead]
    handles_personal_data: bool
    created_at: datetime
    updated_at: datetime
    version: int


class PartnershipFilter(QueryModel):
    """Filters for the partnership list."""

    q: str | None = Field(None, max_length=200, description="Text in the reference, title or a party's name")
    stage: str | None = Field(None, min_length=1, max_length=60, json_schema_extra=vocabulary("partnership_stages"))
    area: AreaCode | None = Field(None, description="Code of an area of engagement")
    partner_kind: OrganisationKind | None = None
    country_code: CountryCode | None = None
    region: str | None = Field(None, max_length=100)
    owner_id: Id | None = None
    legal_officer_id: Id | None = None
    ending_before: date | None = Field(None, description="With an agreement in force that ends before this day")
    overdue: bool | None = Field(None, description="true: with an overdue obligation; false: without one")


class InteractionCreate(InputModel):
    """An ad hoc contact or event."""

    occurred_on: date
    kind: InteractionKind
    summary: LongText = Field(min_length=1)
    participants: LongText | None = None


class InteractionRead(OutputModel):
    """An interaction as returned by the API."""

    id: int
    partnership_id: int
    occurred_on: date
    kind: InteractionKind
    summary: str
    participants: str | None
    created_at: datetime


class UndertakingCreate(InputModel):
    """An agreement in principle: when, who gave it, its scope and its form."""

    given_on: date
    given_by: Name
    organisation_id: Id | None = None
    scope: LongText = Field(min_length=1)
    form: UndertakingForm


class UndertakingRead(OutputModel):
    """An undertaking as returned by the API."""

    id: int
    partnership_id: int
    given_on: date
    given_by: str
    organisation_id: int | None
    scope: str
    form: UndertakingForm
    created_at: datetime


class TimelineEntry(OutputModel):
    """One dated thing in the life of a partnership."""

    on: date
    at: datetime | None
    kind: str
    title: str
    detail: str | None = None
    subject_type: str
    subject_id: int
