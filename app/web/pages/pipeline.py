"""Pages: the pipeline board — partnerships as cards in columns by stage, filtered without a reload."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.api.deps import DbSession, TransactionalRoute
from app.errors import DomainError
from app.i18n import VOCAB
from app.organisations.models import OrganisationKind
from app.organisations.service import list_areas, regions_in_use
from app.partnerships import service
from app.partnerships.schemas import PartnershipFilter
from app.users.models import Role
from app.users.policy import Action, require
from app.users.service import list_users
from app.web.deps import PageUser
from app.web.forms import field_errors, validate
from app.web.rendering import humanise, render
from app.workflow.definition import get_workflow

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
CARDS_PER_COLUMN = 50
STAGE_PAGE_SIZE = 100
FILTERS = ("q", "stage", "area", "partner_kind", "region", "owner_id")


def _wants_board_only(request: Request) -> bool:
    """An htmx request aimed at the board (a history restore needs the whole page)."""
    return bool(
        request.headers.get("HX-Request")
        and not request.headers.get("HX-History-Restore-Request")
        and request.headers.get("HX-Target") == "board"
    )


def _choices(session: Session) -> dict[str, list[tuple[str, str]]]:
    owners = [person for person in list_users(session) if person.has_role(Role.PROJECT_MANAGER, Role.ADMIN)]
    return {
        "stages": [(state, humanise(state)) for state in get_workflow("partnership").states],
        "areas": [(area.code, VOCAB.gettext(area.name)) for area in list_areas(session)],
        "kinds": [(kind.value, humanise(kind.value)) for kind in OrganisationKind],
        "regions": [(region, region) for region in regions_in_use(session)],
        "owners": [(str(person.id), person.full_name) for person in owners],
    }


@router.get("/pipeline")
def pipeline(request: Request, session: DbSession, user: PageUser) -> Response:
    """Partnerships by stage: a count and the newest cards per column, or every card of one stage page by page."""
    require(user, Action.READ)
    params = request.query_params
    chosen = {name: (params.get(name) or "").strip() for name in FILTERS}
    mine = params.get("mine") == "1"
    page_text = params.get("page") or "1"
    page = max(1, min(int(page_text), 100_000)) if page_text.isascii() and page_text.isdigit() else 1
    query: dict[str, Any] = {name: value for name, value in chosen.items() if value}
    if mine:
        query["mine"] = "1"
    involving = user.id if mine else None
    errors: dict[str, str] = {}
    columns: list[dict[str, Any]] = []
    status = 200
    stages = list(get_workflow("partnership").states)
    try:
        filters = validate(PartnershipFilter, {name: value for name, value in chosen.items() if value})
        counts = service.count_by_stage(session, filters, involving)
        shown = [filters.stage] if filters.stage else stages
        for stage in shown:
            focused = filters.stage is not None
            limit = STAGE_PAGE_SIZE if focused else CARDS_PER_COLUMN
            offset = (page - 1) * STAGE_PAGE_SIZE if focused else 0
            total = counts.get(stage, 0)
            cards = (
                service.in_stage(session, filters, stage, limit=limit, offset=offset, involving_user_id=involving)
                if total
                else []
            )
            columns.append({"stage": stage, "total": total, "cards": cards})
    except DomainError as exc:
        errors, status = field_errors(exc), exc.status
        columns = []
    card_ids = [card.id for column in columns for card in column["cards"]]
    end_dates = service.current_end_dates(session, card_ids)

    def url(**changes: Any) -> str:
        merged = {**query, **changes}
        return "/pipeline?" + urlencode({name: value for name, value in merged.items() if value not in (None, "")})

    focused_stage = chosen["stage"] if columns and len(columns) == 1 and chosen["stage"] else None
    pages = math.ceil(columns[0]["total"] / STAGE_PAGE_SIZE) if focused_stage else 0
    context = {
        "chosen": chosen,
        "mine": mine,
        "filtered": bool(query),
        "errors": errors,
        "columns": columns,
        "end_dates": end_dates,
        "url": url,
        "page_url": lambda number: url(page=number),
        "focused_stage": focused_stage,
        "page": page,
        "pages": pages,
        "cards_per_column": CARDS_PER_COLUMN,
        "descriptions": get_workflow("partnership").states,
        **_choices(session),
    }
    template = "pipeline/_board.html" if _wants_board_only(request) else "pipeline/board.html"
    return render(request, template, context, status_code=status)
