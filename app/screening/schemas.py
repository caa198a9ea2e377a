"""What the screening API reads and answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.schemas import InputModel
from app.screening.models import HitStatus, ScreeningStatus


class EntryRead(BaseModel):
    """A list entry as a reviewer reads it beside the organisation."""

    model_config = ConfigDict(from_attributes=True)

    data_id: str = Field(description="The entry's DATAID on the Consolidated List")
    version_num: int
    kind: Literal["individual", "entity"]
    primary_name: str
    reference_number: str | None
    un_list_type: str | None
    listed_on: date | None
    names: list[dict[str, str]] = Field(description="Every name: the primary one, the original script, the aliases")
    countries: list[str] = Field(description="ISO 3166-1 alpha-2 codes of its addresses and nationalities")
    details: dict[str, Any]


class HitRead(BaseModel):
    """A potential match, its score explained, the entry, and the decision on it."""

    id: int
    organisation_id: int
    organisation_name: str
    organisation_short_name: str | None
    organisation_country: str
    data_id: str
    version_num: int
    score: float
    components: dict[str, Any] = Field(description="How the score was made: names compared, method, country")
    active: bool = Field(description="Whether the entry is on the current list and still scores over the threshold")
    status: HitStatus
    reason: str | None
    decided_by_id: int | None
    decided_at: datetime | None
    reopened_at: datetime | None = Field(description="When a decision was re-opened because the entry changed")
    found_at: datetime
    entry: EntryRead | None


class DecisionCreate(InputModel):
    """A reviewer's decision on a hit."""

    decision: Literal["cleared", "confirmed"] = Field(
        description="cleared: a false positive (it stays cleared until the entry changes); confirmed: a true match"
    )
    reason: str = Field(min_length=1, max_length=2000, description="Why: kept with the decision")


class ListRead(BaseModel):
    """A load of the Consolidated List."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    date_generated: datetime | None
    sha256: str
    file_name: str | None
    entries: int
    added: int
    removed: int
    changed: int
    new_hits: int
    reopened: int
    loaded_at: datetime


class ScreeningOverview(BaseModel):
    """The current list and how many organisations stand where."""

    current_list: ListRead | None
    required: bool = Field(description="Whether approval needs every party screened and clear")
    threshold: float
    counts: dict[str, int]


class OrganisationScreeningRead(BaseModel):
    """An organisation's screening status, against which list, and its hits."""

    organisation_id: int
    status: ScreeningStatus
    list_date_generated: datetime | None
    screened_at: datetime | None
    hits: list[HitRead]


class ChangedEntry(BaseModel):
    """An entry a load added, removed or changed."""

    data_id: str
    name: str


class NewHit(BaseModel):
    """A hit a load found."""

    organisation_id: int
    organisation_name: str
    entry_name: str
    score: float


class LoadReportRead(BaseModel):
    """What a load changed."""

    list_id: int
    entries: int
    added: list[ChangedEntry]
    removed: list[ChangedEntry]
    changed: list[ChangedEntry]
    new_hits: list[NewHit]
    reopened: int
    organisations: int
    seconds: float
