"""Pages: one partnership — its timeline, obligations and history, and what can be done to it.

The list and opening a new partnership are :mod:`app.web.pages.partnership_list`.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from app.agreements import service as agreements
from app.agreements.models import AgreementKind
from app.agreements.schemas import AgreementCreate
from app.api.deps import DbSession, TransactionalRoute
from app.db import savepoint
from app.errors import DomainError, NotFound, invalid
from app.i18n import WEB
from app.listing import PageParams
from app.obligations import service as obligations
from app.partnerships import service
from app.partnerships.models import InteractionKind, UndertakingForm
from app.partnerships.schemas import InteractionCreate, UndertakingCreate
from app.partnerships.timeline import timeline
from app.schemas import MAX_ID
from app.users.models import User
from app.users.policy import Action, require
from app.web.deps import CheckedForm, PageUser
from app.web.forms import kept, text, validate
from app.web.pages import obligation_forms
from app.web.pages import partnership_forms as forms_in
from app.web.pages.existing_agreements import may_record_existing
from app.web.rendering import humanise, redirect, render
from app.workflow import definition, engine
from app.workflow.definition import states

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
PartnershipId = Annotated[int, Path(gt=0, le=MAX_ID)]
PartyId = Annotated[int, Path(gt=0, le=MAX_ID)]
Trigger = Annotated[str, Path(pattern=r"^[a-z_]{1,60}$")]

_ = WEB.gettext


def trigger_labels() -> dict[str, str]:
    """The partnership's transitions as its buttons say them, in the reader's language."""
    return {
        "start_formalising": _("Start formalisation"),
        "go_dormant": _("Mark as dormant"),
        "revive": _("Revive"),
        "renew": _("Renew"),
        "close": _("Close"),
        "agreement_in_force": _("Agreement in force"),
        "last_agreement_ended": _("Last agreement ended"),
    }


FORM_TRIGGERS = {"record_undertaking"}  # fired by the "Record an undertaking" form, never as a bare button

# one partnership ---------------------------------------------------------------------------------------------


def _timeline_and_reminders(session: DbSession, partnership_id: int) -> dict[str, Any]:
    """The dated events, and apart from them the reminder emails (one per person and date, so they are many)."""
    items = [_timeline_item(entry) for entry in timeline(session, partnership_id)]
    reminders = [item for item in items if item["reminder"]]
    return {
        "timeline": [item for item in items if not item["reminder"]],
        "reminders": reminders,
        "reminder_counts": Counter(item["state"] for item in reminders),
    }


_TRANSITION_TITLE = re.compile(r"^(\w+) (.+): (\S+) → (\S+)$")


def _timeline_item(entry: Any) -> dict[str, Any]:
    """A timeline entry in words: what kind of thing, what happened, and a state to show as a badge."""
    category, _sep, detail_kind = entry.kind.partition(":")
    item = {"on": entry.on, "at": entry.at, "title": entry.title, "detail": entry.detail, "state": None}
    item["reminder"] = category == "reminder"
    if category == "interaction":
        item["category"] = _("Interaction · {kind}", kind=humanise(detail_kind))
    elif category == "undertaking":
        item["category"] = _("Undertaking")
    elif category == "agreement":
        item["category"] = _("Agreement date")
    elif category == "obligation":
        item["category"], item["state"] = _("Obligation due"), detail_kind
    elif category == "reminder":
        item["category"], item["state"] = _("Reminder"), detail_kind
        item["title"] = entry.title.removesuffix(f": {detail_kind}")
    elif category == "transition":
        found = _TRANSITION_TITLE.match(entry.title)
        item["category"] = _("Stage change") if entry.subject_type == "partnership" else _("Status change")
        if found:
            what, words, before, after = found.groups()
            if words == "create":
                created = {
                    "partnership": _("Partnership opened ({state})", state=humanise(after)),
                    "agreement": _("Agreement created ({state})", state=humanise(after)),
                    "obligation": _("Obligation created ({state})", state=humanise(after)),
                }
                item["title"] = created.get(what) or _("{what} created ({state})", what=humanise(what),
                                                       state=humanise(after))  # fmt: skip
            else:
                label = trigger_labels().get(words.replace(" ", "_"), humanise(words))
                item["title"] = _("{what}: {action} ({before} → {after})", what=_entity_name(what), action=label,
                                  before=humanise(before), after=humanise(after))  # fmt: skip
    else:
        item["category"] = humanise(category)
    return item


def _entity_name(what: str) -> str:
    """What a transition moved ("partnership", "agreement", "obligation"), as the page names it."""
    names = {"partnership": _("Partnership"), "agreement": _("Agreement"), "obligation": _("Obligation")}
    return names.get(what) or humanise(what)


def _kind_name(kind: AgreementKind) -> str:
    """A kind of agreement as the forms name it ("MOU", "Amendment"), in the reader's language."""
    return _("MOU") if kind == AgreementKind.MOU else humanise(kind)


def _obligation_rows(
    session: DbSession, user: User, partnership_id: int, today: Any, *, may_act: bool
) -> list[dict[str, Any]]:
    found = obligations.list_obligations(session, PageParams(page_size=200), partnership_id=partnership_id)
    actions = obligation_forms.row_actions(session, user, found.items, may_act=may_act)
    rows = []
    for obligation in found.items:
        late = obligations.is_late(obligation, today)
        party = obligation.party.organisation.legal_name if obligation.party else _("Our organisation")
        rows.append(
            {
                "obligation": obligation,
                "party": party,
                "late": late,
                "marked_late": obligation.status in states("obligation", group="late"),
                "actions": actions.get(obligation.id, []),
            }
        )
    return rows


def _history(session: DbSession, partnership_id: int) -> list[dict[str, Any]]:
    events = service.partnership_history(session, partnership_id)
    people = {event.actor_id: session.get(User, event.actor_id) for event in events if event.actor_id}
    actions = {**trigger_labels(), "create": _("Opened"), "record_undertaking": _("Undertaking recorded")}
    return [
        {
            "event": event,
            "action": actions.get(event.trigger, humanise(event.trigger)),
            "actor": people[event.actor_id].full_name if event.actor_id and people.get(event.actor_id) else _("System"),
        }
        for event in events
    ]


def _partnership_page(
    request: Request,
    session: DbSession,
    user: User,
    partnership_id: int,
    *,
    forms: dict[str, dict[str, Any]] | None = None,
    action_error: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    """The partnership page; after a refused form, with its messages and the typed values (``forms[name]``)."""
    partnership = service.get_partnership(session, partnership_id)
    can_edit = service.may_on_partnership(session, user, partnership_id, Action.EDIT_PARTNERSHIP)
    workflow = definition.get_workflow(service.WORKFLOW)
    offered = service.available_transitions(session, partnership_id, user) if can_edit else []
    offered = [a for a in offered if a.trigger not in FORM_TRIGGERS]
    automatic = [a for a in offered if getattr(workflow.find(a.trigger, partnership.stage), "automatic", False)]
    today = engine.current_date()
    context = {
        "partnership": partnership,
        "can_edit": can_edit,
        "available": [a for a in offered if a not in automatic],
        "automatic": automatic,
        "labels": trigger_labels(),
        "role_labels": forms_in.role_labels(),
        "action_error": action_error,
        "forms": forms or {},
        **_timeline_and_reminders(session, partnership_id),
        "obligations": _obligation_rows(session, user, partnership_id, today, may_act=can_edit),
        "obligation_actions_shown": can_edit,
        "history": _history(session, partnership_id),
        "can_draft": agreements.may_draft(partnership),
        "undertaking_moves_on": workflow.find("record_undertaking", partnership.stage) is not None,
        "being_formalised": partnership.stage in states(service.WORKFLOW, group="being_formalised"),
        "can_record_existing": may_record_existing(user, partnership),
        "interaction_kinds": [(kind.value, humanise(kind)) for kind in InteractionKind],
        "undertaking_forms": [(form.value, humanise(form)) for form in UndertakingForm],
        "agreement_kinds": [
            (kind.value, _("MOU") if kind == AgreementKind.MOU else humanise(kind)) for kind in AgreementKind
        ],
        "today_iso": today.isoformat(),
    }
    return render(request, "partnerships/detail.html", context, status_code=status)


def refused_page(
    request: Request,
    session: DbSession,
    user: User,
    partnership_id: int,
    forms: dict[str, dict[str, Any]],
    status: int,
) -> Response:
    """The partnership page again after a refused form elsewhere (``forms[key]``: its messages and typed values)."""
    return _partnership_page(request, session, user, partnership_id, forms=forms, status=status)


@router.get("/partnerships/{partnership_id}")
def partnership_page(request: Request, session: DbSession, user: PageUser, partnership_id: PartnershipId) -> Response:
    """Everything about one partnership, and the actions the workflow allows the user now."""
    require(user, Action.READ)
    return _partnership_page(request, session, user, partnership_id)


def _refused(
    request: Request, session: DbSession, user: User, partnership_id: int, name: str, form: FormData, exc: DomainError
) -> Response:
    forms = {name: {"errors": forms_in.prefixed(name, exc), "values": kept(form)}}
    return _partnership_page(request, session, user, partnership_id, forms=forms, status=exc.status)


def _require_edit(session: DbSession, user: User, partnership_id: int) -> None:
    service.require_on_partnership(session, user, partnership_id, Action.EDIT_PARTNERSHIP)


@router.post("/partnerships/{partnership_id}/interactions")
def log_interaction(
    request: Request, session: DbSession, user: PageUser, partnership_id: PartnershipId, form: CheckedForm
) -> Response:
    """Log an ad hoc contact or event."""
    _require_edit(session, user, partnership_id)
    data = forms_in.fields(form, "interaction", ("occurred_on", "kind", "summary", "participants"))
    try:
        body = validate(InteractionCreate, data)
        with savepoint(session):
            service.record_interaction(session, partnership_id, body, user)
    except DomainError as exc:
        return _refused(request, session, user, partnership_id, "interaction", form, exc)
    return redirect(request, f"/partnerships/{partnership_id}#interactions", _("Interaction logged."))


@router.post("/partnerships/{partnership_id}/undertakings")
def record_undertaking(
    request: Request, session: DbSession, user: PageUser, partnership_id: PartnershipId, form: CheckedForm
) -> Response:
    """Record an agreement in principle (an ad hoc partnership becomes informal)."""
    _require_edit(session, user, partnership_id)
    data = forms_in.fields(form, "undertaking", ("given_on", "given_by", "organisation_id", "scope", "form"))
    try:
        body = validate(UndertakingCreate, data)
        with savepoint(session):
            service.record_undertaking(session, partnership_id, body, user)
    except DomainError as exc:
        return _refused(request, session, user, partnership_id, "undertaking", form, exc)
    return redirect(request, f"/partnerships/{partnership_id}#undertakings", _("Undertaking recorded."))


@router.post("/partnerships/{partnership_id}/parties/{party_id}/focal-point")
def set_focal_point(
    request: Request,
    session: DbSession,
    user: PageUser,
    partnership_id: PartnershipId,
    party_id: PartyId,
    form: CheckedForm,
) -> Response:
    """Name a party's focal point among its organisation's contacts (or clear it)."""
    _require_edit(session, user, partnership_id)
    contact = text(form, "focal_point_id")
    try:
        if contact is not None and forms_in.number(contact) is None:
            raise invalid("focal_point_id", "choose a contact from the list")
        with savepoint(session):
            service.set_focal_point(
                session,
                partnership_id,
                party_id,
                forms_in.number(contact),
                forms_in.number(text(form, "version")),
                actor=user,
            )
    except NotFound:
        raise
    except DomainError as exc:
        return _refused(request, session, user, partnership_id, f"focal-{party_id}", form, exc)
    return redirect(request, f"/partnerships/{partnership_id}#partners", _("Focal point saved."))


@router.post("/partnerships/{partnership_id}/transitions/{trigger}")
def fire_transition(
    request: Request,
    session: DbSession,
    user: PageUser,
    partnership_id: PartnershipId,
    trigger: Trigger,
    form: CheckedForm,
) -> Response:
    """Move the partnership through its workflow; a refusal shows the engine's reasons on the page."""
    _require_edit(session, user, partnership_id)
    label = trigger_labels().get(trigger, humanise(trigger))
    try:
        with savepoint(session):
            moved = service.transition_partnership(
                session,
                partnership_id,
                trigger,
                user,
                text(form, "comment"),
                forms_in.number(text(form, "version")),
                forms_in.transition_payload(form),
            )
    except NotFound:
        raise
    except DomainError as exc:
        stage = service.get_partnership(session, partnership_id).stage
        error = forms_in.transition_refusal(exc, trigger, label, stage)
        return _partnership_page(request, session, user, partnership_id, action_error=error, status=exc.status)
    message = _("{action}: the partnership is now {stage}.", action=label, stage=humanise(moved.stage).lower())
    return redirect(request, f"/partnerships/{partnership_id}", message)


@router.post("/partnerships/{partnership_id}/agreements")
def start_agreement(
    request: Request, session: DbSession, user: PageUser, partnership_id: PartnershipId, form: CheckedForm
) -> Response:
    """Open a draft agreement (an MOU by default) and go to its page."""
    _require_edit(session, user, partnership_id)  # the permission the API's create uses
    names = ("kind", "title", "parent_id", "effective_date", "end_date", "notice_period_days")
    data = {"partnership_id": partnership_id, **forms_in.fields(form, "agreement", names)}
    try:
        body = validate(AgreementCreate, data)
        with savepoint(session):
            agreement = agreements.create_agreement(session, body, user)
    except DomainError as exc:
        return _refused(request, session, user, partnership_id, "agreement", form, exc)
    kind = _("MOU") if agreement.kind == AgreementKind.MOU else humanise(agreement.kind).lower()
    started = _("Draft {kind} “{title}” started.", kind=kind, title=agreement.title)
    return redirect(request, f"/agreements/{agreement.id}", started)
