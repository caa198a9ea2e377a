"""Pages for partners, opened through a personal link (no account): see app.web.partner_area for how they are held.

What each page allows (docs/partner-links.md says the same for people):

- ``/partner/home``: the partnership's title and reference, whose link it is, until when it works; the navigation.
- ``/partner/organisation``: the organisation's facts (legal name, short name, kind, country, areas of engagement,
  its own contacts); confirm them, or propose corrections (a proposal an owner or legal officer accepts or rejects).
- ``/partner/draft``: the draft version shared for review, clause by clause, with a comment form on each clause.
- ``/partner/obligations``: the obligations that fall to the partner's organisation; report one done with a file.
- ``/partner/calendar.ics``: the deadlines that concern the partner (end dates, notice deadlines, their obligations)
  as a calendar file; ``/partner/{token}/calendar.ics`` is the same calendar to subscribe to, held by the link.
"""

from __future__ import annotations

import time

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, UploadFile

from app import i18n
from app.agreements.rules import sources_of
from app.api.deps import DbSession, TransactionalRoute
from app.api.language import LANGUAGE_COOKIE_SECONDS
from app.api.proxies import client_address
from app.calendars.feed import partnership_calendar
from app.calendars.routes import feed_response
from app.errors import DomainError
from app.i18n import WEB
from app.organisations.models import OrganisationKind
from app.organisations.service import list_areas
from app.partner_links import partner, reports
from app.partner_links.service import PartnerLinkRefused, link_language, record_use, resolve_partner_link
from app.uploads import MB, document_upload_bytes
from app.web.forms import field_errors
from app.web.partner_area import (
    PARTNER_COOKIE,
    PARTNER_LANGUAGE_COOKIE,
    PARTNER_SESSION_SECONDS,
    PartnerAreaRefused,
    PartnerForm,
    PartnerSession,
    add_partner_page,
    gone_page,
    limit,
    render_partner,
    session_value,
    set_partner_cookie,
    with_partner_headers,
)

router = APIRouter(route_class=TransactionalRoute, prefix="/partner", include_in_schema=False)
add_partner_page("calendar", "/partner/calendar.ics", WEB.lazy("Calendar"))
entry_router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
"""The link itself (``/partner/{token}``): included after every partner page, so it never shadows one."""
_ = WEB.gettext


def _see_other(path: str, message: str | None = None) -> Response:
    target = path + (f"?done={message}" if message else "")
    return with_partner_headers(RedirectResponse(target, status_code=303))


DONE = {
    "confirmed": WEB.lazy("Thank you: the facts are confirmed."),
    "proposed": WEB.lazy("Thank you: your correction was sent; we will review it."),
    "commented": WEB.lazy("Thank you: your comment was sent."),
    "reported": WEB.lazy("Thank you: your report was sent; we will check it."),  # not a workflow state
}


def _done(request: Request) -> str | None:
    key = request.query_params.get("done")
    return str(DONE[key]) if key in DONE else None


@router.get("/home")
def home(request: Request, link: PartnerSession) -> Response:
    """Overview: the partnership, whose link this is, until when it works, and what can be done here."""
    return render_partner(request, "partner/home.html", {"active": "home"})  # not a workflow state


@router.get("/organisation")
def organisation_page(request: Request, session: DbSession, link: PartnerSession) -> Response:
    """The organisation's facts, to confirm or correct."""
    return _organisation(request, session, link)


def _organisation(request, session, link, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    context = {
        "active": "organisation",  # not a workflow state
        "facts": partner.facts(link),
        "kinds": list(OrganisationKind),
        "areas": list_areas(session),
        "errors": errors or {},
        "done": _done(request),
    }
    return render_partner(request, "partner/organisation.html", context, status)


@router.post("/organisation/confirm")
def confirm(request: Request, session: DbSession, link: PartnerSession, form: PartnerForm) -> Response:
    """The partner says the facts are right."""
    partner.confirm_facts(session, link, client_address(request))
    return _see_other("/partner/organisation", "confirmed")


def _proposed_changes(form: FormData, facts: dict) -> dict:
    """The corrections as the service takes them, from the fields the form sent (a field not sent is unchanged)."""
    organisation: dict = {}
    for name in ("legal_name", "short_name", "kind", "country_code"):
        if form.get(name) is not None:
            organisation[name] = str(form.get(name))
    if "country_code" in organisation:
        organisation["country_code"] = organisation["country_code"].strip().upper()
    if form.get("areas_shown") is not None:  # the checkboxes were on the form: none ticked means none
        organisation["area_codes"] = [str(code) for code in form.getlist("area_codes")]
    contacts = []
    for contact in facts["contacts"]:
        prefix = f"contact_{contact['id']}_"
        sent = {f: str(form.get(prefix + f)) for f in partner.CONTACT_FIELDS if form.get(prefix + f) is not None}
        if sent:
            contacts.append({"id": contact["id"], **sent})
    new = {f: str(form.get("new_contact_" + f, "")) for f in partner.CONTACT_FIELDS}
    if new["name"].strip():
        contacts.append({"id": None, **new})
    return {"organisation": organisation, "contacts": contacts}


@router.post("/organisation/propose")
def propose(request: Request, session: DbSession, link: PartnerSession, form: PartnerForm) -> Response:
    """The partner proposes corrections; staff accept or reject them."""
    changes = _proposed_changes(form, partner.facts(link))
    try:
        partner.propose_correction(session, link, changes, str(form.get("note", "")), client_address(request))
    except DomainError as exc:
        if exc.status != 422:
            raise
        return _organisation(request, session, link, field_errors(exc), 422)
    return _see_other("/partner/organisation", "proposed")


@router.get("/draft")
def draft_page(request: Request, session: DbSession, link: PartnerSession) -> Response:
    """The version shared for review, clause by clause, with the partner's comments and a form on each clause."""
    return _draft(request, session, link)


def _draft(request, session, link, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    version = link.document_version
    context = {
        "active": "draft",  # not a workflow state
        "version": version,
        "clauses": partner.clauses(version) if version else [],
        "comments": partner.comments_on_link(session, link),
        "errors": errors or {},
        "done": _done(request),
    }
    return render_partner(request, "partner/draft.html", context, status)


@router.post("/draft/comments")
def comment(request: Request, session: DbSession, link: PartnerSession, form: PartnerForm) -> Response:
    """A comment on one clause of the shared version."""
    anchor, body = str(form.get("anchor", "")), str(form.get("body", ""))
    try:
        partner.add_comment(session, link, anchor, body, client_address(request))
    except DomainError as exc:
        if exc.status != 422:
            raise
        return _draft(request, session, link, field_errors(exc), 422)
    return _see_other("/partner/draft", "commented")


@router.get("/obligations")
def obligations_page(request: Request, session: DbSession, link: PartnerSession) -> Response:
    """The obligations that fall to the partner's organisation, with a report form on those still open."""
    return _obligations(request, session, link)


def _obligations(request, session, link, errors=None, failed_id: int | None = None, status: int = 200) -> Response:
    context = {
        "active": "obligations",  # not a workflow state
        "obligations": reports.partner_obligations(session, link),
        "errors": errors or {},
        "failed_id": failed_id,
        "done": _done(request),
        "max_mb": document_upload_bytes() // MB,
        "reportable": set(sources_of("obligation", "report")),
    }
    return render_partner(request, "partner/obligations.html", context, status)


@router.post("/obligations/{obligation_id}/report")
async def report(
    request: Request, session: DbSession, link: PartnerSession, form: PartnerForm, obligation_id: int
) -> Response:
    """Report an obligation done, with a file; the obligation moves through the workflow engine."""
    upload = form.get("file")
    content, name = b"", ""
    if isinstance(upload, UploadFile) and upload.filename:
        content, name = await upload.read(document_upload_bytes() + 1), upload.filename
    try:
        reports.report_obligation(
            session, link, obligation_id, str(form.get("note", "")), name, content, client_address(request)
        )
    except DomainError as exc:
        if exc.status != 422:
            raise
        return _obligations(request, session, link, field_errors(exc), obligation_id, 422)
    return _see_other("/partner/obligations", "reported")  # not a workflow state


@router.post("/language")
def switch_language(request: Request, link: PartnerSession, form: PartnerForm) -> Response:
    """Choose the partner area's language (English, French, Spanish)."""
    chosen = str(form.get("language", ""))
    target = str(form.get("next", "/partner/home"))
    if not target.startswith("/partner/") or target.startswith("//"):
        target = "/partner/home"
    response = _see_other(target)
    if i18n.is_supported(chosen):
        set_partner_cookie(request, response, PARTNER_LANGUAGE_COOKIE, i18n.normalise(chosen), LANGUAGE_COOKIE_SECONDS)
    return response


@router.post("/sign-out")
def sign_out(request: Request, link: PartnerSession, form: PartnerForm) -> Response:
    """End the partner session on this browser (the link in the e-mail still opens a new one)."""
    response = with_partner_headers(render_partner(request, "partner/signed_out.html", {"link": None, "nav": []}))
    response.delete_cookie(PARTNER_COOKIE, path="/partner")
    return response


def _calendar(request: Request, session, link, *, attachment: bool) -> Response:
    feed = partnership_calendar(session, link.partnership_id, language=link_language(link), party_id=link.party_id)
    return with_partner_headers(feed_response(request, feed, "partnership-deadlines.ics", attachment=attachment))


@router.get("/calendar.ics")
def calendar_download(request: Request, session: DbSession, link: PartnerSession) -> Response:
    """The partnership's deadlines that concern the partner, as a calendar file (end dates, notices, obligations)."""
    return _calendar(request, session, link, attachment=True)


@entry_router.api_route("/partner/{token}/calendar.ics", methods=["GET", "HEAD"])
def calendar_subscription(request: Request, session: DbSession, token: str) -> Response:
    """The same calendar to subscribe to, the link itself its credential: it follows extensions and terminations and
    stops with the link (expired or revoked: the same refusal as the link's)."""
    limit(f"ip:{client_address(request)}")
    limit(f"token:{token[:64]}")
    try:
        link = resolve_partner_link(session, token)
    except PartnerLinkRefused:
        raise PartnerAreaRefused() from None
    record_use(session, link, "calendar", client_address(request))
    return _calendar(request, session, link, attachment=False)


@entry_router.get("/partner/{token}")
def open_link(request: Request, session: DbSession, token: str) -> Response:
    """The link from the e-mail: checked, audited, exchanged for a partner session; then the overview."""
    limit(f"ip:{client_address(request)}")
    limit(f"token:{token[:64]}")
    try:
        link = resolve_partner_link(session, token)
    except PartnerLinkRefused:
        raise PartnerAreaRefused() from None
    record_use(session, link, "open", client_address(request))  # not a workflow state
    response = _see_other("/partner/home")
    set_partner_cookie(
        request, response, PARTNER_COOKIE, session_value(link.id, int(time.time())), PARTNER_SESSION_SECONDS
    )
    return response


__all__ = ["entry_router", "gone_page", "router"]
