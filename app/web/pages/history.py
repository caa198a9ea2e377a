"""Pages: the portfolio as of a past day (every partnership or agreement with its state that day), what changed
between two days (by area, region and kind of partner), and the records behind each of its figures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from app import clock
from app.api.deps import DbSession, TransactionalRoute
from app.config import get_settings
from app.errors import DomainError
from app.listing import Paging
from app.organisations.models import OrganisationKind
from app.organisations.service import list_areas, regions_in_use
from app.reports import history
from app.reports.schemas import AsOfFilter, ChangesFilter
from app.reports.service import kind_label
from app.users.policy import Action, require
from app.web.deps import PageUser
from app.web.forms import field_errors, validate
from app.web.rendering import render
from app.workflow.definition import get_workflow

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
FILTERS = ("area", "partner_kind", "region")
PAGE_SIZE = 50
SHOWN = ("partnerships", "agreements")


def _given(request: Request, names: tuple[str, ...]) -> dict[str, str]:
    params = request.query_params
    return {name: value for name in names if (value := (params.get(name) or "").strip())}


def _choices(session: Any) -> dict[str, list[tuple[str, str]]]:
    return {
        "areas": [(area.code, area.name) for area in list_areas(session)],
        "kinds": [(kind.value, kind_label(kind.value)) for kind in OrganisationKind],
        "regions": [(region, region) for region in regions_in_use(session)],
    }


def _paging(request: Request) -> Paging:
    cursor = (request.query_params.get("cursor") or "").strip() or None
    return validate(Paging, {"page_size": PAGE_SIZE, **({"cursor": cursor} if cursor else {})})


@router.get("/reports/as-of")
def as_of_page(request: Request, session: DbSession, user: PageUser) -> Response:
    """Every partnership (or agreement) as it stood at the end of a past day, filtered like the list, paged."""
    require(user, Action.READ)
    today = clock.today(get_settings().zone)
    given = _given(request, ("on", "stage", *FILTERS))
    shown = request.query_params.get("show") or SHOWN[0]
    shown = shown if shown in SHOWN else SHOWN[0]
    workflow = "agreement" if shown == "agreements" else "partnership"
    errors: dict[str, str] = {}
    status, found = 200, None
    if "on" in given:
        try:
            filters = validate(AsOfFilter, given)
            paging = _paging(request)
            read = history.agreements_as_of if shown == "agreements" else history.partnerships_as_of
            found = read(session, filters, paging)
        except DomainError as exc:
            errors, status = field_errors(exc), exc.status

    def here(**extra: Any) -> str:
        merged = given | {"show": shown} | extra
        return "/reports/as-of?" + urlencode({k: v for k, v in merged.items() if v not in (None, "")})

    states = get_workflow(workflow)
    context = {
        "chosen": given,
        "shown": shown,
        "found": found,
        "errors": errors,
        "today": today,
        "latest": Markup('max="{}"').format(today.isoformat()),  # no day after today to choose
        "here": here,
        "states": [(state, states.short_label(state)) for state in states.states],
        "json_url": f"/api/v1/reports/as-of/{shown}?" + urlencode(given) if found is not None else None,
        **_choices(session),
    }
    return render(request, "reports/as_of.html", context, status_code=status)


@router.get("/reports/changes")
def changes_page(request: Request, session: DbSession, user: PageUser) -> Response:
    """What changed between two days, by kind of change, area, region and kind of partner; each figure links to
    the records behind it."""
    require(user, Action.READ)
    today = clock.today(get_settings().zone)
    given = _given(request, ("start", "end", *FILTERS))
    asked = "start" in given or "end" in given
    given.setdefault("end", today.isoformat())
    given.setdefault("start", (today - timedelta(days=30)).isoformat())
    errors: dict[str, str] = {}
    status, summary = 200, None
    try:
        summary = history.changes_between(session, validate(ChangesFilter, given))
    except DomainError as exc:
        errors, status = field_errors(exc), exc.status

    def records(key: str, **extra: Any) -> str:
        """The page of the records behind a figure (``extra``: the cell's area, region or kind of partner)."""
        return f"/reports/changes/{key}?" + urlencode({k: v for k, v in (given | extra).items() if v})

    context = {
        "chosen": given,
        "asked": asked,
        "summary": summary,
        "errors": errors,
        "today": today,
        "latest": Markup('max="{}"').format(today.isoformat()),  # no day after today to choose
        "records": records,
        "json_url": "/api/v1/reports/changes?" + urlencode(given),
        **_choices(session),
    }
    return render(request, "reports/changes.html", context, status_code=status)


@router.get("/reports/changes/{key}")
def change_records_page(request: Request, key: str, session: DbSession, user: PageUser) -> Response:
    """The partnerships or agreements behind one figure of the changes, each linked to its page."""
    require(user, Action.READ)
    given = _given(request, ("start", "end", *FILTERS))
    errors: dict[str, str] = {}
    status, found, chosen = 200, None, None
    try:
        chosen = history.category(key)
        found = history.change_records(session, key, validate(ChangesFilter, given), _paging(request))
    except DomainError as exc:
        errors, status = field_errors(exc), exc.status

    def here(**extra: Any) -> str:
        return f"/reports/changes/{key}?" + urlencode({k: v for k, v in (given | extra).items() if v})

    context = {
        "chosen": given,
        "category": chosen,
        "label": chosen.label() if chosen else key,
        "found": found,
        "errors": errors,
        "here": here,
        "back": "/reports/changes?" + urlencode(given),
    }
    return render(request, "reports/change_records.html", context, status_code=status)
