"""Pages: the partnership list (searchable, paged) and opening a new partnership with its partners.

One partnership's page is :mod:`app.web.pages.partnerships`.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import DbSession, TransactionalRoute
from app.db import savepoint
from app.errors import DomainError, ValidationFailed
from app.i18n import VOCAB, WEB
from app.listing import PageParams
from app.organisations.service import list_areas
from app.partnerships import service
from app.partnerships.schemas import PartnershipCreate, PartnershipFilter
from app.users.models import Role, User
from app.users.policy import Action, can, require
from app.users.service import list_users
from app.web.deps import CheckedForm, PageUser
from app.web.forms import field_errors, kept, text, validate
from app.web.pages import partnership_forms as forms_in
from app.web.rendering import humanise, redirect, render
from app.workflow import definition

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
PAGE_SIZE = 25


# the list ----------------------------------------------------------------------------------------------------


@router.get("/partnerships")
def partnership_list(
    request: Request, session: DbSession, user: PageUser, q: str = "", stage: str = "", page: str = "1"
) -> Response:
    """Every partnership in a searchable, paged table (the board is ``/pipeline``)."""
    require(user, Action.READ)
    errors: dict[str, str] = {}
    filters = PartnershipFilter()
    try:
        filters = validate(PartnershipFilter, forms_in.present({"q": q.strip(), "stage": stage.strip()}))
    except ValidationFailed as exc:
        errors = forms_in.messages(field_errors(exc))
    params = PageParams(page=min(forms_in.number(page) or 1, 100_000), page_size=PAGE_SIZE)
    try:
        found = service.list_partnerships(session, filters, params)
    except ValidationFailed as exc:
        errors = forms_in.messages(field_errors(exc))
        found = service.list_partnerships(session, PartnershipFilter(), params)
    pages = max(1, math.ceil(found.total / PAGE_SIZE))
    query = forms_in.present({"q": q.strip(), "stage": stage.strip()})

    def page_url(number: int) -> str:
        return "/partnerships?" + urlencode({**query, "page": number})

    stages = definition.get_workflow(service.WORKFLOW).states
    context = {
        "found": found,
        "pages": pages,
        "page_url": page_url,
        "q": q.strip(),
        "stage": stage.strip(),
        "stages": [(name, humanise(name)) for name in stages],
        "errors": errors,
        "can_create": can(user, Action.CREATE_PARTNERSHIP),
    }
    wants_rows = request.headers.get("HX-Target") == "partnership-results"
    if wants_rows and not request.headers.get("HX-History-Restore-Request"):
        return render(request, "partnerships/_results.html", context)
    return render(request, "partnerships/list.html", context)


# a new partnership -------------------------------------------------------------------------------------------


def _choices(session: DbSession, user: User) -> dict[str, Any]:
    legal_officers = [(u.id, u.full_name) for u in list_users(session, Role.LEGAL_OFFICER) if u.is_active]
    managers = [(u.id, u.full_name) for u in list_users(session, Role.PROJECT_MANAGER) if u.is_active]
    return {
        "areas": [(area.code, VOCAB.gettext(area.name)) for area in list_areas(session)],
        "organisations": service.organisation_choices(session),
        "legal_officers": legal_officers,
        "managers": [(user_id, name) for user_id, name in managers if user_id != user.id],
        "roles": list(forms_in.role_labels().items()),
    }


def _new_form(
    request: Request,
    session: DbSession,
    user: User,
    values: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    rows: int = forms_in.ROWS_SHOWN,
    status: int = 200,
) -> Response:
    context = {
        "values": values or {},
        "errors": errors or {},
        "rows": min(rows, forms_in.MAX_ROWS),
        **_choices(session, user),
    }
    return render(request, "partnerships/new.html", context, status_code=status)


@router.get("/partnerships/new")
def new_partnership(request: Request, session: DbSession, user: PageUser) -> Response:
    """The form to open a partnership with its partners."""
    require(user, Action.CREATE_PARTNERSHIP)
    return _new_form(request, session, user)


@router.get("/partnerships/new/party-row")
def party_row(request: Request, session: DbSession, user: PageUser, index: str = "3") -> Response:
    """One more partner row for the new-partnership form (asked for by htmx)."""
    require(user, Action.CREATE_PARTNERSHIP)
    row = min(forms_in.number(index) or forms_in.ROWS_SHOWN, forms_in.MAX_ROWS - 1)
    context = {"index": row, "more": row + 1 < forms_in.MAX_ROWS, "values": {}, "errors": {}, **_choices(session, user)}
    return render(request, "partnerships/_party_row.html", context)


@router.post("/partnerships")
def create_partnership(request: Request, session: DbSession, user: PageUser, form: CheckedForm) -> Response:
    """Open the partnership; on a mistake show the form again with the messages and everything typed."""
    require(user, Action.CREATE_PARTNERSHIP)
    rows_shown = forms_in.party_rows(form)
    if text(form, "add_party"):  # "Add another partner" without JavaScript: the same form, one row longer
        return _new_form(request, session, user, kept(form), rows=rows_shown + 1)
    data, rows = forms_in.partnership_data(form)
    try:
        body = validate(PartnershipCreate, data)
        with savepoint(session):
            created = service.create_partnership(session, body, user)
    except DomainError as exc:
        errors = forms_in.creation_errors(exc, rows)
        return _new_form(request, session, user, kept(form), errors, rows_shown, status=exc.status)
    created_message = WEB.gettext("Partnership {reference} created.", reference=created.reference)
    return redirect(request, f"/partnerships/{created.id}", created_message)
