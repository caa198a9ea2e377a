"""Pages: keeping obligations current — fulfil, record an occurrence, waive or reopen, from the rows that list them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response

from app.api.deps import DbSession, TransactionalRoute
from app.db import savepoint
from app.errors import DomainError, Forbidden, NotFound
from app.i18n import WEB
from app.obligations import service
from app.partnerships.service import require_on_partnership
from app.schemas import MAX_ID
from app.users.policy import Action
from app.web.deps import CheckedForm, PageUser
from app.web.forms import kept
from app.web.pages import agreements, obligation_forms, partnerships
from app.web.pages.agreement_forms import expected_version, obligation_changes, obligation_errors
from app.web.rendering import redirect, render
from app.workflow import definition

_ = WEB.gettext
router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
ObligationId = Annotated[int, Path(gt=0, le=MAX_ID)]
Trigger = Annotated[str, Path(pattern=r"^[a-z_]{1,60}$")]


@router.post("/obligations/{obligation_id}/transitions/{trigger}")
def fire_transition(
    request: Request,
    session: DbSession,
    user: PageUser,
    form: CheckedForm,
    obligation_id: ObligationId,
    trigger: Trigger,
) -> Response:
    """Move the obligation through its workflow and go back to the page the form was on, with a message.

    The permission is the API's (editing the agreement's partnership). A refusal writes nothing and shows the
    page the user came from again, with the reason beside the form and what they typed.
    """
    obligation = service.get_obligation(session, obligation_id)
    agreement_id, partnership_id = obligation.agreement_id, obligation.agreement.partnership_id
    require_on_partnership(session, user, partnership_id, Action.EDIT_PARTNERSHIP)
    if trigger not in definition.get_workflow(service.WORKFLOW).triggers():
        raise NotFound(_("an obligation has no action {trigger}", trigger=repr(trigger)))
    back = obligation_forms.back_to(form, f"/agreements/{agreement_id}#obligations")
    try:
        body = obligation_forms.transition_input(trigger, form)
        with savepoint(session):
            moved = service.transition_obligation(
                session, obligation_id, trigger, user, body.comment, body.payload, expected_version(form)
            )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        state = {
            "trigger": trigger,
            "label": obligation_forms.button_label(trigger),
            "errors": obligation_forms.refusal(exc, trigger, service.get_obligation(session, obligation_id)),
            "values": kept(form),
        }
        forms = {f"obligation-{obligation_id}": state}
        match obligation_forms.came_from(back):
            case ("agreements", shown) if shown == agreement_id:
                return agreements.refused_page(request, session, user, agreement_id, forms, exc.status)
            case ("partnerships", shown) if shown == partnership_id:
                return partnerships.refused_page(request, session, user, partnership_id, forms, exc.status)
        messages = [*state["errors"][""], *(m for field, m in state["errors"].items() if field)]
        detail = _("{action} was not done.", action=state["label"]) + " " + " ".join(messages)
        context = {"status": exc.status, "detail": detail, "errors": []}
        return render(request, "error.html", context, status_code=exc.status)
    return redirect(request, back, obligation_forms.done_message(trigger, moved))


def _draft_change(request: Request, session: DbSession, user: PageUser, form: CheckedForm, obligation_id: int,
                  delete: bool) -> Response:  # fmt: skip
    obligation = service.get_obligation(session, obligation_id)
    agreement_id = obligation.agreement_id
    require_on_partnership(session, user, obligation.agreement.partnership_id, Action.EDIT_PARTNERSHIP)
    try:
        with savepoint(session):
            if delete:
                service.delete_obligation(session, obligation_id, user, expected_version(form))
            else:
                service.update_obligation(
                    session, obligation_id, obligation_changes(form), user, expected_version(form)
                )
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        state = {"errors": obligation_errors(exc), "values": kept(form)}
        return agreements.refused_page(request, session, user, agreement_id, {"obligation_edit": state}, exc.status)
    return redirect(
        request, f"/agreements/{agreement_id}#obligations", _("Obligation deleted") if delete else _("Obligation saved")
    )


@router.post("/obligations/{obligation_id}/edit")
def edit_obligation(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, obligation_id: ObligationId
) -> Response:
    """Change an obligation of a draft agreement, then back to the agreement (the reason beside the form if refused)."""
    return _draft_change(request, session, user, form, obligation_id, delete=False)


@router.post("/obligations/{obligation_id}/delete")
def delete_obligation(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, obligation_id: ObligationId
) -> Response:
    """Remove an obligation of a draft agreement, then back to the agreement."""
    return _draft_change(request, session, user, form, obligation_id, delete=True)
