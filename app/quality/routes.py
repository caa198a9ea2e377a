"""HTTP endpoints for data quality: the portfolio's completeness scores and the records to fix."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app import clock
from app.api.deps import CurrentUser, DbSession, TransactionalRoute
from app.config import get_settings
from app.quality import service
from app.quality.schemas import QualitySummary, RecordQuality, RecordsQuery, RecordsToFix
from app.schemas import MAX_ID
from app.users.policy import Action, require

router = APIRouter(route_class=TransactionalRoute, prefix="/quality", tags=["quality"])
OrganisationId = Annotated[int, Path(gt=0, le=MAX_ID, description="Organisation id")]
PartnershipId = Annotated[int, Path(gt=0, le=MAX_ID, description="Partnership id")]


@router.get("/summary", response_model=QualitySummary)
def quality_summary(session: DbSession, user: CurrentUser) -> QualitySummary:
    """Overall and per-entity completeness scores, and how many records fail each check."""
    require(user, Action.READ)
    return service.summary(session, clock.today(get_settings().zone))


@router.get("/records", response_model=RecordsToFix)
def records_to_fix(session: DbSession, user: CurrentUser, query: Annotated[RecordsQuery, Query()]) -> RecordsToFix:
    """The records with something missing, sorted by impact, score or name, with what to fix in words."""
    require(user, Action.READ)
    return service.records_to_fix(session, clock.today(get_settings().zone), query)


@router.get("/organisations/{organisation_id}", response_model=RecordQuality)
def organisation_quality(session: DbSession, user: CurrentUser, organisation_id: OrganisationId) -> RecordQuality:
    """Every completeness check of one organisation: passed, failed or not applicable."""
    require(user, Action.READ)
    return service.record_quality(session, "organisation", organisation_id)


@router.get("/partnerships/{partnership_id}", response_model=RecordQuality)
def partnership_quality(session: DbSession, user: CurrentUser, partnership_id: PartnershipId) -> RecordQuality:
    """Every completeness check of one partnership: passed, failed or not applicable."""
    require(user, Action.READ)
    return service.record_quality(session, "partnership", partnership_id)
