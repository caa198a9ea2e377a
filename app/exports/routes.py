"""HTTP endpoints for exports: each list (same filters and sort as its API list) as a CSV or XLSX file."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from app.api.deps import CurrentUser, DbSession, TransactionalRoute
from app.exports import service
from app.exports.responses import export_response
from app.exports.schemas import (
    AgreementExportQuery,
    ExportOptions,
    ObligationExportQuery,
    OrganisationExportQuery,
    PartnershipExportQuery,
)
from app.users.models import User
from app.users.policy import Action, require

router = APIRouter(route_class=TransactionalRoute, tags=["exports"])
FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file, as an attachment",
        "content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}},
    }
}
ABOUT = (
    "Every matching row (no paging), with the same filters and sort as the list endpoint; `format=csv` "
    "(UTF-8 with a BOM, streamed) or `format=xlsx`."
)


def _export(request: Request, session: Session, user: User, entity: str, query: ExportOptions) -> StreamingResponse:
    require(user, Action.READ)
    return export_response(request, session, service.prepare(session, entity, query))


@router.get("/exports/organisations", response_class=StreamingResponse, responses=FILE_RESPONSE, description=ABOUT)
def export_organisations(
    request: Request, session: DbSession, user: CurrentUser, query: Annotated[OrganisationExportQuery, Query()]
) -> StreamingResponse:
    """The organisation list as a CSV or XLSX file (columns as the import takes them)."""
    return _export(request, session, user, "organisations", query)


@router.get("/exports/partnerships", response_class=StreamingResponse, responses=FILE_RESPONSE, description=ABOUT)
def export_partnerships(
    request: Request, session: DbSession, user: CurrentUser, query: Annotated[PartnershipExportQuery, Query()]
) -> StreamingResponse:
    """The partnership list as a CSV or XLSX file."""
    return _export(request, session, user, "partnerships", query)


@router.get("/exports/agreements", response_class=StreamingResponse, responses=FILE_RESPONSE, description=ABOUT)
def export_agreements(
    request: Request, session: DbSession, user: CurrentUser, query: Annotated[AgreementExportQuery, Query()]
) -> StreamingResponse:
    """The agreement list as a CSV or XLSX file."""
    return _export(request, session, user, "agreements", query)


@router.get("/exports/obligations", response_class=StreamingResponse, responses=FILE_RESPONSE, description=ABOUT)
def export_obligations(
    request: Request, session: DbSession, user: CurrentUser, query: Annotated[ObligationExportQuery, Query()]
) -> StreamingResponse:
    """The obligation list as a CSV or XLSX file."""
    return _export(request, session, user, "obligations", query)
