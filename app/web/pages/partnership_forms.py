"""The partnership pages' forms: submitted fields turned into the inputs the services take, and service errors into
messages that name the field.

No routes here, and no database: the routes in :mod:`app.web.pages.partnerships` and
:mod:`app.web.pages.partnership_list` call these and then the services.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.datastructures import FormData

from app.errors import DomainError, FieldProblem, PreconditionFailed
from app.i18n import WEB
from app.partnerships.models import PartyRole
from app.schemas import MAX_ID
from app.web.forms import field_errors, text, texts
from app.web.rendering import humanise
from app.workflow import engine

ROWS_SHOWN = 3
MAX_ROWS = 30
PARTY_FIELD = re.compile(r"^parties\[(\d{1,2})\]\.(organisation_id|role)$")
LIST_FIELD = re.compile(r"^(area_codes|co_owner_ids)\[\d+\]$")
_PARTY_PROBLEM = re.compile(r"^parties\[(\d+)\]\.(\w+)")
_ = WEB.gettext


def role_labels() -> dict[str, str]:
    """A party's roles as the forms name them, in the reader's language."""
    named = {
        PartyRole.LEAD_PARTNER: _("Lead partner"),
        PartyRole.CO_PARTNER: _("Co-partner"),
        PartyRole.IMPLEMENTING_PARTNER: _("Implementing partner"),
        PartyRole.DONOR: _("Donor"),
        PartyRole.OBSERVER: _("Observer"),
    }
    return {role.value: named.get(role) or humanise(role) for role in PartyRole}


def field_labels() -> dict[str, str]:
    """The label each field of the partnership forms shows, in the reader's language."""
    return {
        "title": _("Title"),
        "objectives": _("Objectives"),
        "area_codes": _("Areas of engagement"),
        "legal_officer_id": _("Legal officer"),
        "co_owner_ids": _("Co-owners"),
        "owner_id": _("Owner"),
        "parties": _("Partners"),
        "project.name": _("Project name"),
        "project.code": _("Project code"),
        "project.start_date": _("Project start date"),
        "project.end_date": _("Project end date"),
        "interaction.occurred_on": _("Date of the interaction"),
        "interaction.kind": _("Kind of interaction"),
        "interaction.summary": _("Summary"),
        "interaction.participants": _("Participants"),
        "undertaking.given_on": _("Date given"),
        "undertaking.given_by": _("Given by"),
        "undertaking.organisation_id": _("Organisation giving it"),
        "undertaking.scope": _("Scope"),
        "undertaking.form": _("Form of undertaking"),
        "agreement.kind": _("Kind of agreement"),
        "agreement.title": _("Agreement title"),
        "agreement.parent_id": _("Modifies agreement"),
        "agreement.effective_date": _("Effective date"),
        "agreement.end_date": _("End date"),
        "agreement.notice_period_days": _("Notice period (days)"),
        "focal_point_id": _("Focal point"),
    }


# messages ----------------------------------------------------------------------------------------------------


def field_label(field: str) -> str:
    """The label the form shows for ``field`` (``parties[1].role`` → ``Partner 2 role``)."""
    found = PARTY_FIELD.match(field)
    if found:
        number = int(found.group(1)) + 1
        if found.group(2) == "organisation_id":
            return _("Partner {n} organisation", n=number)
        return _("Partner {n} role", n=number)
    return field_labels().get(field, humanise(field.rsplit(".", 1)[-1]))


def messages(errors: dict[str, str]) -> dict[str, str]:
    """Field messages as sentences that name the field, so the error summary reads well on its own."""
    friendly = {}
    for field, message in errors.items():
        if not field:
            friendly[field] = message[:1].upper() + message[1:]
        elif message == "is required":
            friendly[field] = _("{field} is required.", field=field_label(field))
        elif message.startswith(("is ", "must ")):
            friendly[field] = f"{field_label(field)} {message}."
        else:
            friendly[field] = _("{field}: {message}.", field=field_label(field), message=message)
    return friendly


def prefixed(prefix: str, exc: DomainError) -> dict[str, str]:
    """Messages for a form whose fields are named ``<prefix>.<field>`` (the service names them ``<field>``)."""
    return messages({(f"{prefix}.{field}" if field else ""): message for field, message in field_errors(exc).items()})


# reading fields ----------------------------------------------------------------------------------------------


def present(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` without the empty fields, so that the model says "is required" or uses its default."""
    return {name: value for name, value in data.items() if value not in (None, "", [])}


def fields(form: FormData, prefix: str, names: tuple[str, ...]) -> dict[str, Any]:
    """The filled fields ``<prefix>.<name>`` of ``form``, by ``name``."""
    return present({name: text(form, f"{prefix}.{name}") for name in names})


def number(value: str | None) -> int | None:
    """``value`` as an id, or ``None`` when it is not one."""
    return int(value) if value and value.isdigit() and 0 < int(value) <= MAX_ID else None


# a new partnership -------------------------------------------------------------------------------------------


def party_rows(form: FormData) -> int:
    """How many partner rows the submitted form had."""
    indexes = [int(found.group(1)) for key in form if (found := PARTY_FIELD.match(key))]
    return max([ROWS_SHOWN, *(index + 1 for index in indexes)])


def partnership_data(form: FormData) -> tuple[dict[str, Any], list[int]]:
    """The submitted form as ``PartnershipCreate`` data, and the form row of each party (blank rows left out)."""
    parties, rows = [], []
    for row in range(min(party_rows(form), MAX_ROWS)):
        organisation = text(form, f"parties[{row}].organisation_id")
        if organisation is None:
            continue
        role = text(form, f"parties[{row}].role") or ("lead_partner" if row == 0 else "co_partner")  # as shown
        parties.append({"organisation_id": organisation, "role": role})
        rows.append(row)
    project = present({name: text(form, f"project.{name}") for name in ("name", "code", "start_date", "end_date")})
    data = present(
        {
            "title": text(form, "title"),
            "objectives": text(form, "objectives"),
            "area_codes": texts(form, "area_codes"),
            "legal_officer_id": text(form, "legal_officer_id"),
            "co_owner_ids": texts(form, "co_owner_ids"),
            "project": project or None,
            "handles_personal_data": bool(text(form, "handles_personal_data")),
        }
    )
    data["parties"] = parties
    return data, rows


def creation_errors(exc: DomainError, rows: list[int]) -> dict[str, str]:
    """The service's field names mapped onto the form: ``parties[1]`` is the second *filled* row."""
    errors: dict[str, str] = {}
    for field, message in field_errors(exc).items():
        found = _PARTY_PROBLEM.match(field)
        if found and int(found.group(1)) < len(rows):
            name = found.group(2) if found.group(2) in {"organisation_id", "role"} else "organisation_id"
            field = f"parties[{rows[int(found.group(1))]}].{name}"
            if name == "role" and message != "is required":
                message = "choose a role from the list"
            elif "valid integer" in message:
                message = "choose an organisation from the list"
        elif field == "parties" and not rows:
            message = "add at least one partner organisation"
        elif LIST_FIELD.match(field):
            field = field.split("[", 1)[0]
        errors.setdefault(field, message)
    return messages(errors)


# transitions -------------------------------------------------------------------------------------------------


def transition_payload(form: FormData) -> dict[str, Any] | None:
    """The filled ``payload.<name>`` fields of a transition form, by name (``None`` when there are none)."""
    payload = {key.removeprefix("payload."): text(form, key) for key in form if key.startswith("payload.")}
    return {key: value for key, value in payload.items() if value is not None} or None


def transition_refusal(exc: DomainError, trigger: str, label: str, stage: str) -> dict[str, Any]:
    """Why the engine refused ``trigger``, in words and without internal names (``stage``: the partnership's now)."""
    if isinstance(exc, engine.TransitionNotAllowed):
        reason = _("it cannot be done while the partnership is {stage}", stage=humanise(stage).lower())
        exc.problems = [FieldProblem("", reason)]
    elif isinstance(exc, PreconditionFailed):
        exc.problems = [FieldProblem("", _("someone changed this partnership meanwhile; check the page and try again"))]
    reasons = list(getattr(exc, "reasons", [])) or [
        f"{humanise(p.field.removeprefix('payload.'))} {p.reason}".strip() for p in exc.problems
    ]
    return {"trigger": trigger, "label": label, "detail": exc.detail, "reasons": reasons}
