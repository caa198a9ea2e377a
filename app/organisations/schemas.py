"""What the API and CLI accept and return for organisations and contacts."""

from __future__ import annotations

from datetime import datetime

from pydantic import EmailStr, Field, model_validator

from app.i18n.vocab import area_description, area_name
from app.organisations.models import OrganisationKind
from app.schemas import (
    AreaCode,
    CountryCode,
    InputModel,
    LanguageCode,
    LongText,
    Name,
    OutputModel,
    Phone,
    QueryModel,
    ShortText,
    Website,
    omittable,
)


class AreaRead(OutputModel):
    """An area of engagement; its name and description in the reader's language (the code is the value)."""

    id: int
    code: str
    name: str
    description: str | None = None

    @model_validator(mode="after")
    def _in_the_readers_language(self) -> AreaRead:
        self.description = area_description(self.code, self.description)
        self.name = area_name(self.code, self.name)
        return self


class ContactCreate(InputModel):
    """A person at a partner organisation."""

    name: ShortText
    title: ShortText | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    is_focal_point: bool = False
    language: LanguageCode | None = Field(None, description="en, fr or es; null writes in the organisation's language")


class ContactUpdate(InputModel):
    """Changes to a contact; omitted fields stay as they are."""

    name: ShortText = omittable()
    title: ShortText | None = None
    email: EmailStr | None = None
    phone: Phone | None = None
    is_focal_point: bool = omittable()
    language: LanguageCode | None = Field(None, description="en, fr or es; null writes in the organisation's language")


class ContactRead(OutputModel):
    """A contact as returned by the API."""

    id: int
    organisation_id: int
    name: str
    title: str | None
    email: str | None
    phone: str | None
    is_focal_point: bool
    language: str | None = Field(description="The language to write to this person in; null: the organisation's")


class OrganisationCreate(InputModel):
    """A new partner organisation."""

    legal_name: Name
    short_name: ShortText | None = Field(None, max_length=60)
    kind: OrganisationKind
    country_code: CountryCode = Field(description="ISO 3166-1 alpha-2 code of the country of registration")
    region: ShortText | None = Field(None, max_length=100)
    registration_number: ShortText | None = Field(None, max_length=100)
    website: Website | None = None
    email: EmailStr | None = None
    notes: LongText | None = None
    correspondence_language: LanguageCode = Field("en", description="The language to write to it in: en, fr or es")
    area_codes: list[AreaCode] = Field(default_factory=list, description="Codes of areas of engagement")
    contacts: list[ContactCreate] = Field(default_factory=list)

    model_config = {
        "json_schema_extra": {
            "examples": [
                {
                    "legal_name": "Kenya Red Cross Society",
                    "short_name": "KRCS",
                    "kind": "national_cso",
                    "country_code": "KE",
                    "region": "East and Horn of Africa",
                    "area_codes": ["humanitarian", "migrant_health"],
                    "contacts": [{"name": "Amina Otieno", "title": "Head of Programmes", "is_focal_point": True}],
                }
            ]
        }
    }


class OrganisationUpdate(InputModel):
    """Changes to an organisation; omitted fields stay as they are, ``null`` clears an optional one."""

    legal_name: Name = omittable()
    short_name: ShortText | None = Field(None, max_length=60)
    kind: OrganisationKind = omittable()
    country_code: CountryCode = omittable()
    region: ShortText | None = Field(None, max_length=100)
    registration_number: ShortText | None = Field(None, max_length=100)
    website: Website | None = None
    email: EmailStr | None = None
    notes: LongText | None = None
    correspondence_language: LanguageCode = omittable(description="The language to write to it in: en, fr or es")
    area_codes: list[AreaCode] | None = None


class OrganisationRead(OutputModel):
    """An organisation as returned by the API."""

    id: int
    legal_name: str
    short_name: str | None
    kind: OrganisationKind
    country_code: str
    region: str | None
    registration_number: str | None
    website: str | None
    email: str | None
    notes: str | None
    correspondence_language: str
    areas: list[AreaRead]
    contacts: list[ContactRead]
    created_at: datetime
    updated_at: datetime
    version: int


class OrganisationFilter(QueryModel):
    """Filters for the organisation list."""

    q: str | None = Field(None, max_length=200, description="Text in the legal or short name")
    kind: OrganisationKind | None = None
    country_code: CountryCode | None = None
    region: str | None = Field(None, max_length=100)
    area: AreaCode | None = Field(None, description="Code of an area of engagement")
