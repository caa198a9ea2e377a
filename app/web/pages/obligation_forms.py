"""The obligation actions shown in the obligation rows of the agreement and partnership pages: what each form asks
for, the submitted fields as the transition input, and the engine's refusals as messages in words.

No routes here, and no writes: the route is in :mod:`app.web.pages.obligations`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from app.errors import DomainError, PreconditionFailed
from app.i18n import VOCAB, WEB
from app.obligations import service
from app.obligations.models import Obligation
from app.users.models import User
from app.web.forms import text, validate
from app.web.rendering import format_date, humanise
from app.web.security import safe_next
from app.workflow import definition, engine
from app.workflow.schemas import TransitionRequest

_ = WEB.gettext
_l = WEB.lazy
WORKFLOW = service.WORKFLOW
SUMMARIES = {
    "fulfil": _l("Mark fulfilled…"),
    "fulfil_occurrence": _l("Record this occurrence…"),
    "waive": _l("Waive…"),
    "reopen": _l("Reopen…"),
}
BUTTONS = {
    "fulfil": _l("Mark fulfilled"),
    "fulfil_occurrence": _l("Record occurrence done"),
    "waive": _l("Waive obligation"),
    "reopen": _l("Reopen obligation"),
}
DONE = {
    "fulfil": _l("Obligation marked fulfilled"),
    "fulfil_occurrence": _l("Occurrence recorded as done"),
    "waive": _l("Obligation waived"),
    "reopen": _l("Obligation reopened"),
}
FIELD_LABELS = {
    ("fulfil", "fulfilled_on"): _l("Date it was done"),
    ("fulfil_occurrence", "fulfilled_on"): _l("Date this occurrence was done"),
    ("waive", "reason"): _l("Reason for waiving"),
}
FIELD_HINTS = {"evidence": _l("Optional: what shows it was done, such as the report received.")}
COMMENT_LABELS = {"reopen": _l("Reason for reopening")}
STYLES = {"fulfil": "button--primary", "fulfil_occurrence": "button--primary", "waive": "button--danger"}
MAX_NEXT = 500


def _sentence(words: str) -> str:
    return words[:1].upper() + words[1:]


def _field_label(trigger: str, name: str, description: str) -> str:
    if name == "evidence":
        return _("Evidence")
    return str(FIELD_LABELS.get((trigger, name), VOCAB.gettext(_sentence(description))))


def button_label(trigger: str) -> str:
    """The words on the button that fires ``trigger``."""
    return str(BUTTONS.get(trigger, VOCAB.gettext(humanise(trigger))))


def action_forms(available: Iterable[engine.Availability], obligation: Obligation) -> list[dict[str, Any]]:
    """The actions the engine allows now, as small forms; blocked and automatic ones are left out (too noisy)."""
    workflow = definition.get_workflow(WORKFLOW)
    forms = []
    for availability in available:
        transition = workflow.find(availability.trigger, workflow.state_of(obligation))
        if not availability.allowed or transition is None or transition.automatic:
            continue
        trigger = availability.trigger
        fields = [
            {
                "name": spec.name,
                "type": spec.type,
                "required": spec.required,
                "label": _field_label(trigger, spec.name, spec.description),
                "hint": str(FIELD_HINTS[spec.name]) if spec.name in FIELD_HINTS else None,
            }
            for spec in availability.payload
        ]
        if availability.comment_required:
            label = str(COMMENT_LABELS.get(trigger, _("Why {action}", action=VOCAB.gettext(humanise(trigger)).lower())))
            fields.append({"name": "comment", "type": "text", "required": True, "label": label, "hint": None})
        forms.append(
            {
                "trigger": trigger,
                "summary": str(SUMMARIES.get(trigger, _("{action}…", action=VOCAB.gettext(humanise(trigger))))),
                "label": button_label(trigger),
                "fields": fields,
                "style": STYLES.get(trigger, ""),
            }
        )
    return forms


def row_actions(
    session: Session, user: User, obligations: Iterable[Obligation], *, may_act: bool
) -> dict[int, list[dict[str, Any]]]:
    """Obligation id → the forms of what ``user`` may do with it now (nothing at all unless ``may_act``)."""
    if not may_act:
        return {}
    return {o.id: action_forms(service.available_transitions(session, o.id, user), o) for o in obligations}


def back_to(form: FormData, default: str) -> str:
    """Where the form came from (the hidden ``next``): a path on this site only, else ``default``."""
    target = text(form, "next")
    if target is None or len(target) > MAX_NEXT or safe_next(target) != target:
        return default
    return target


def came_from(target: str) -> tuple[str, int] | None:
    """``("agreements", 7)`` for ``/agreements/7#obligations``: the page a path shows, if it is one of those two."""
    parts = urlsplit(target).path.strip("/").split("/")
    if len(parts) == 2 and parts[0] in {"agreements", "partnerships"} and parts[1].isdigit() and len(parts[1]) < 10:
        return parts[0], int(parts[1])
    return None


def transition_input(trigger: str, form: FormData) -> TransitionRequest:
    """The comment and the payload fields ``trigger`` takes, as the API's request body."""
    workflow = definition.get_workflow(WORKFLOW)
    transition = next(t for t in workflow.transitions if t.trigger == trigger)
    payload = {spec.name: value for spec in transition.payload if (value := text(form, spec.name)) is not None}
    return validate(TransitionRequest, {"comment": text(form, "comment"), "payload": payload or None})


def refusal(exc: DomainError, trigger: str, obligation: Obligation) -> dict[str, Any]:
    """Field → message for the refused form; ``""`` lists the reasons that concern the whole action."""
    labels = {spec["name"]: spec["label"] for spec in _all_fields(trigger)}
    general: list[str] = []
    errors: dict[str, Any] = {}
    if isinstance(exc, engine.TransitionNotAllowed):
        status = VOCAB.gettext(humanise(definition.get_workflow(WORKFLOW).state_of(obligation))).lower()
        general.append(
            _("It cannot be done while the obligation is {state}; reload the page to see what can.", state=status)
        )
    elif isinstance(exc, PreconditionFailed):
        general.append(_("Someone changed this obligation meanwhile; check the page and try again."))
    else:
        for problem in exc.problems:
            name = problem.field.removeprefix("payload.")
            if name in labels:
                joint = " " if problem.reason.startswith(("is ", "must ")) else ": "
                errors.setdefault(name, f"{labels[name]}{joint}{problem.reason}.")
            else:
                general.append(_sentence(problem.reason) + ".")
        if not exc.problems:
            general.append(_sentence(exc.detail) + ".")
    errors[""] = general
    return errors


def _all_fields(trigger: str) -> list[dict[str, Any]]:
    workflow = definition.get_workflow(WORKFLOW)
    transition = next(t for t in workflow.transitions if t.trigger == trigger)
    fields = [
        {"name": spec.name, "label": _field_label(trigger, spec.name, spec.description)} for spec in transition.payload
    ]
    fields.append({"name": "comment", "label": str(COMMENT_LABELS.get(trigger, _("Comment")))})
    return fields


def done_message(trigger: str, obligation: Obligation) -> str:
    """The flash message once ``trigger`` is done (a recurring one says when the next occurrence is due)."""
    message = str(DONE.get(trigger, _("{action}: done", action=VOCAB.gettext(humanise(trigger)))))
    if trigger == "fulfil_occurrence" and isinstance(obligation.due_date, date):
        message += _("; the next is due {date}", date=format_date(obligation.due_date))
    return message
