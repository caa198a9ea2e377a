"""Pages: the organisation directory, one organisation, registering a new one, and adding a contact."""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.api.deps import DbSession, TransactionalRoute
from app.errors import DomainError, NotFound
from app.i18n import VOCAB, WEB, country_name, language_name
from app.listing import PageParams
from app.organisations import service
from app.organisations.models import Organisation, OrganisationKind
from app.organisations.schemas import ContactCreate, OrganisationCreate, OrganisationFilter, OrganisationUpdate
from app.partnerships.service import parties_of_organisation
from app.schemas import MAX_ID
from app.users.models import User
from app.users.policy import Action, can, require
from app.web.deps import CheckedForm, PageUser
from app.web.forms import field_errors, kept, text, texts, validate
from app.web.rendering import humanise, redirect, render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
PAGE_SIZE = 25
TEXT_FIELDS = (
    "legal_name",
    "short_name",
    "kind",
    "country_code",
    "region",
    "registration_number",
    "website",
    "email",
    "correspondence_language",
)
_ = WEB.gettext


def kinds() -> list[tuple[str, str]]:
    """The kinds of organisation, named in the reader's language."""
    return [(kind.value, humanise(kind.value)) for kind in OrganisationKind]


def _wants_results_only(request: Request) -> bool:
    """An htmx request aimed at the results (a history restore needs the whole page)."""
    return bool(
        request.headers.get("HX-Request")
        and not request.headers.get("HX-History-Restore-Request")
        and request.headers.get("HX-Target") == "results"
    )


def _country_options(session: Session) -> list[tuple[str, str]]:
    named = [(code, f"{country_name(code)} ({code})") for code in service.countries_in_use(session)]
    return sorted(named, key=lambda option: option[1])


@router.get("/organisations")
def directory(
    request: Request,
    session: DbSession,
    user: PageUser,
    q: str = "",
    kind: str = "",
    country_code: str = "",
    page: str = "1",
) -> Response:
    """Partner organisations: search as you type, filter by kind and country, page through."""
    require(user, Action.READ)
    chosen = {"q": q.strip(), "kind": kind, "country_code": country_code}
    errors: dict[str, str] = {}
    found = None
    status = 200
    try:
        filters = validate(OrganisationFilter, {name: value for name, value in chosen.items() if value})
        number = max(1, min(int(page), 100_000)) if page.isascii() and page.isdigit() else 1
        found = service.list_organisations(session, filters, PageParams(page=number, page_size=PAGE_SIZE))
    except DomainError as exc:
        errors, status = field_errors(exc), exc.status
    pages = math.ceil(found.total / PAGE_SIZE) if found else 0
    query = {name: value for name, value in chosen.items() if value}

    def page_url(number: int) -> str:
        return "/organisations?" + urlencode({**query, "page": number})

    context = {
        "chosen": chosen,
        "errors": errors,
        "found": found,
        "pages": pages,
        "page_url": page_url,
        "kinds": kinds(),
        "countries": _country_options(session),
        "may_add": can(user, Action.MANAGE_ORGANISATIONS),
        "filtered": bool(query),
    }
    template = "organisations/_results.html" if _wants_results_only(request) else "organisations/list.html"
    return render(request, template, context, status_code=status)


def _form_page(
    request: Request, session: Session, values: dict[str, Any], errors: dict[str, str], status: int = 200
) -> Response:
    area_options = [(area.code, VOCAB.gettext(area.name)) for area in service.list_areas(session)]
    context = {"values": values, "errors": errors, "kinds": kinds(), "area_options": area_options}
    return render(request, "organisations/new.html", context, status_code=status)


@router.get("/organisations/new")
def new_organisation(request: Request, session: DbSession, user: PageUser) -> Response:
    """The form to register a partner organisation."""
    require(user, Action.MANAGE_ORGANISATIONS)
    return _form_page(request, session, {"area_codes": []}, {})


@router.post("/organisations/new")
def create_organisation(request: Request, session: DbSession, user: PageUser, form: CheckedForm) -> Response:
    """Register the organisation (same rules as ``POST /api/v1/organisations``), or show what to correct."""
    require(user, Action.MANAGE_ORGANISATIONS)
    data: dict[str, Any] = {name: text(form, name) for name in (*TEXT_FIELDS, "notes")}
    data = {name: value for name, value in data.items() if value is not None}
    data["area_codes"] = texts(form, "area_codes")
    try:
        organisation = service.create_organisation(session, validate(OrganisationCreate, data), actor=user)
    except DomainError as exc:
        values = kept(form)
        values["area_codes"] = texts(form, "area_codes")
        return _form_page(request, session, values, field_errors(exc), exc.status)
    registered = _("{name} is registered.", name=organisation.legal_name)
    return redirect(request, f"/organisations/{organisation.id}", registered)


def _organisation(session: Session, organisation_id: str) -> Organisation:
    """The organisation named in the address; anything but a known id is a 404."""
    if not (organisation_id.isascii() and organisation_id.isdigit()) or not 0 < int(organisation_id) <= MAX_ID:
        raise NotFound(_("There is no organisation {id}.", id=repr(organisation_id)))
    return service.get_organisation(session, int(organisation_id))


def _organisation_page(
    request: Request,
    session: Session,
    user: User,
    organisation: Organisation,
    contact: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    parties = parties_of_organisation(session, organisation.id)
    context = {
        "organisation": organisation,
        "country": country_name(organisation.country_code),
        "parties": parties,
        "may_manage": can(user, Action.MANAGE_ORGANISATIONS),
        "contact": contact or {},
        "errors": errors or {},
    }
    return render(request, "organisations/detail.html", context, status_code=status)


@router.get("/organisations/{organisation_id}")
def organisation_page(request: Request, session: DbSession, user: PageUser, organisation_id: str) -> Response:
    """One organisation: its facts, contacts, areas and the partnerships it takes part in."""
    require(user, Action.READ)
    return _organisation_page(request, session, user, _organisation(session, organisation_id))


@router.post("/organisations/{organisation_id}/contacts")
def add_contact(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, organisation_id: str
) -> Response:
    """Add a person to the organisation (same rules as the API), or show what to correct."""
    require(user, Action.MANAGE_ORGANISATIONS)
    organisation = _organisation(session, organisation_id)
    data: dict[str, Any] = {name: text(form, name) for name in ("name", "title", "email", "phone", "language")}
    data = {name: value for name, value in data.items() if value is not None}
    data["is_focal_point"] = form.get("is_focal_point") == "yes"
    try:
        contact = service.add_contact(session, organisation.id, validate(ContactCreate, data), actor=user)
    except DomainError as exc:
        return _organisation_page(request, session, user, organisation, kept(form), field_errors(exc), exc.status)
    added = _("{name} is added as a contact.", name=contact.name)
    return redirect(request, f"/organisations/{organisation.id}#contacts", added)


@router.post("/organisations/{organisation_id}/language")
def change_language(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, organisation_id: str
) -> Response:
    """Change the language letters and e-mails to the organisation are written in (same rules as the API)."""
    require(user, Action.MANAGE_ORGANISATIONS)
    organisation = _organisation(session, organisation_id)
    data = {"correspondence_language": text(form, "correspondence_language") or ""}
    try:
        service.update_organisation(session, organisation.id, validate(OrganisationUpdate, data), actor=user)
    except DomainError as exc:
        return _organisation_page(request, session, user, organisation, None, field_errors(exc), exc.status)
    saved = _("{name} is now written to in {language}.", name=organisation.legal_name,
              language=language_name(organisation.correspondence_language))  # fmt: skip
    return redirect(request, f"/organisations/{organisation.id}", saved)
