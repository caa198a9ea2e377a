"""Pages: record an agreement signed before this registry existed — upload the signed copy, review what it proposes,
confirm — for legal officers and admins, on formalising and formal partnerships.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from starlette.datastructures import FormData, UploadFile

from app.agreements import existing
from app.agreements import service as agreements
from app.api.deps import DbSession, TransactionalRoute
from app.api.downloads import file_response
from app.config import get_settings
from app.db import savepoint
from app.errors import DomainError, NotFound, invalid
from app.i18n import VOCAB, WEB
from app.partnerships.models import Partnership
from app.partnerships.service import get_partnership
from app.schemas import MAX_ID
from app.uploads import MB, document_upload_bytes
from app.users.models import User
from app.users.policy import Action, can, require
from app.web.deps import CheckedForm, PageUser
from app.web.forms import field_errors, kept
from app.web.pages import existing_agreement_forms as forms_in
from app.web.pages.agreement_forms import worded
from app.web.rendering import humanise, redirect, render
from app.workflow.definition import label, states

_ = WEB.gettext
router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
PartnershipId = Annotated[int, Path(gt=0, le=MAX_ID)]
UploadId = Annotated[int, Path(gt=0, le=MAX_ID)]
VersionNumber = Annotated[int, Path(gt=0, le=MAX_ID)]
ACCEPT = ".pdf,.docx,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def may_record_existing(user: User, partnership: Partnership) -> bool:
    """Whether the partnership page offers "Record an existing signed agreement" to ``user``."""
    return existing.is_recordable(partnership) and can(user, Action.MANAGE_TEMPLATES)


def _base(partnership: Partnership) -> str:
    return f"/partnerships/{partnership.id}/existing-agreements"


# upload ------------------------------------------------------------------------------------------------------


def _upload_page(
    request: Request, partnership: Partnership, errors: dict[str, Any] | None = None, status: int = 200
) -> Response:
    context = {"partnership": partnership, "errors": errors or {}, "accept": ACCEPT, "action": _base(partnership),
               "max_mb": document_upload_bytes() // MB}  # fmt: skip
    return render(request, "agreements/existing_upload.html", context, status_code=status)


@router.get("/partnerships/{partnership_id}/existing-agreements/new")
def upload_form(request: Request, session: DbSession, user: PageUser, partnership_id: PartnershipId) -> Response:
    """The form to upload a signed copy (PDF or Word) of an agreement signed before it was registered."""
    existing.require_recorder(session, user, partnership_id)
    partnership = get_partnership(session, partnership_id)
    existing.require_recordable(partnership)
    return _upload_page(request, partnership)


@router.post("/partnerships/{partnership_id}/existing-agreements")
def upload(
    request: Request, session: DbSession, user: PageUser, partnership_id: PartnershipId, form: CheckedForm
) -> Response:
    """Store the signed copy as a draft's version and go to its review; a refused file comes back with the reason."""
    existing.require_recorder(session, user, partnership_id)
    partnership = get_partnership(session, partnership_id)
    sent = form.get("file")
    try:
        if not isinstance(sent, UploadFile) or not sent.filename:
            raise invalid("file", _("choose the signed copy to upload (PDF or Word .docx)"))
        content = sent.file.read(document_upload_bytes() + 1)
        with savepoint(session):
            review = existing.upload_signed_copy(session, partnership_id, content, sent.filename, user)
    except DomainError as exc:
        errors = worded(field_errors(exc))
        if "" in errors and isinstance(errors[""], str):
            errors[""] = [errors[""]]
        return _upload_page(request, partnership, errors, exc.status)
    message = _("Signed copy stored. Nothing is recorded yet: check what it proposes and confirm.")
    return redirect(request, f"{_base(partnership)}/{review.agreement.id}", message)


# review and confirm ------------------------------------------------------------------------------------------


def _review_page(
    request: Request,
    review: existing.Review,
    *,
    values: dict[str, Any] | None = None,
    errors: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    agreement = review.agreement
    partnership = agreement.partnership
    rows = forms_in.party_rows(review, get_settings().organisation_name)
    parents = [
        (a.id, f"{a.title} ({VOCAB.gettext(humanise(a.status)).lower()})")
        for a in partnership.agreements
        if a.id != agreement.id and a.status in states("agreement", group="renewable")
    ]
    context = {
        "partnership": partnership,
        "agreement": agreement,
        "review": review,
        "version": review.version,
        "editable": agreement.status in states("agreement", group="editable"),
        "rows": rows,
        "values": values if values is not None else forms_in.proposed_values(review, rows),
        "errors": errors or {},
        "lines": forms_in.proposal_lines(review),
        "missing": forms_in.missing_words(review),
        "dates": forms_in.date_lines(review),
        "parties_found": [(found, forms_in.party_words(found)) for found in review.proposals.parties],
        "kinds": [(kind.value, words) for kind, words in forms_in.KIND_WORDS.items()],
        "parents": parents,
        "action": f"{_base(partnership)}/{agreement.id}/confirm",
    }
    return render(request, "agreements/existing_review.html", context, status_code=status)


@router.get("/partnerships/{partnership_id}/existing-agreements/{upload_id}")
def review_page(
    request: Request, session: DbSession, user: PageUser, partnership_id: PartnershipId, upload_id: UploadId
) -> Response:
    """What the signed copy proposes, each with the words it came from, in a form to confirm or correct."""
    existing.require_recorder(session, user, partnership_id)
    return _review_page(request, existing.review_upload(session, partnership_id, upload_id))


@router.post("/partnerships/{partnership_id}/existing-agreements/{upload_id}/confirm")
def confirm(
    request: Request,
    session: DbSession,
    user: PageUser,
    partnership_id: PartnershipId,
    upload_id: UploadId,
    form: CheckedForm,
) -> Response:
    """Record the signed copy with the confirmed facts, then go to the agreement."""
    existing.require_recorder(session, user, partnership_id)
    origin: list[int] = []
    try:
        body, origin = forms_in.confirmation_input(form, upload_id)
        with savepoint(session):
            agreement = existing.confirm_signed_copy(session, partnership_id, body, user)
    except NotFound:
        raise
    except DomainError as exc:
        return _refused(request, session, partnership_id, upload_id, form, exc, origin)
    done = _("Recorded as signed. Now: {state}", state=VOCAB.gettext(label("agreement", agreement.status)))
    return redirect(request, f"/agreements/{agreement.id}", done)


def _refused(
    request: Request,
    session: DbSession,
    partnership_id: int,
    upload_id: int,
    form: FormData,
    exc: DomainError,
    origin: list[int],
) -> Response:
    """The review page again with the messages beside the fields and everything typed (nothing was recorded)."""
    review = existing.review_upload(session, partnership_id, upload_id)
    errors = forms_in.confirmation_errors(exc, origin)
    return _review_page(request, review, values=kept(form), errors=errors, status=exc.status)


# the stored file ---------------------------------------------------------------------------------------------


@router.get("/agreements/{agreement_id}/versions/{number}/original")
def original(
    session: DbSession, user: PageUser, agreement_id: Annotated[int, Path(gt=0, le=MAX_ID)], number: VersionNumber
) -> Response:
    """An uploaded version's file exactly as stored (the signed copy), for reading beside the proposals."""
    require(user, Action.READ)
    version = agreements.get_version(session, agreement_id, number)
    if version.file_content is None:
        raise NotFound(
            _(
                "version {number} of agreement {agreement} was not uploaded as a file",
                number=number,
                agreement=agreement_id,
            )
        )
    return file_response(
        version.file_content,
        version.media_type or "application/octet-stream",
        version.file_name,
        fallback=f"agreement-{agreement_id}-v{number}",
    )
