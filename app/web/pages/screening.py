"""Pages: sanctions screening — the list loaded, the potential matches to decide with the entry beside the
organisation, and (admins) loading a new list."""

from __future__ import annotations

import io
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from app.api.deps import DbSession, TransactionalRoute
from app.config import get_settings
from app.db import savepoint
from app.errors import DomainError
from app.i18n import WEB
from app.organisations.service import get_organisation
from app.schemas import MAX_ID
from app.screening import loading, service
from app.screening.models import HitStatus
from app.screening.unlist import MAX_LIST_BYTES, ListFormatError
from app.users.policy import Action, can, require
from app.web.deps import CheckedForm, PageUser
from app.web.forms import field_errors
from app.web.rendering import redirect, render
from app.workflow.actor import Actor

_ = WEB.gettext
_l = WEB.lazy
router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
HitId = Annotated[int, Path(gt=0, le=MAX_ID)]
STATUS_WORDS = {
    "unscreened": _l("Unscreened"),
    "clear": _l("Screened, clear"),
    "pending": _l("Potential match pending"),
    "confirmed": _l("Confirmed match"),
    "cleared": _l("Cleared (false positive)"),
}
FILTERS = [("pending", _l("Pending")), ("cleared", _l("Cleared")), ("confirmed", _l("Confirmed")), ("", _l("All"))]


def _overview(request: Request, session: DbSession, user: PageUser, shown: str, errors: dict[str, str],
              status_code: int = 200) -> Response:  # fmt: skip
    hits = service.list_hits(session, shown or None, limit=500)
    rows = [(hit, get_organisation(session, hit.organisation_id), service.entry(session, hit.data_id)) for hit in hits]
    context = {
        "current": service.current_list(session),
        "counts": service.counts(session),
        "required": get_settings().screening_required,
        "threshold": service.threshold(),
        "rows": rows,
        "shown": shown,
        "filters": FILTERS,
        "status_words": STATUS_WORDS,
        "errors": errors,
        "may_load": can(user, Action.LOAD_SCREENING_LIST),
    }
    return render(request, "screening/index.html", context, status_code=status_code)


@router.get("/screening")
def screening(request: Request, session: DbSession, user: PageUser, status: str = "pending") -> Response:
    """The list loaded, how many organisations stand where, and the potential matches to decide."""
    require(user, Action.READ)
    shown = status if status in {"pending", "cleared", "confirmed", ""} else "pending"
    return _overview(request, session, user, shown, {})


@router.post("/screening/lists")
async def load_list(request: Request, session: DbSession, user: PageUser, form: CheckedForm) -> Response:
    """Load a new Consolidated List (admins) and say what changed."""
    actor = Actor.person(user)
    require(actor, Action.LOAD_SCREENING_LIST)
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _overview(request, session, user, "pending", {"file": _("choose the consolidated.xml file")}, 422)
    data = await upload.read(MAX_LIST_BYTES + 1)
    try:
        with savepoint(session):
            report = loading.load_list(session, io.BytesIO(data), file_name=upload.filename[:300], actor=actor)
    except ListFormatError as exc:
        return _overview(request, session, user, "pending", {"file": _("not a Consolidated List: {reason}",
                                                                        reason=str(exc))}, 422)  # fmt: skip
    message = _(
        "List loaded: {added} added, {removed} removed, {changed} changed; {hits} new hits.",
        added=len(report.added), removed=len(report.removed), changed=len(report.changed),
        hits=len(report.new_hits),
    )  # fmt: skip
    return redirect(request, "/screening", message)


@router.get("/screening/hits/{hit_id}")
def hit_page(request: Request, session: DbSession, user: PageUser, hit_id: HitId) -> Response:
    """The organisation and the list entry side by side, the score explained, and the decision form."""
    require(user, Action.READ)
    return _hit(request, session, user, hit_id, {}, {})


def _hit(request: Request, session: DbSession, user: PageUser, hit_id: int, errors: dict[str, str],
         typed: dict[str, str], status_code: int = 200) -> Response:  # fmt: skip
    hit = service.get_hit(session, hit_id)
    organisation = get_organisation(session, hit.organisation_id)
    context = {
        "hit": hit,
        "organisation": organisation,
        "entry": service.entry(session, hit.data_id),
        "standing": service.standing(session, organisation),
        "status_words": STATUS_WORDS,
        "errors": errors,
        "typed": typed,
        "may_decide": can(user, Action.DECIDE_SCREENING) and hit.active,
        "pending": hit.status is HitStatus.PENDING,
    }
    return render(request, "screening/hit.html", context, status_code=status_code)


@router.post("/screening/hits/{hit_id}/decision")
def decide(request: Request, session: DbSession, user: PageUser, form: CheckedForm, hit_id: HitId) -> Response:
    """Record the decision (cleared or confirmed) with its reason, and go back to the list."""
    decision, reason = str(form.get("decision") or ""), str(form.get("reason") or "")
    try:
        with savepoint(session):
            hit = service.decide(session, hit_id, decision, reason, actor=Actor.person(user))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        return _hit(request, session, user, hit_id, field_errors(exc), {"decision": decision, "reason": reason},
                    exc.status)  # fmt: skip
    organisation = get_organisation(session, hit.organisation_id)
    message = _("Decision recorded for {name}: {decision}.", name=organisation.legal_name,
                decision=STATUS_WORDS[hit.status.value])  # fmt: skip
    return redirect(request, "/screening", message)
