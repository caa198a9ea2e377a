"""What the data-quality service answers, and the query of the list of records to fix."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, Field, WithJsonSchema

from app.listing import Page, Paging
from app.quality.rules import Entity, check_names

Sort = Literal["impact", "score", "name"]
CheckName = Annotated[str, Field(max_length=60), WithJsonSchema({"type": "string", "enum": check_names()})]
"""A check's name: listed in the schema; the service refuses an unknown one (or one of the other entity) by name."""
CheckStatus = Literal["passed", "failed", "not_applicable"]


class RecordsQuery(Paging):
    """Which records to fix to list, in which order, and which page."""

    entity: Entity | None = Field(None, description="organisation or partnership; both when absent")
    check: CheckName | None = Field(None, description="Only records failing this check of the entity (see the summary)")
    sort: Sort = Field("impact", description="impact (largest first), score (lowest first) or name")


class CheckSummary(BaseModel):
    """One check over the whole portfolio: how many records it applies to and how many fail it."""

    name: str
    level: str
    weight: int
    description: str
    problem: str
    applies_to: str
    applicable: int
    failing: int


class EntitySummary(BaseModel):
    """The scores of one kind of record."""

    entity: Entity
    records: int
    score: float | None = Field(description="Mean of the records' scores (0-100); null when there is no record")
    weighted_score: float | None = Field(description="100 x passed weight / applicable weight over all records")
    records_to_fix: int
    checks: list[CheckSummary]


class OverallSummary(BaseModel):
    """The scores of organisations and partnerships together."""

    records: int
    score: float | None
    weighted_score: float | None
    records_to_fix: int


class QualitySummary(BaseModel):
    """How complete the portfolio's records are, as of a day."""

    as_of: date
    stale_days: int
    overall: OverallSummary
    entities: list[EntitySummary]


class FailedCheck(BaseModel):
    """A check a record fails, with what to fix in words."""

    name: str
    problem: str
    weight: int


class RecordToFix(BaseModel):
    """A record with something missing: its score, the impact of fixing it and what to fix."""

    entity: Entity
    id: int
    name: str
    reference: str | None
    category: str = Field(description="The partnership's stage or the organisation's kind")
    category_label: str = Field("", description="The category in words, in the reader's language")
    score: float
    impact: float = Field(description="Sum of the failed weights x 2 for formal partnerships (1.5 formalising) "
                          "or organisations in a formal partnership")  # fmt: skip
    url: str
    failed: list[FailedCheck]


class RecordsToFix(Page[RecordToFix]):
    """One page of the records to fix (the same envelope as every list)."""


class CheckResult(BaseModel):
    """One check of one record."""

    name: str
    level: str
    weight: int
    description: str
    status: CheckStatus
    problem: str | None = Field(description="What to fix, when the check failed")


class RecordQuality(BaseModel):
    """Every check of one record, passed, failed or not applicable."""

    entity: Entity
    id: int
    name: str
    reference: str | None
    category: str
    category_label: str = Field("", description="The category in words, in the reader's language")
    score: float
    impact: float
    as_of: date
    checks: list[CheckResult]
