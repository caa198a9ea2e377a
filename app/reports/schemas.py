"""The portfolio report: its filters and the figures it returns (one document, built from GROUP BY queries)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.organisations.models import OrganisationKind
from app.schemas import AreaCode, CountryCode, Id, QueryModel


class ReportFilter(QueryModel):
    """Narrow the report to the partnerships in an area, with a kind of partner, in a region or country, or an owner."""

    area: AreaCode | None = Field(None, description="Code of an area of engagement")
    partner_kind: OrganisationKind | None = Field(None, description="A party is an organisation of this kind")
    region: str | None = Field(None, max_length=100, description="A party is registered in this region")
    country_code: CountryCode | None = Field(None, description="A party is registered in this country")
    owner_id: Id | None = Field(None, description="The partnership's owner")

    def chosen(self) -> dict[str, str]:
        """The filters given, as text (for links and headings)."""
        return {name: str(value) for name, value in self.model_dump(mode="json").items() if value not in (None, "")}


class Count(BaseModel):
    """A number of partnerships (or agreements, obligations) under a key and its label."""

    key: str | None
    label: str
    count: int


class StageCount(BaseModel):
    """How many partnerships are in a stage now, and the modality the stage belongs to."""

    stage: str
    label: str
    modality: str
    count: int


class Modality(BaseModel):
    """A modality (ad hoc, informal, formal, inactive) with the stages it groups and its partnerships."""

    key: str
    label: str
    stages: list[str]
    count: int


class AreaColumn(BaseModel):
    """An area of engagement as a column of the matrix; ``code`` is null for partnerships without an area."""

    code: str | None
    name: str
    count: int = Field(description="partnerships with this area (each counted once)")


class MatrixRow(BaseModel):
    """One row of a matrix by area: cells aligned with ``areas``; ``total`` counts each partnership once."""

    key: str
    label: str
    cells: list[int]
    total: int


class PartyCount(BaseModel):
    """How many partnerships have this many partner parties."""

    parties: int
    partnerships: int


class MultiActor(BaseModel):
    """Partnerships with two or more partner parties."""

    count: int
    share: float = Field(description="multi-actor partnerships / all partnerships (0 to 1)")
    total: int
    distribution: list[PartyCount]


class FunnelStep(BaseModel):
    """How many partnerships ever reached a stage (from their history) and how many are in it now."""

    stage: str
    label: str
    ever_reached: int
    current: int
    share_of_first: float = Field(description="ever_reached / ever_reached at the first step (0 to 1)")
    share_of_previous: float | None = Field(description="ever_reached / ever_reached at the previous step")


class StageDuration(BaseModel):
    """The median time spent in a stage by the stays that ended (the current, open stays are not counted)."""

    stage: str
    label: str
    median_days: int | None = Field(description="Whole days, rounded")
    median: str = Field(description='The median as people read it: "12 days", "21 months", or "—" without ended stays')
    completed_stays: int
    open_stays: int


class ExpiryWindow(BaseModel):
    """Active agreements whose end date falls from ``first_day`` to ``last_day``; ``within`` from today on."""

    days: int
    label: str
    first_day: date
    last_day: date
    count: int
    within: int


class MonthCount(BaseModel):
    """Active agreements ending in a month (``YYYY-MM``)."""

    month: str
    label: str
    count: int


class OverdueParty(BaseModel):
    """Overdue obligations owed by one party (``organisation_id`` null: owed by the organisation itself)."""

    organisation_id: int | None
    name: str
    count: int


class Overdue(BaseModel):
    """Overdue obligations: the total, how many parties owe them, and the parties owing the most."""

    total: int
    parties: int
    by_party: list[OverdueParty]


class PortfolioReport(BaseModel):
    """The whole portfolio at a glance; every figure comes from an aggregate query."""

    today: date
    generated_at: datetime
    filters: dict[str, str]
    total_partnerships: int
    stages: list[StageCount]
    modalities: list[Modality]
    areas: list[AreaColumn]
    modality_by_area: list[MatrixRow]
    stage_by_area: list[MatrixRow]
    by_partner_kind: list[Count]
    partnerships_without_partner: int
    by_region: list[Count]
    by_country: list[Count]
    multi_actor: MultiActor
    funnel: list[FunnelStep]
    stage_durations: list[StageDuration]
    expiring: list[ExpiryWindow]
    end_dates_by_month: list[MonthCount]
    overdue: Overdue
    notes: list[str]


# --- the portfolio's history: as of a past day, and what changed between two days --------------------------------


class AsOfFilter(ReportFilter):
    """The day to look back to, and the report's filters; ``stage`` is the state on that day (a partnership's stage,
    or an agreement's status)."""

    on: date = Field(description="The day, taken at its end in the organisation's timezone; not in the future")
    stage: str | None = Field(
        None, min_length=1, max_length=60, description="Only the records in this state (stage or status) that day"
    )


class AsOfPartnership(BaseModel):
    """A partnership as it stood at the end of a past day: its stage then (from its history) and since when."""

    id: int
    reference: str
    title: str
    stage: str = Field(description="The stage it was in at the end of the day")
    stage_label: str
    since: datetime = Field(description="When it entered that stage")
    stage_now: str = Field(description="Its stage today, for comparison")


class AsOfAgreement(BaseModel):
    """An agreement as it stood at the end of a past day: its status then (from its history) and since when."""

    id: int
    reference: str | None
    title: str
    kind: str
    partnership_id: int
    status: str = Field(description="Its status at the end of the day")
    status_label: str
    since: datetime = Field(description="When it entered that status")
    status_now: str = Field(description="Its status today, for comparison")


class ChangesFilter(ReportFilter):
    """Two days (both included, in the organisation's timezone) and the report's filters."""

    start: date = Field(description="The first day, from its start in the organisation's timezone")
    end: date = Field(description="The last day, to its end in the organisation's timezone; not in the future")


class ChangeCount(BaseModel):
    """How many records of a kind of change fall under one area, region or kind of partner (``key`` null: none)."""

    key: str | None
    label: str
    count: int


class ChangeCategory(BaseModel):
    """One kind of change (new, formalised, signed, extended, expired, terminated) between the two days."""

    key: str
    label: str
    record: str = Field(description="What is counted: partnership or agreement")
    count: int
    by_area: list[ChangeCount]
    by_region: list[ChangeCount]
    by_partner_kind: list[ChangeCount]
    records_url: str = Field(description="The API list of the records behind the count (ids, paged)")


class ChangesSummary(BaseModel):
    """What changed in the portfolio between two days, from the transition history."""

    start: date
    end: date
    timezone: str
    since: datetime = Field(description="The first instant counted (UTC): the start of the first day")
    until: datetime = Field(description="The end of the last day (UTC), not included")
    generated_at: datetime
    filters: dict[str, str]
    categories: list[ChangeCategory]
    notes: list[str]


class ChangeRecord(BaseModel):
    """A record behind a figure of the changes: a partnership or an agreement, and when the change happened."""

    id: int
    record: str
    reference: str | None
    title: str
    partnership_id: int
    occurred_at: datetime = Field(description="When the change happened (its first time in the period)")
