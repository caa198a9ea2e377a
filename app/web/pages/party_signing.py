"""Pages: each party's own signature (wet-ink scan or electronic, signatory present), a party's withdrawal from an
agreement in force, and the signed PDF sealed with the organisation's certificate (issue 21, item 2).

The section they fill on the agreement page is ``agreements/_party_signing.html``; its context is :func:`context`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from app import clock
from app.agreements import service, signing, withdrawals
from app.agreements.models import Agreement
from app.api.deps import DbSession, TransactionalRoute
from app.api.downloads import file_response
from app.config import get_settings
from app.db import savepoint
from app.errors import DomainError, invalid
from app.i18n import WEB, current_language
from app.schemas import MAX_ID
from app.uploads import document_upload_bytes
from app.users.models import User
from app.users.policy import Action, can, require
from app.web.deps import CheckedForm, PageUser
from app.web.forms import field_errors
from app.web.rendering import redirect
from app.workflow.actor import Actor
from app.workflow.definition import states

_ = WEB.gettext
router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
AgreementId = Annotated[int, Path(gt=0, le=MAX_ID)]
PartyKey = Annotated[str, Path(pattern=r"^(organisation|[1-9][0-9]{0,9})$")]


def context(session: Any, user: User, agreement: Agreement) -> dict[str, Any]:
    """What the per-party signing section shows: each party's status, and the forms the user may use now."""
    rows = signing.signing_status(session, agreement)
    may = can(user, Action.RECORD_SIGNATURES)
    in_signing = signing.in_signing(agreement)
    in_force = agreement.status in states("agreement", group="in_force")
    today = clock.today(get_settings().zone)
    sha = agreement.approved_sha256 if in_signing else None
    language = current_language()
    return {
        "party_rows": rows,
        "may_sign": may and in_signing and sha is not None,
        "may_withdraw": may and in_force,
        "signing_sha256": sha,
        "consent_texts": {
            row.key: signing.consent_text(language, agreement=agreement, party_name=row.name, version_sha256=sha)
            for row in rows
            if sha and row.signature is None
        },
        "withdrawable": [row for row in rows if row.party is not None and row.withdrawal is None] if in_force else [],
        "earliest_withdrawal": withdrawals.effective_date(agreement, today) if in_force else None,
        "today": today,
        "signed_pdf": agreement.status in (states("agreement", group="signed_and_in_force")
                                           | states("agreement", group="no_longer_in_force")),
    }  # fmt: skip


def _agreement(session: DbSession, user: User, agreement_id: int) -> Agreement:
    require(user, Action.RECORD_SIGNATURES)
    return service.get_agreement(session, agreement_id)


def _refused(request: Request, agreement_id: int, exc: DomainError) -> Response:
    words = "; ".join(f"{field}: {reason}" if field else reason for field, reason in field_errors(exc).items())
    return redirect(request, f"/agreements/{agreement_id}#party-signing", words, kind="error")


def _text(form: Any, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _day(form: Any, name: str) -> date | None:
    value = _text(form, name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(name, _("must be a date written YYYY-MM-DD")) from None


@router.post("/agreements/{agreement_id}/signing/{party}/wet-ink", response_class=HTMLResponse)
def record_wet_ink(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, agreement_id: AgreementId, party: PartyKey
) -> Response:
    """Record a party's paper signature with the scan of the signed page (legal officers and admins)."""
    agreement = _agreement(session, user, agreement_id)
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise invalid("file", _("choose the scan of the signed page (PDF, PNG or JPEG)"))
        content = upload.file.read(document_upload_bytes() + 1)
        signed_on = _day(form, "signed_on") or clock.today(get_settings().zone)
        with savepoint(session):
            signature = signing.record_wet_ink(
                session, agreement, signing.party_of(agreement, party), signatory_name=_text(form, "signatory_name"),
                signatory_title=_text(form, "signatory_title"), signed_on=signed_on, scan=content,
                file_name=upload.filename, version_sha256=_text(form, "version_sha256"), actor=Actor.person(user),
            )  # fmt: skip
    except DomainError as exc:
        return _refused(request, agreement_id, exc)
    return redirect(request, f"/agreements/{agreement_id}#party-signing",
                    _("Signature of {name} recorded", name=signature.signatory_name))  # fmt: skip


@router.post("/agreements/{agreement_id}/signing/{party}/electronic", response_class=HTMLResponse)
def sign_electronically(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, agreement_id: AgreementId, party: PartyKey
) -> Response:
    """Record the electronic signature of a signatory present (typed name, the consent shown, the version hash)."""
    agreement = _agreement(session, user, agreement_id)
    try:
        if form.get("consent") != "yes":
            raise invalid("consent", _("the signatory must confirm the consent text"))
        the_party = signing.party_of(agreement, party)
        shown = signing.consent_text(current_language(), agreement=agreement,
                                     party_name=signing.party_name(the_party),
                                     version_sha256=_text(form, "version_sha256"))  # fmt: skip
        with savepoint(session):
            signing.sign_electronically(
                session, agreement, the_party, typed_name=_text(form, "typed_name"),
                signatory_title=_text(form, "signatory_title"), consent_text=shown,
                version_sha256=_text(form, "version_sha256"), via_link_id=None, actor=Actor.person(user),
                consent_language=current_language(),
            )  # fmt: skip
    except DomainError as exc:
        return _refused(request, agreement_id, exc)
    return redirect(request, f"/agreements/{agreement_id}#party-signing",
                    _("Electronic signature of {name} recorded", name=_text(form, "typed_name")))  # fmt: skip


@router.post("/agreements/{agreement_id}/withdrawals", response_class=HTMLResponse)
def withdraw(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, agreement_id: AgreementId
) -> Response:
    """A partner party withdraws: effective at notice + notice period, or later; the last partner terminates it."""
    agreement = _agreement(session, user, agreement_id)
    try:
        party = signing.party_of(agreement, _text(form, "party_id") or "0")
        if party is None:
            raise invalid("party_id", _("choose the partner party that withdraws"))
        with savepoint(session):
            row = withdrawals.withdraw_party(
                session, agreement, party, reason=_text(form, "reason"), actor=Actor.person(user),
                notice_given_on=_day(form, "notice_given_on"), effective_on=_day(form, "effective_on"),
            )  # fmt: skip
    except DomainError as exc:
        return _refused(request, agreement_id, exc)
    return redirect(request, f"/agreements/{agreement_id}#party-signing",
                    _("{name} withdraws; it takes effect on {date}", name=signing.party_name(party),
                      date=row.effective_on.isoformat()))  # fmt: skip


@router.get("/agreements/{agreement_id}/signed.pdf")
def signed_pdf(session: DbSession, user: PageUser, agreement_id: AgreementId) -> Response:
    """The signed agreement's PDF with every party's signature, sealed when a certificate is configured."""
    from app.drafting.documents import signed_pdf as render

    require(user, Action.READ)
    output = render(session, agreement_id)
    return file_response(output.content, output.media_type, output.file_name)
