"""The partner's own signature, through the partner link: each agreement of the partnership that awaits this party's
signature, its approved version and its SHA-256, the consent text in the partner's language, and a form for a simple
electronic signature (typed name, title, consent). The signature is recorded by app.agreements.signing with the link
as its channel; the last party to sign makes the agreement signed through the workflow engine.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app import i18n
from app.agreements import signing
from app.agreements.models import Agreement
from app.agreements.rules import party_name
from app.api.deps import DbSession, TransactionalRoute
from app.api.proxies import client_address
from app.errors import DomainError, invalid
from app.i18n import WEB
from app.partner_links.models import PartnerLink
from app.partner_links.partner import clauses
from app.partner_links.service import record_use
from app.web.forms import field_errors
from app.web.partner_area import PartnerForm, PartnerSession, add_partner_page, render_partner, with_partner_headers
from app.workflow.actor import Actor

router = APIRouter(route_class=TransactionalRoute, prefix="/partner", include_in_schema=False)
add_partner_page("sign", "/partner/sign", WEB.lazy("Sign"))


def _consent(link: PartnerLink, agreement: Agreement) -> str:
    version = agreement.latest_version
    return signing.consent_text(
        i18n.current_language(),
        agreement=agreement,
        party_name=party_name(link.party),
        version_sha256=version.sha256 if version else "",
    )


def _page(request: Request, session: Session, link: PartnerLink, errors=None, failed_id=None, status=200) -> Response:
    agreements = signing.awaiting_party(session, link.partnership_id, link.party_id)
    items = [
        {
            "agreement": agreement,
            "version": agreement.latest_version,
            "clauses": clauses(agreement.latest_version) if agreement.latest_version else [],
            "consent": _consent(link, agreement),
        }
        for agreement in agreements
    ]
    context = {
        "active": "sign",  # not a workflow state
        "items": items,
        "errors": errors or {},
        "failed_id": failed_id,
        "thanked": request.query_params.get("done") == "thanks",
        "contact_name": link.contact.name,
    }
    return render_partner(request, "partner/sign.html", context, status)


@router.get("/sign")
def sign_page(request: Request, session: DbSession, link: PartnerSession) -> Response:
    """The agreements awaiting this party's signature, each with its text, hash and consent, and the signing form."""
    return _page(request, session, link)


@router.post("/sign/{agreement_id}")
def sign(request: Request, session: DbSession, link: PartnerSession, form: PartnerForm, agreement_id: int) -> Response:
    """Sign one agreement electronically for the link's party (typed name, title, consent to the text shown)."""
    awaiting = signing.awaiting_party(session, link.partnership_id, link.party_id)
    agreement = next((a for a in awaiting if a.id == agreement_id), None)
    if agreement is None:  # not this partnership's, not awaiting signatures, or signed already: nothing to sign here
        refusal = {"agreement": WEB.gettext("This agreement does not await your signature.")}
        return _page(request, session, link, refusal, agreement_id, 409)
    try:
        if form.get("consent") != "yes":
            raise invalid("consent", WEB.gettext("Tick the box to confirm that you agree to sign electronically."))
        signing.sign_electronically(
            session,
            agreement,
            link.party,
            typed_name=str(form.get("typed_name", "")),
            signatory_title=str(form.get("signatory_title", "")),
            consent_text=_consent(link, agreement),
            version_sha256=str(form.get("version_sha256", "")),
            via_link_id=link.id,
            actor=Actor.system(reason=f"partner link {link.id}", on_behalf_of=link.created_by_id),
            consent_language=i18n.current_language(),
        )
    except DomainError as exc:
        if exc.status not in (409, 422):
            raise
        return _page(request, session, link, field_errors(exc) or {"agreement": str(exc)}, agreement_id, exc.status)
    record_use(session, link, "sign", client_address(request), detail=f"agreement {agreement.id}")
    return with_partner_headers(RedirectResponse("/partner/sign?done=thanks", status_code=303))
