"""HTTP endpoints: the portfolio report as JSON or as a downloadable PDF (also as of a past day); the portfolio as of
a past day, record by record; what changed between two days, and the records behind each figure."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from pydantic import Field

from app.api.deps import CurrentUser, DbSession, TransactionalRoute
from app.api.downloads import file_response
from app.api.paging import page_response
from app.listing import Page, Paging
from app.reports import history
from app.reports.pdf import report_pdf
from app.reports.schemas import (
    AsOfAgreement,
    AsOfFilter,
    AsOfPartnership,
    ChangeRecord,
    ChangesFilter,
    ChangesSummary,
    PortfolioReport,
    ReportFilter,
)
from app.reports.service import portfolio
from app.users.policy import Action, require

router = APIRouter(route_class=TransactionalRoute, tags=["reports"])
PDF = "application/pdf"


class ReportQuery(ReportFilter):
    """The report's filters and the format wanted."""

    format: Literal["json", "pdf"] = "json"
    as_of: date | None = Field(
        None, description="The portfolio as it stood at the end of this past day (organisation's timezone)"
    )


def _pdf(report: PortfolioReport) -> Response:
    name = f"portfolio-report-{report.today.isoformat()}.pdf"
    return file_response(report_pdf(report), PDF, name)


@router.get(
    "/reports/portfolio",
    response_model=PortfolioReport,
    responses={200: {"content": {"application/json": {}, PDF: {}}}},
)
def portfolio_report(session: DbSession, user: CurrentUser, query: Annotated[ReportQuery, Query()]) -> Response:
    """The portfolio by modality, area, partner kind and place; funnel, stage times, expiring and overdue (or a PDF)."""
    require(user, Action.READ)
    today = None
    if query.as_of is not None:
        history.check_day(query.as_of, "as_of")
        today = query.as_of
    report = portfolio(session, today, filters=ReportFilter(**query.model_dump(exclude={"format", "as_of"})))
    if query.format == "pdf":
        return _pdf(report)
    return Response(report.model_dump_json(), media_type="application/json")


@router.get("/reports/portfolio.pdf", response_class=Response, responses={200: {"content": {PDF: {}}}})
def portfolio_report_pdf(session: DbSession, user: CurrentUser, query: Annotated[ReportFilter, Query()]) -> Response:
    """The portfolio report as a PDF to download: the tables and the charts."""
    require(user, Action.READ)
    return _pdf(portfolio(session, filters=query))


class AsOfQuery(AsOfFilter, Paging):
    """The day, the filters and the page."""


@router.get("/reports/as-of/partnerships", response_model=Page[AsOfPartnership])
def partnerships_as_of(session: DbSession, user: CurrentUser, query: Annotated[AsOfQuery, Query()]) -> Response:
    """Every partnership that existed at the end of a past day, with its stage that day (from the history), newest
    first; filtered like the list (``stage``: the stage that day) and paged by keyset."""
    require(user, Action.READ)
    return page_response(Page[AsOfPartnership].of(history.partnerships_as_of(session, query, query), lambda i: i))


@router.get("/reports/as-of/agreements", response_model=Page[AsOfAgreement])
def agreements_as_of(session: DbSession, user: CurrentUser, query: Annotated[AsOfQuery, Query()]) -> Response:
    """Every agreement that existed at the end of a past day, with its status that day (from the history), newest
    first; filtered by its partnership (``stage``: the agreement's status that day) and paged by keyset."""
    require(user, Action.READ)
    return page_response(Page[AsOfAgreement].of(history.agreements_as_of(session, query, query), lambda i: i))


@router.get("/reports/changes", response_model=ChangesSummary)
def changes(session: DbSession, user: CurrentUser, query: Annotated[ChangesFilter, Query()]) -> Response:
    """What changed between two days (both included): new and formalised partnerships, agreements signed, extended,
    expired and terminated, each by area of engagement, region and kind of partner."""
    require(user, Action.READ)
    return Response(history.changes_between(session, query).model_dump_json(), media_type="application/json")


class ChangesQuery(ChangesFilter, Paging):
    """The period, the filters (a cell of a breakdown: its area, region or kind of partner) and the page."""


Category = Literal[tuple(c.key for c in history.CATEGORIES)]  # type: ignore[valid-type]


@router.get("/reports/changes/{category}", response_model=Page[ChangeRecord])
def change_records(
    session: DbSession,
    user: CurrentUser,
    category: Annotated[Category, Path(description="The kind of change")],
    query: Annotated[ChangesQuery, Query()],
) -> Response:
    """The partnerships or agreements behind one figure of the changes, with when each changed, newest first."""
    require(user, Action.READ)
    found = history.change_records(session, category, query, query)
    return page_response(Page[ChangeRecord].of(found, lambda i: i))
