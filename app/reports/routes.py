"""HTTP endpoints: the portfolio report as JSON or as a downloadable PDF."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.api.deps import CurrentUser, DbSession
from app.api.downloads import file_response
from app.reports.pdf import report_pdf
from app.reports.schemas import PortfolioReport, ReportFilter
from app.reports.service import portfolio
from app.users.policy import Action, require

router = APIRouter(tags=["reports"])
PDF = "application/pdf"


class ReportQuery(ReportFilter):
    """The report's filters and the format wanted."""

    format: Literal["json", "pdf"] = "json"


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
    report = portfolio(session, filters=ReportFilter(**query.model_dump(exclude={"format"})))
    if query.format == "pdf":
        return _pdf(report)
    return Response(report.model_dump_json(), media_type="application/json")


@router.get("/reports/portfolio.pdf", response_class=Response, responses={200: {"content": {PDF: {}}}})
def portfolio_report_pdf(session: DbSession, user: CurrentUser, query: Annotated[ReportFilter, Query()]) -> Response:
    """The portfolio report as a PDF to download: the tables and the charts."""
    require(user, Action.READ)
    return _pdf(portfolio(session, filters=query))
