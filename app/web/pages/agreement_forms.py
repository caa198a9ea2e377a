"""The agreement page's forms: what each form shows, submitted fields turned into validated inputs, and service
errors turned into field messages.

No routes here, and no database: the routes in :mod:`app.web.pages.agreements` call these and then the services.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from starlette.datastructures import FormData

from app.agreements.models import Agreement, AgreementKind
from app.agreements.schemas import AgreementCreate, AgreementUpdate
from app.errors import DomainError, invalid
from app.i18n import MESSAGES, VOCAB, WEB
from app.obligations.models import Recurrence
from app.obligations.schemas import ObligationCreate, ObligationUpdate
from app.schemas import MAX_ID
from app.web.forms import field_errors, text, validate
from app.web.rendering import humanise
from app.workflow import definition, engine
from app.workflow.schemas import TransitionRequest

_ = WEB.gettext
_l = WEB.lazy
LABELS = {
    "submit_for_review": _l("Submit for review"),
    "request_changes": _l("Request changes"),
    "approve": _l("Approve version {number}"),
    "record_signatures": _l("Record signatures"),
    "suspend": _l("Suspend"),
    "resume": _l("Resume"),
    "terminate": _l("Terminate"),
    "cancel": _l("Cancel agreement"),
}
COMMENT_LABELS = {
    "submit_for_review": _l("Note for the reviewer"),
    "request_changes": _l("What needs to change"),
    "approve": _l("Approval note"),
    "record_signatures": _l("Note on the signatures"),
    "suspend": _l("Why suspend"),
    "resume": _l("Note on resuming"),
    "terminate": _l("Internal note on the termination"),
    "cancel": _l("Why cancel"),
}
FIELD_LABELS = {
    ("terminate", "termination_date"): _l("Termination date"),
    ("terminate", "reason"): _l("Reason for termination"),
    ("terminate", "override_justification"): _l("Justification for a shorter notice (admins only)"),
}
DONE = {
    "submit_for_review": _l("Version {number} submitted for review"),
    "request_changes": _l("Changes requested: the agreement is back in draft"),
    "approve": _l("Approved version {number}"),
    "record_signatures": _l("Signatures recorded: the agreement is signed"),
    "suspend": _l("Agreement suspended"),
    "resume": _l("Agreement resumed"),
    "terminate": _l("Agreement terminated"),
    "cancel": _l("Agreement cancelled"),
}
PRIMARY = {"submit_for_review", "approve", "record_signatures", "resume"}
DANGER = {"cancel", "terminate", "suspend"}
SUCCESSOR_WORDS = {
    AgreementKind.AMENDMENT: _l("Amendment (change some terms)"),
    AgreementKind.EXTENSION: _l("Extension (a later end date)"),
    AgreementKind.RENEWAL: _l("Renewal (a new term)"),
}
AUTOMATIC_WHEN = {
    "activate": _l("on its effective date, once it is signed"),
    "expire": _l("the day after its end date"),
    "supersede": _l("when an amendment, extension or renewal of it comes into force"),
}
RECURRENCES = [(r.value, VOCAB.lazy(humanise(r.value))) for r in Recurrence]
_AUTOMATIC = "this happens automatically"  # the engine's reason for an automatic transition (in "messages")
SUCCESSOR_KINDS = (AgreementKind.AMENDMENT, AgreementKind.EXTENSION, AgreementKind.RENEWAL)
TERM_FIELDS = ("title", "effective_date", "end_date", "notice_period_days")
OBLIGATION_FIELDS = ("party_id", "description", "due_date", "recurrence", "recurrence_until", "responsible_email")
SIGNATURE_FIELDS = ("signatory_name", "signatory_title", "signed_on")
_SIGNATURE_FIELD = re.compile(r"^signatures-(\d+)-party_id$")
_SIGNATURE_PROBLEM = re.compile(r"^payload\.signatures\[(\d+)\]\.(\w+)$")
_TEMPLATE_KEY = re.compile(r"[a-z][a-z0-9_]{0,59}")
_LANGUAGE = re.compile(r"[a-z]{2}(-[A-Z]{2})?(\+[a-z]{2})?")  # "en+fr": both texts, one after the other


def sentence(words: str) -> str:
    """``words`` with a capital first letter."""
    return words[:1].upper() + words[1:]


def worded(errors: dict[str, Any]) -> dict[str, Any]:
    """Field messages as sentences: ``is required`` → ``This is required``."""
    result: dict[str, Any] = {}
    for field, message in errors.items():
        if isinstance(message, str) and field == "":
            message = sentence(message)
        elif isinstance(message, str) and message.startswith(("is ", "must ")):
            message = f"This {message}"
        result[field] = message
    return result


def expected_version(form: FormData) -> int | None:
    """The record version the page was showing (hidden ``version`` field), for the stale-page check."""
    value = text(form, "version")
    return int(value) if value and value.isdigit() and len(value) < 10 else None


# transitions -----------------------------------------------------------------------------------------------


def action_label(trigger: str, agreement: Agreement) -> str:
    """The words on the button (and heading) of ``trigger``'s form."""
    latest = agreement.latest_version
    return str(LABELS.get(trigger, VOCAB.gettext(humanise(trigger)))).format(number=latest.number if latest else "")


def done_message(trigger: str, number: int | str) -> str:
    """The flash message once ``trigger`` is done (``number`` = the latest version's)."""
    if trigger not in DONE:
        return _("{action}: done", action=VOCAB.gettext(humanise(trigger)))
    return str(DONE[trigger]).format(number=number)


def _style(trigger: str) -> str:
    return "primary" if trigger in PRIMARY else "danger" if trigger in DANGER else ""


def action_forms(
    available: Iterable[engine.Availability], agreement: Agreement, *, show_admin_fields: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The engine's availabilities as forms people fill in, and the automatic ones as notes on when they happen."""
    workflow = definition.get_workflow("agreement")
    people, automatic = [], []
    for availability in available:
        trigger = availability.trigger
        transition = workflow.find(trigger, agreement.status)
        if transition is not None and transition.automatic:
            automatic_words = {_AUTOMATIC, MESSAGES.gettext(_AUTOMATIC)}
            waiting = [reason for reason in availability.reasons if reason not in automatic_words]
            when = str(AUTOMATIC_WHEN.get(trigger, _("when its conditions are met")))
            automatic.append({"trigger": trigger, "dest": availability.dest, "when": when, "reasons": waiting})
            continue
        fields = [
            {
                "name": spec.name,
                "type": spec.type,
                "required": spec.required,
                "label": str(FIELD_LABELS.get((trigger, spec.name), VOCAB.gettext(sentence(spec.description)))),
            }
            for spec in availability.payload
            if spec.type not in {"signatures", "sha256"}
            and (spec.name != "override_justification" or show_admin_fields)
        ]
        people.append(
            {
                "trigger": trigger,
                "label": action_label(trigger, agreement),
                "allowed": availability.allowed,
                "reasons": list(availability.reasons),
                "comment_required": availability.comment_required,
                "comment_label": str(
                    COMMENT_LABELS.get(
                        trigger, _("Comment on {action}", action=VOCAB.gettext(humanise(trigger)).lower())
                    )
                ),
                "fields": fields,
                "style": _style(trigger),
            }
        )
    return people, automatic


def signature_rows(pairs: Iterable[tuple[Any, Any]], organisation_name: str) -> list[dict[str, Any]]:
    """One row of the signature form per signing party (``None`` = the organisation), prefilled from its focal point."""
    rows = []
    for index, (party, contact) in enumerate(pairs):
        rows.append(
            {
                "index": index,
                "party_id": party.id if party is not None else "",
                "party": party.organisation.legal_name if party is not None else organisation_name,
                "role": VOCAB.gettext(humanise(party.role)) if party is not None else "",
                "name": contact.name if contact is not None else "",
                "title": (contact.title or "") if contact is not None else "",
            }
        )
    return rows


def signatures(form: FormData) -> tuple[list[dict[str, Any]], list[int]]:
    """The filled signature rows as the payload list, and the form row each payload item came from."""
    rows = sorted(int(match.group(1)) for key in form if (match := _SIGNATURE_FIELD.match(key)) and len(key) < 40)
    payload, origin = [], []
    for row in rows[:100]:
        values = {name: text(form, f"signatures-{row}-{name}") for name in SIGNATURE_FIELDS}
        if not any(values.values()):
            continue
        party = text(form, f"signatures-{row}-party_id")
        if party is not None and not (party.isdigit() and 0 < int(party) <= MAX_ID):
            raise invalid(f"signatures-{row}-party_id", _("is not a party of this agreement"))
        payload.append({"party_id": int(party) if party else None, **values})
        origin.append(row)
    return payload, origin


def transition_input(agreement: Agreement, trigger: str, form: FormData) -> tuple[TransitionRequest, list[int]]:
    """The comment and the payload ``trigger`` takes, and the form row of each signature in it."""
    workflow = definition.get_workflow("agreement")
    transition = workflow.find(trigger, agreement.status) or next(
        t for t in workflow.transitions if t.trigger == trigger
    )
    payload: dict[str, Any] = {}
    origin: list[int] = []
    for spec in transition.payload:
        if spec.type == "signatures":
            found, origin = signatures(form)
            if found:
                payload[spec.name] = found
        elif (value := text(form, spec.name)) is not None:
            payload[spec.name] = value
    body = validate(TransitionRequest, {"comment": text(form, "comment"), "payload": payload or None})
    return body, origin


def action_errors(exc: DomainError, origin: list[int]) -> dict[str, Any]:
    """Field → message for the transition form; ``""`` holds the list of reasons that concern the whole action."""
    general: list[str] = []
    errors: dict[str, Any] = {}
    for problem in exc.problems:
        field = problem.field
        if (match := _SIGNATURE_PROBLEM.match(field)) and int(match.group(1)) < len(origin):
            errors.setdefault(f"signatures-{origin[int(match.group(1))]}-{match.group(2)}", problem.reason)
        elif field == "comment" or (
            field.startswith("payload.") and "." not in field[8:] and field != "payload.signatures"
        ):
            errors.setdefault(field.removeprefix("payload."), problem.reason)
        elif field == "trigger":
            general.append(sentence(problem.reason))
        else:
            what = field.removeprefix("payload.").replace("_", " ")
            general.append(f"{sentence(what)}: {problem.reason}" if what else problem.reason)
    if not exc.problems:
        general.append(sentence(exc.detail))
    errors[""] = general
    return worded(errors)


# drafting --------------------------------------------------------------------------------------------------


def terms_input(form: FormData) -> AgreementUpdate:
    """A draft's title and term as the update the API takes."""
    return validate(AgreementUpdate, {name: text(form, name) for name in TERM_FIELDS})


def _obligation_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: text(form, name) for name in OBLIGATION_FIELDS}
    values["survives_termination"] = text(form, "survives_termination") is not None  # a ticked box
    return values


def obligation_input(form: FormData) -> ObligationCreate:
    """A new obligation as the API takes it."""
    return validate(ObligationCreate, _obligation_values(form))


def obligation_changes(form: FormData) -> ObligationUpdate:
    """An edited obligation as the API's PATCH takes it (every field of the form is sent, emptied ones as null)."""
    values = _obligation_values(form)
    if values["description"] is None:
        values.pop("description")
    return validate(ObligationUpdate, values)


def general_error_from(errors: dict[str, str], field: str) -> dict[str, str]:
    """``errors`` with the message about ``field`` (not a field of the form) moved to the whole form (``""``)."""
    if field in errors:
        errors[""] = sentence(errors.pop(field))
    return errors


def obligation_errors(exc: DomainError) -> dict[str, Any]:
    """Messages for the add-obligation form (a problem with the whole body concerns the whole form)."""
    return worded(general_error_from(field_errors(exc), "body"))


def template_choice(form: FormData) -> tuple[str | None, str]:
    """The chosen template key (``None`` = the default) and language, refused unless they look like ones listed."""
    key, language = text(form, "template"), text(form, "language") or "en"
    if key is not None and not _TEMPLATE_KEY.fullmatch(key):
        raise invalid("template", _("choose one of the templates listed"))
    if not _LANGUAGE.fullmatch(language):
        raise invalid("language", _("choose one of the languages listed"))
    return key, language


def overrides(form: FormData, to_type: Iterable[Any], declared: set[str]) -> dict[str, Any]:
    """The typed values of the variables to type (``to_type``) that the chosen template declares (``declared``)."""
    values: dict[str, Any] = {}
    for variable in to_type:
        raw = form.get(f"variables.{variable.name}")
        value = raw.strip() if isinstance(raw, str) else ""
        if variable.name not in declared or not value:
            continue
        if variable.type == "list":
            values[variable.name] = [line.strip() for line in value.splitlines() if line.strip()]
        elif variable.type == "integer" and value.lstrip("-").isdigit() and len(value) < 10:
            values[variable.name] = int(value)
        else:
            values[variable.name] = value
    return values


def generation_errors(exc: DomainError, to_type: set[str]) -> tuple[dict[str, Any], list[str]]:
    """Messages beside the variables typed (named ``variables.<name>``), and every problem listed in words."""
    errors: dict[str, Any] = {}
    for problem in exc.problems:
        name = f"variables.{problem.field}" if problem.field in to_type else problem.field
        errors.setdefault(name, problem.reason)
    problems = [sentence(p.reason) for p in exc.problems] or [sentence(exc.detail)]
    return worded(errors), problems


def successor_input(parent: Agreement, form: FormData) -> AgreementCreate:
    """A draft amendment, extension or renewal of ``parent``: its title and notice default to the parent's."""
    kind = text(form, "kind")
    if kind not in {k.value for k in SUCCESSOR_KINDS}:
        raise invalid("kind", _("choose amend, extend or renew"))
    values: dict[str, Any] = {name: text(form, name) for name in TERM_FIELDS}
    if values["title"] is None:
        values["title"] = _("{kind} of {title}", kind=VOCAB.gettext(humanise(kind)), title=parent.title)[:300]
    if values["notice_period_days"] is None:
        values["notice_period_days"] = parent.notice_period_days
    return validate(
        AgreementCreate, {"partnership_id": parent.partnership_id, "kind": kind, "parent_id": parent.id, **values}
    )


def successor_errors(exc: DomainError) -> dict[str, Any]:
    """Messages for the amend/extend/renew form (a problem with the parent concerns the whole form)."""
    return worded(general_error_from(field_errors(exc), "parent_id"))
