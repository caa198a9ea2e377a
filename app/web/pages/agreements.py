"""Pages: one agreement — its term, parties, obligations, versions and workflow actions, and the forms that change them.

A version as it prints, its downloads and redlines are :mod:`app.web.pages.agreement_documents`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData, UploadFile

from app.agreements import service
from app.agreements.models import Agreement
from app.agreements.rules import CARRIES_OVER_OBLIGATIONS, signing_parties
from app.api.deps import DbSession, TransactionalRoute
from app.config import get_settings
from app.db import savepoint
from app.drafting import catalogue, labels, translations
from app.drafting import service as drafting
from app.drafting.errors import TemplateError
from app.errors import DomainError, NotFound, invalid
from app.i18n import LANGUAGES, VOCAB, WEB
from app.obligations import service as obligations_service
from app.partner_links import partner as partner_links
from app.partner_links import reports as partner_reports
from app.partnerships.service import may_on_partnership, require_on_partnership
from app.reminders.service import planned_about_agreement
from app.schemas import MAX_ID
from app.uploads import document_upload_bytes
from app.users.models import Role, User
from app.users.policy import Action, can, require
from app.web.deps import CheckedForm, PageUser
from app.web.forms import field_errors, kept
from app.web.pages import agreement_forms as forms_in
from app.web.pages import obligation_forms, party_signing
from app.web.pages.agreement_documents import DOWNLOADS, how_made
from app.web.rendering import humanise, language_words, redirect, render
from app.workflow import definition
from app.workflow.definition import states

_ = WEB.gettext
router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
AgreementId = Annotated[int, Path(gt=0, le=MAX_ID)]
VersionNumber = Annotated[int, Path(gt=0, le=MAX_ID)]
Trigger = Annotated[str, Path(pattern=r"^[a-z_]{1,60}$")]

REFUSED_ANCHORS = {
    "terms": "term",
    "obligation": "obligations",
    "obligation_edit": "obligations",
    "generate": "versions",
    "upload": "versions",
}


# reading ---------------------------------------------------------------------------------------------------


def _organisation_name() -> str:
    return get_settings().organisation_name


def _actions(session: DbSession, agreement: Agreement, user: User) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """What people may do now (as forms), and what happens automatically (as notes)."""
    available = service.available_transitions(session, agreement.id, user)
    return forms_in.action_forms(available, agreement, show_admin_fields=user.has_role(Role.ADMIN))


def _reminders(reminders: list[Any], obligations: list[Any]) -> list[dict[str, Any]]:
    """Reminders grouped by alert: one line per deadline and sending time, with every recipient."""
    about = {obligation.id: obligation.description for obligation in obligations}
    grouped: dict[tuple[Any, ...], dict[str, Any]] = {}
    for reminder in reminders:
        key = (reminder.kind, reminder.subject_type, reminder.subject_id, reminder.due_on, reminder.send_at)
        subject = about.get(reminder.subject_id) if reminder.subject_type == "obligation" else None
        entry = grouped.setdefault(
            key,
            {"kind": reminder.kind, "subject": subject, "due_on": reminder.due_on, "send_at": reminder.send_at,
             "recipients": [], "failed": False},
        )  # fmt: skip
        entry["recipients"].append(reminder.recipient_email)
        entry["failed"] = entry["failed"] or reminder.status.value == "failed"
    return list(grouped.values())[:8]


def _carried_obligations(session: DbSession, agreement: Agreement) -> list[Any]:
    """The parent's obligations an amendment, extension or notice carries on (what the parties still owe under it)."""
    if agreement.kind not in CARRIES_OVER_OBLIGATIONS or agreement.parent_id is None:
        return []
    return obligations_service.list_for_agreement(session, agreement.parent_id)


def _bilingual_choice(agreement: Agreement, offered: list[str]) -> list[tuple[str, str]]:
    """The "English + French" choice when the agreement is signed in two languages the templates offer."""
    signed_in = [code for code in (agreement.languages or [])[:2] if code in offered]
    if len(signed_in) < 2:
        return []
    return [("+".join(signed_in), " + ".join(language_words(code) for code in signed_in))]


def _context(session: DbSession, user: User, agreement: Agreement) -> dict[str, Any]:
    partnership = agreement.partnership
    can_act = may_on_partnership(session, user, agreement.partnership_id, Action.ACT_ON_AGREEMENT)
    can_edit = may_on_partnership(session, user, agreement.partnership_id, Action.EDIT_PARTNERSHIP)
    versions = list(agreement.document_versions)
    history = service.agreement_history(session, agreement.id)
    obligations = obligations_service.list_for_agreement(session, agreement.id)
    templates = catalogue.templates_for(session, agreement)
    titles = {info.key: info.title for info, _custom in catalogue.all_templates(session)}
    people = service.people_by_id(
        session,
        {v.author_id for v in versions}
        | {e.actor_id for e in history}
        | {s.recorded_by_id for s in agreement.signatures}
        | {agreement.submitted_by_id, agreement.approved_by_id},
    )
    editable = agreement.status in states("agreement", group="editable")
    preflight: list[Any] = []
    preflight_error = None
    if editable:
        try:
            _resolved, preflight = drafting.agreement_preflight(session, agreement.id, None, "en")
        except TemplateError as exc:
            preflight_error = exc.detail
    actions, automatic = _actions(session, agreement, user) if can_act else ([], [])
    parties = list(partnership.parties)
    signing = {p.id for p in signing_parties(agreement)}
    languages = sorted({language for info in templates for language in info.languages})
    kinds = [kind for kind in service.successor_kinds(agreement) if kind in forms_in.SUCCESSOR_KINDS]
    signed = translations.signed_version(agreement) if can_edit else None
    translatable = [] if signed is None or not signed.template_key else [
        (code, language_words(code)) for code in LANGUAGES if code not in labels.languages_of(signed.language)
    ]  # fmt: skip
    return {
        "partner_comments": partner_links.comments_on_agreement(session, agreement.id, actor=user),
        "partner_reports": partner_reports.attachments_on_agreement(session, agreement.id),
        "signed_version": signed if translatable else None,
        "translation_languages": translatable,
        "agreement": agreement,
        "partnership": partnership,
        "parent": session.get(Agreement, agreement.parent_id) if agreement.parent_id else None,
        "children": service.successors(session, agreement.id),
        "can_act": can_act,
        "can_edit": can_edit,
        "can_upload": editable and can_act and can(user, Action.MANAGE_TEMPLATES),
        "editable": editable,
        "awaiting_review": agreement.status in states("agreement", group="awaiting_review"),
        "versions": versions,
        "how_made": {v.number: how_made(v, titles) for v in versions},
        "people": {uid: person.full_name for uid, person in people.items()},
        "obligations": obligations,
        "carried_obligations": _carried_obligations(session, agreement),
        "actions_by_obligation": obligation_forms.row_actions(session, user, obligations, may_act=can_edit),
        "party_names": {p.id: p.organisation.legal_name for p in parties},
        "organisation_name": _organisation_name(),
        "parties": parties,
        "signing": signing,
        "signatures": list(agreement.signatures),
        "history": history,
        "reminders": _reminders(planned_about_agreement(session, agreement.id, limit=40), obligations),
        "preflight": preflight,
        "preflight_error": preflight_error,
        "actions": actions,
        "automatic": automatic,
        "signature_rows": forms_in.signature_rows(
            service.signatories_to_record(session, agreement), _organisation_name()
        )
        if agreement.status in states("agreement", group="awaiting_signatures")
        else [],
        "templates": [
            (info.key, _("{title} (version {version})", title=info.title, version=info.version)) for info in templates
        ],
        "languages": [(code, language_words(code)) for code in languages] + _bilingual_choice(agreement, languages),
        "to_type": drafting.variables_to_type(session, agreement, templates) if editable else [],
        "obligation_open": service.takes_obligations(agreement),
        "party_options": [("", _("{name} (the organisation)", name=_organisation_name()))]
        + [(p.id, p.organisation.legal_name) for p in parties if p.id in signing],
        "recurrences": forms_in.RECURRENCES,
        "successor_kinds": [(k.value, forms_in.SUCCESSOR_WORDS[k]) for k in kinds] if can_edit else [],
        "downloads": DOWNLOADS,
        "states": definition.get_workflow("agreement").states,
        **party_signing.context(session, user, agreement),
    }


def _page(
    request: Request,
    session: DbSession,
    user: User,
    agreement_id: int,
    *,
    status_code: int = 200,
    forms: dict[str, dict[str, Any]] | None = None,
) -> HTMLResponse:
    agreement = service.get_agreement(session, agreement_id)
    refused = next(iter(forms or {}), None)
    anchor = REFUSED_ANCHORS.get(refused or "", (refused or "").replace("action:", "action-"))
    context = _context(session, user, agreement) | {"forms": forms or {}, "refused_anchor": anchor}
    return render(request, "agreements/agreement.html", context, status_code=status_code)


def _refused(
    request: Request,
    session: DbSession,
    user: User,
    agreement_id: int,
    key: str,
    form: FormData,
    errors: Any,
    status: int,
    **extra: Any,
) -> HTMLResponse:
    """The page again, with the message beside the form and what was typed (the change was undone by its savepoint)."""
    forms = {key: {"errors": errors, "values": kept(form), **extra}}
    return _page(request, session, user, agreement_id, status_code=status, forms=forms)


def refused_page(
    request: Request,
    session: DbSession,
    user: User,
    agreement_id: int,
    forms: dict[str, dict[str, Any]],
    status_code: int,
) -> HTMLResponse:
    """The agreement page again after a refused form elsewhere (``forms[key]``: its messages and typed values)."""
    return _page(request, session, user, agreement_id, status_code=status_code, forms=forms)


@router.get("/agreements/{agreement_id}", response_class=HTMLResponse)
def agreement_page(request: Request, session: DbSession, user: PageUser, agreement_id: AgreementId) -> Response:
    """One agreement: its term, parties, obligations, versions, history and what can be done now."""
    require(user, Action.READ)
    return _page(request, session, user, agreement_id)


# transitions -----------------------------------------------------------------------------------------------


@router.post("/agreements/{agreement_id}/transitions/{trigger}", response_class=HTMLResponse)
def fire_transition(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, agreement_id: AgreementId, trigger: Trigger
) -> Response:
    """Move the agreement through the workflow, with the comment and the data the trigger takes."""
    agreement = service.get_agreement(session, agreement_id)
    require_on_partnership(session, user, agreement.partnership_id, Action.ACT_ON_AGREEMENT)
    if trigger not in definition.get_workflow("agreement").triggers():
        raise NotFound(_("an agreement has no action {trigger}", trigger=repr(trigger)))
    number = agreement.latest_version.number if agreement.latest_version else ""
    origin: list[int] = []
    try:
        body, origin = forms_in.transition_input(agreement, trigger, form)
        with savepoint(session):
            service.transition_agreement(
                session, agreement_id, trigger, user, body.comment, forms_in.expected_version(form), body.payload
            )
    except DomainError as exc:
        errors = forms_in.action_errors(exc, origin)
        return _refused(request, session, user, agreement_id, f"action:{trigger}", form, errors, exc.status)
    message = forms_in.done_message(trigger, number)
    return redirect(request, f"/agreements/{agreement_id}", message)


# drafting --------------------------------------------------------------------------------------------------


def _require_edit(session: DbSession, user: User, agreement_id: int) -> Agreement:
    agreement = service.get_agreement(session, agreement_id)
    require_on_partnership(session, user, agreement.partnership_id, Action.EDIT_PARTNERSHIP)
    return agreement


@router.post("/agreements/{agreement_id}/terms", response_class=HTMLResponse)
def save_terms(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, agreement_id: AgreementId
) -> Response:
    """Change a draft's title and term (refused if someone else changed it since the page was loaded)."""
    _require_edit(session, user, agreement_id)
    try:
        with savepoint(session):
            service.update_agreement(
                session, agreement_id, forms_in.terms_input(form), forms_in.expected_version(form), actor=user
            )
    except DomainError as exc:
        errors = forms_in.worded(field_errors(exc))
        return _refused(request, session, user, agreement_id, "terms", form, errors, exc.status)
    return redirect(request, f"/agreements/{agreement_id}", _("Terms saved"))


@router.post("/agreements/{agreement_id}/obligations", response_class=HTMLResponse)
def add_obligation(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, agreement_id: AgreementId
) -> Response:
    """Record what a party (or the organisation) owes under the agreement."""
    _require_edit(session, user, agreement_id)
    try:
        with savepoint(session):
            obligations_service.add_obligation(session, agreement_id, forms_in.obligation_input(form), user)
    except DomainError as exc:
        errors = forms_in.obligation_errors(exc)
        return _refused(request, session, user, agreement_id, "obligation", form, errors, exc.status)
    return redirect(request, f"/agreements/{agreement_id}#obligations", _("Obligation added"))


@router.post("/agreements/{agreement_id}/versions", response_class=HTMLResponse)
def generate_version(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, agreement_id: AgreementId
) -> Response:
    """Render a new version from a template and the facts the system holds; every missing fact is listed."""
    agreement = _require_edit(session, user, agreement_id)
    templates = catalogue.templates_for(session, agreement)
    to_type = drafting.variables_to_type(session, agreement, templates)
    try:
        key, language = forms_in.template_choice(form)
        chosen = next((info for info in templates if info.key == key), templates[0] if templates else None)
        declared = {variable.name for variable in chosen.variables} if chosen else set()
        overrides = forms_in.overrides(form, to_type, declared)
        with savepoint(session):
            version = drafting.generate_version(session, agreement_id, key, language, overrides, user)
    except DomainError as exc:
        errors, problems = forms_in.generation_errors(exc, {variable.name for variable in to_type})
        return _refused(request, session, user, agreement_id, "generate", form, errors, exc.status, problems=problems)
    return redirect(
        request, f"/agreements/{agreement_id}#versions", _("Version {number} generated", number=version.number)
    )


@router.post("/agreements/{agreement_id}/versions/{number}/translations", response_class=HTMLResponse)
def courtesy_translation(
    request: Request,
    session: DbSession,
    user: PageUser,
    form: CheckedForm,
    agreement_id: AgreementId,
    number: Annotated[int, Path(gt=0, le=MAX_ID)],
) -> Response:
    """Render the signed version again in another language, marked as a courtesy translation (not binding)."""
    language = str(form.get("language") or "")
    try:
        with savepoint(session):
            version = translations.courtesy_translation(session, agreement_id, number, language, user)
    except DomainError as exc:
        return redirect(request, f"/agreements/{agreement_id}#versions", exc.detail, kind="error")
    done = _("Version {number} is a courtesy translation of the signed version", number=version.number)
    return redirect(request, f"/agreements/{agreement_id}#versions", done)


@router.post("/agreements/{agreement_id}/versions/upload", response_class=HTMLResponse)
def upload_version(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, agreement_id: AgreementId
) -> Response:
    """Store a hand-edited Word document as a new version (legal officers and admins, as in the API)."""
    require(user, Action.MANAGE_TEMPLATES)
    agreement = service.get_agreement(session, agreement_id)
    require_on_partnership(session, user, agreement.partnership_id, Action.ACT_ON_AGREEMENT)
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise invalid("file", _("choose a Word (.docx) document to upload"))
        content = upload.file.read(document_upload_bytes() + 1)
        with savepoint(session):
            version = drafting.upload_docx(session, agreement_id, content, upload.filename, user)
    except DomainError as exc:
        errors = forms_in.worded(field_errors(exc))
        return _refused(request, session, user, agreement_id, "upload", form, errors, exc.status)
    return redirect(
        request, f"/agreements/{agreement_id}#versions", _("Version {number} uploaded", number=version.number)
    )


@router.post("/agreements/{agreement_id}/successors", response_class=HTMLResponse)
def start_successor(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, agreement_id: AgreementId
) -> Response:
    """Open a draft amendment, extension or renewal of this agreement, and go to it."""
    parent = _require_edit(session, user, agreement_id)
    try:
        with savepoint(session):
            child = service.create_agreement(session, forms_in.successor_input(parent, form), user)
    except DomainError as exc:
        errors = forms_in.successor_errors(exc)
        return _refused(request, session, user, agreement_id, "successor", form, errors, exc.status)
    return redirect(
        request, f"/agreements/{child.id}", _("Draft {kind} started", kind=VOCAB.gettext(humanise(child.kind)).lower())
    )
