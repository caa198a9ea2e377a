"""Pages for staff: send, list and revoke a partnership's partner links, see each link's uses, decide partners'
proposals, and read partners' comments beside an agreement's versions."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.agreements.models import DocumentVersion
from app.agreements.service import get_agreement
from app.api.deps import DbSession, TransactionalRoute
from app.api.downloads import file_response
from app.errors import DomainError
from app.i18n import WEB
from app.partner_links import partner, reports, service
from app.partnerships.service import get_partnership
from app.web.deps import CheckedForm, PageUser
from app.web.forms import field_errors
from app.web.rendering import redirect, render

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
_ = WEB.gettext


def _links_page(
    request: Request, session, user, partnership_id: int, errors=None, created=None, status: int = 200
) -> Response:
    partnership = get_partnership(session, partnership_id)
    links = service.list_partner_links(session, partnership_id, actor=user)
    contacts = [
        (party, contact) for party in partnership.parties for contact in party.organisation.contacts if contact.email
    ]
    context = {
        "partnership": partnership,
        "links": links,
        "uses": service.use_counts(session, [link.id for link in links]),
        "states": {link.id: service.link_state(link) for link in links},
        "contacts": contacts,
        "versions": service.shareable_versions(session, partnership_id),
        "proposals": partner.list_proposals(session, partnership_id, actor=user),
        "errors": errors or {},
        "created": created,
        "default_days": request.app.state.settings.partner_link_days,
        "max_days": request.app.state.settings.partner_link_max_days,
    }
    return render(request, "partner_links/list.html", context, status)


@router.get("/partnerships/{partnership_id}/partner-links")
def links_page(request: Request, session: DbSession, user: PageUser, partnership_id: int) -> Response:
    """The partnership's partner links, the form to send one, and the partners' proposals to decide."""
    return _links_page(request, session, user, partnership_id)


@router.post("/partnerships/{partnership_id}/partner-links")
def send_link(request: Request, session: DbSession, user: PageUser, form: CheckedForm, partnership_id: int) -> Response:
    """Send a focal point a link (e-mailed after this request commits); the URL is shown once."""
    try:
        contact_id = int(str(form.get("contact_id", "0")) or 0)
        days_text = str(form.get("days", "")).strip()
        version_text = str(form.get("document_version_id", "")).strip()
        link, url = service.issue_partner_link(
            session,
            partnership_id,
            contact_id,
            actor=user,
            days=int(days_text) if days_text.isdigit() else None,
            document_version_id=int(version_text) if version_text.isdigit() else None,
            settings=request.app.state.settings,
        )
    except DomainError as exc:
        if exc.status != 422:
            raise
        return _links_page(request, session, user, partnership_id, field_errors(exc), status=422)
    except ValueError:
        return _links_page(request, session, user, partnership_id, {"contact_id": _("Choose a contact.")}, status=422)
    return _links_page(request, session, user, partnership_id, created={"link": link, "url": url})


@router.post("/partner-links/{link_id}/revoke")
def revoke_link(request: Request, session: DbSession, user: PageUser, form: CheckedForm, link_id: int) -> Response:
    """Stop a link working at once."""
    link = service.revoke_partner_link(session, link_id, actor=user)
    return redirect(request, f"/partnerships/{link.partnership_id}/partner-links", _("The link no longer works."))


@router.get("/partner-links/{link_id}")
def link_page(request: Request, session: DbSession, user: PageUser, link_id: int) -> Response:
    """Every use of one link: when, what was done, from which (hashed) address."""
    uses = service.link_uses(session, link_id, actor=user)
    link = service.get_link(session, link_id)
    return render(request, "partner_links/uses.html", {"link": link, "uses": uses, "state": service.link_state(link)})


@router.post("/partner-proposals/{proposal_id}/decide")
def decide(request: Request, session: DbSession, user: PageUser, form: CheckedForm, proposal_id: int) -> Response:
    """Accept (applied through the organisations service) or reject (with a reason) a partner's correction."""
    accept = form.get("decision") == "accept"
    proposal = partner.get_proposal(session, proposal_id)
    partnership_id = proposal.link.partnership_id
    try:
        partner.decide_proposal(session, proposal_id, accept, str(form.get("reason", "")), actor=user)
    except DomainError as exc:
        if exc.status != 422:
            raise
        return _links_page(request, session, user, partnership_id, field_errors(exc), status=422)
    message = _("The correction is applied.") if accept else _("The correction is rejected.")
    return redirect(request, f"/partnerships/{partnership_id}/partner-links", message)


@router.get("/agreements/{agreement_id}/partner-comments")
def comments_page(request: Request, session: DbSession, user: PageUser, agreement_id: int) -> Response:
    """Partners' comments on the agreement's versions, beside each clause's text."""
    agreement = get_agreement(session, agreement_id)
    comments = partner.comments_on_agreement(session, agreement_id, actor=user)
    versions = {c.document_version_id: c for c in comments}
    texts = {
        version.id: {clause.anchor: clause for clause in partner.clauses(version)}
        for version in agreement.document_versions
        if version.id in versions and version.body
    }
    numbers = {version.id: version.number for version in agreement.document_versions}
    context = {"agreement": agreement, "comments": comments, "texts": texts, "numbers": numbers}
    return render(request, "partner_links/comments.html", context)


@router.post("/partner-comments/{comment_id}/resolve")
def resolve(request: Request, session: DbSession, user: PageUser, form: CheckedForm, comment_id: int) -> Response:
    """Mark a partner's comment resolved."""
    comment = partner.resolve_comment(session, comment_id, actor=user)
    agreement_id = session.get(DocumentVersion, comment.document_version_id).agreement_id
    return redirect(request, f"/agreements/{agreement_id}/partner-comments", _("The comment is marked resolved."))


@router.get("/partner-attachments/{attachment_id}")
def attachment(request: Request, session: DbSession, user: PageUser, attachment_id: int) -> Response:
    """A file a partner sent with an obligation report."""
    found = reports.get_attachment(session, attachment_id, actor=user)
    return file_response(found.content, found.media_type, found.file_name)
