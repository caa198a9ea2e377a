"""HTTP endpoints for screening: the current list, the hits to decide, the decisions, an organisation's standing,
and (admins) loading a new list."""

from __future__ import annotations

import io
from typing import Annotated, Literal

from fastapi import APIRouter, File, Path, Query, Response, UploadFile, status
from sqlalchemy.orm import Session

from app.api.deps import CurrentUser, DbSession, TransactionalRoute
from app.api.paging import page_response
from app.config import get_settings
from app.errors import invalid
from app.listing import Page, Paging, page_of
from app.organisations.service import get_organisation
from app.schemas import MAX_ID
from app.screening import loading, service
from app.screening.models import ScreeningHit
from app.screening.schemas import (
    ChangedEntry,
    DecisionCreate,
    EntryRead,
    HitRead,
    ListRead,
    LoadReportRead,
    NewHit,
    OrganisationScreeningRead,
    ScreeningOverview,
)
from app.screening.unlist import MAX_LIST_BYTES, ListFormatError
from app.users.policy import Action, require
from app.workflow.actor import Actor

router = APIRouter(route_class=TransactionalRoute, tags=["screening"])
HitId = Annotated[int, Path(gt=0, le=MAX_ID, description="Screening hit id")]
OrganisationId = Annotated[int, Path(gt=0, le=MAX_ID, description="Organisation id")]


def hit_read(session: Session, hit: ScreeningHit) -> HitRead:
    """A hit with its organisation's names and the list entry beside it."""
    organisation = get_organisation(session, hit.organisation_id)
    entry = service.entry(session, hit.data_id)
    return HitRead(
        id=hit.id, organisation_id=hit.organisation_id, organisation_name=organisation.legal_name,
        organisation_short_name=organisation.short_name, organisation_country=organisation.country_code,
        data_id=hit.data_id, version_num=hit.version_num, score=hit.score, components=hit.components,
        active=hit.active, status=hit.status, reason=hit.reason, decided_by_id=hit.decided_by_id,
        decided_at=hit.decided_at, reopened_at=hit.reopened_at, found_at=hit.found_at,
        entry=EntryRead.model_validate(entry) if entry is not None else None,
    )  # fmt: skip


@router.get("/screening", response_model=ScreeningOverview)
def overview(session: DbSession, user: CurrentUser) -> ScreeningOverview:
    """The sanctions list loaded last and how many organisations are unscreened, clear, pending or confirmed."""
    require(user, Action.READ)
    loaded = service.current_list(session)
    return ScreeningOverview(
        current_list=ListRead.model_validate(loaded) if loaded else None,
        required=get_settings().screening_required,
        threshold=service.threshold(),
        counts=service.counts(session),
    )


@router.get("/screening/hits", response_model=Page[HitRead])
def list_hits(
    session: DbSession,
    user: CurrentUser,
    paging: Annotated[Paging, Query()],
    hit_status: Annotated[
        Literal["pending", "cleared", "confirmed"] | None,
        Query(alias="status", description="Only hits with this decision (all active hits when absent)"),
    ] = None,
) -> Response:
    """Potential matches on the current list, best score first."""
    require(user, Action.READ)
    hits = service.list_hits(session, hit_status, limit=5000)
    return page_response(Page[HitRead].of(page_of(hits, paging), lambda hit: hit_read(session, hit)))


@router.get("/screening/hits/{hit_id}", response_model=HitRead)
def read_hit(session: DbSession, user: CurrentUser, hit_id: HitId) -> HitRead:
    """One hit: the organisation and the list entry side by side, the score explained, the decision."""
    require(user, Action.READ)
    return hit_read(session, service.get_hit(session, hit_id))


@router.post("/screening/hits/{hit_id}/decision", response_model=HitRead)
def decide(session: DbSession, user: CurrentUser, hit_id: HitId, body: DecisionCreate) -> HitRead:
    """Clear a hit as a false positive or confirm it (legal officers and admins); the decision is remembered."""
    hit = service.decide(session, hit_id, body.decision, body.reason, actor=Actor.person(user))
    return hit_read(session, hit)


@router.get("/organisations/{organisation_id}/screening", response_model=OrganisationScreeningRead)
def organisation_screening(
    session: DbSession, user: CurrentUser, organisation_id: OrganisationId
) -> OrganisationScreeningRead:
    """The organisation's screening status, the list date it was screened against, and its hits."""
    require(user, Action.READ)
    organisation = get_organisation(session, organisation_id)
    found = service.standing(session, organisation)
    return OrganisationScreeningRead(
        organisation_id=organisation.id, status=found.status,
        list_date_generated=found.screening_list.date_generated if found.screening_list else None,
        screened_at=found.screened_at, hits=[hit_read(session, hit) for hit in found.hits],
    )  # fmt: skip


@router.post("/screening/lists", response_model=LoadReportRead, status_code=status.HTTP_201_CREATED)
def load_list(
    session: DbSession,
    user: CurrentUser,
    file: Annotated[UploadFile, File(description="The Consolidated List as published (consolidated.xml)")],
) -> LoadReportRead:
    """Load a new Consolidated List (admins): entries added, removed, changed; everyone re-screened; new hits."""
    actor = Actor.person(user)
    require(actor, Action.LOAD_SCREENING_LIST)
    data = file.file.read(MAX_LIST_BYTES + 1)
    try:
        report = loading.load_list(session, io.BytesIO(data), file_name=(file.filename or "upload")[:300], actor=actor)
    except ListFormatError as exc:
        raise invalid("file", str(exc)) from None
    return LoadReportRead(
        list_id=report.list_id, entries=report.entries,
        added=[ChangedEntry(data_id=d, name=n) for d, n in report.added],
        removed=[ChangedEntry(data_id=d, name=n) for d, n in report.removed],
        changed=[ChangedEntry(data_id=d, name=n) for d, n in report.changed],
        new_hits=[NewHit(organisation_id=o, organisation_name=n, entry_name=e, score=s)
                  for o, n, e, s in report.new_hits],
        reopened=len(report.reopened), organisations=report.organisations, seconds=round(report.seconds, 3),
    )  # fmt: skip
