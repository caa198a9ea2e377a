"""Pages: the portfolio report — tables, inline SVG charts, links to the pipeline and the PDF."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from app.api.deps import DbSession, TransactionalRoute
from app.api.downloads import file_response
from app.errors import DomainError
from app.i18n import WEB, country_name
from app.organisations.models import OrganisationKind
from app.organisations.service import countries_in_use, list_areas, regions_in_use
from app.reports.charts import charts_for
from app.reports.schemas import ReportFilter
from app.reports.service import kind_label, portfolio
from app.users.models import Role
from app.users.policy import Action, require
from app.users.service import list_users
from app.web.deps import PageUser
from app.web.forms import field_errors, validate
from app.web.rendering import render
from app.workflow.definition import states

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
FILTERS = ("area", "partner_kind", "region", "country_code", "owner_id")
PIPELINE_FILTERS = ("area", "partner_kind", "region", "owner_id")  # the ones the pipeline board understands
_l = WEB.lazy
FILTER_WORDS = {
    "area": _l("area of engagement"),
    "partner_kind": _l("partner kind"),
    "region": _l("region"),
    "country_code": _l("country code"),
    "owner_id": _l("owner"),
}


def filter_word(name: str) -> str:
    """A report filter as a sentence names it, in the reader's language."""
    return str(FILTER_WORDS.get(name, name.replace("_", " ")))


def _choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    owners = [person for person in list_users(session) if person.has_role(Role.PROJECT_MANAGER, Role.ADMIN)]
    return {
        "areas": [(area.code, area.name) for area in list_areas(session)],
        "kinds": [(kind.value, kind_label(kind.value)) for kind in OrganisationKind],
        "regions": [(region, region) for region in regions_in_use(session)],
        "countries": sorted(((code, country_name(code)) for code in countries_in_use(session)), key=lambda c: c[1]),
        "owners": [(str(person.id), person.full_name) for person in owners],
    }


def _only_stage(group: str) -> str | None:
    """The stage of a one-stage partnership group, for a pipeline link (which filters by one stage); else None."""
    members = states("partnership", group=group)
    return next(iter(members)) if len(members) == 1 else None


@router.get("/reports/portfolio")
def portfolio_page(request: Request, session: DbSession, user: PageUser) -> Response:
    """The portfolio at a glance, filtered like the pipeline; every count links to the partnerships behind it."""
    require(user, Action.READ)
    params = request.query_params
    chosen = {name: (params.get(name) or "").strip() for name in FILTERS}
    given = {name: value for name, value in chosen.items() if value}
    errors: dict[str, str] = {}
    status, report, charts = 200, None, {}
    try:
        filters = validate(ReportFilter, given)
        report = portfolio(session, filters=filters)
        charts = {name: Markup(svg) for name, svg in charts_for(report).items()}  # built and escaped by charts.py
    except DomainError as exc:
        errors, status = field_errors(exc), exc.status

    def pipeline(**extra: Any) -> str:
        """The pipeline filtered by this report's filters and ``extra``."""
        merged = {name: given[name] for name in PIPELINE_FILTERS if name in given} | extra
        return "/pipeline?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})

    def here(**extra: Any) -> str:
        """This report with more filters."""
        return "/reports/portfolio?" + urlencode({k: v for k, v in (given | extra).items() if v not in (None, "")})

    query = urlencode(given)
    context = {
        "report": report,
        "charts": charts,
        "chosen": chosen,
        "filtered": bool(given),
        "errors": errors,
        "pipeline": pipeline,
        "bound_stage": _only_stage("bound"),
        "here": here,
        "pipeline_filters_lost": [filter_word(name) for name in sorted(set(given) - set(PIPELINE_FILTERS))],
        "pdf_url": "/reports/portfolio.pdf" + (f"?{query}" if query else ""),
        "json_url": "/api/v1/reports/portfolio" + (f"?{query}" if query else ""),
        **_choices(session),
    }
    return render(request, "reports/portfolio.html", context, status_code=status)


@router.get("/reports/portfolio.pdf")
def portfolio_pdf_page(request: Request, session: DbSession, user: PageUser) -> Response:
    """The same report as a PDF download, for people signed in to the pages."""
    from app.reports.pdf import report_pdf

    require(user, Action.READ)
    given = {name: value.strip() for name in FILTERS if (value := request.query_params.get(name) or "").strip()}
    report = portfolio(session, filters=validate(ReportFilter, given))
    name = f"portfolio-report-{report.today.isoformat()}.pdf"
    return file_response(report_pdf(report), "application/pdf", name)
