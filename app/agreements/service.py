"""Rules for agreements: drafting facts, document versions, signatures, and their way through the workflow."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from app.agreements.models import Agreement, AgreementKind, DocumentVersion, Signature
from app.agreements.rules import signing_parties
from app.agreements.schemas import (
    AgreementCreate,
    AgreementFilter,
    AgreementUpdate,
    DocumentVersionCreate,
)
from app.db import get_for_update
from app.errors import Conflict, NotFound, invalid
from app.i18n import MESSAGES
from app.listing import PageParams, Slice, contains_text, order_by, paginate, sort_keys
from app.partnerships.models import Partnership
from app.partnerships.service import get_partnership, permission_context
from app.users.models import User
from app.users.policy import Action, require
from app.versioning import check_version
from app.workflow import definition, engine
from app.workflow.actor import Actor
from app.workflow.definition import state_name, state_names, states
from app.workflow.models import TransitionEvent

WORKFLOW = "agreement"
# The state group (app/workflows/agreement.yaml) an agreement must be in to be modified by one of each kind.
PARENT_GROUPS = {
    AgreementKind.AMENDMENT: "in_force",
    AgreementKind.EXTENSION: "in_force",
    AgreementKind.TERMINATION_NOTICE: "in_force",
    AgreementKind.RENEWAL: "renewable",
}
SORTABLE = {
    "title": Agreement.title,
    "status": Agreement.status,
    "effective_date": Agreement.effective_date,
    "end_date": Agreement.end_date,
    "created_at": Agreement.created_at,
}
SortKey = sort_keys(SORTABLE)


def get_agreement(session: Session, agreement_id: int) -> Agreement:
    """The agreement with this id, or ``NotFound``."""
    agreement = session.get(Agreement, agreement_id)
    if agreement is None:
        raise NotFound(MESSAGES.gettext("agreement {agreement_id} does not exist", agreement_id=agreement_id))
    return agreement


def may_draft(partnership: Partnership) -> bool:
    """Whether agreements may be drafted for the partnership (it is being formalised or formal)."""
    return partnership.stage in states("partnership", group="formalisation")


def takes_obligations(agreement: Agreement) -> bool:
    """Whether obligations may be added to the agreement (while drafted, or as milestones while in force)."""
    return agreement.status in states(WORKFLOW, group="takes_obligations")


def _check_parent(session: Session, data: AgreementCreate) -> None:
    group = PARENT_GROUPS.get(data.kind)
    if group is None:
        if data.parent_id is not None:
            raise invalid(
                "parent_id",
                MESSAGES.gettext("an agreement of kind {kind} does not modify another one", kind=data.kind.value),
            )
        return
    if data.parent_id is None:
        raise invalid(
            "parent_id", MESSAGES.gettext("an {kind} must name the agreement it modifies", kind=data.kind.value)
        )
    parent = session.get(Agreement, data.parent_id)
    if parent is None or parent.partnership_id != data.partnership_id:
        raise invalid(
            "parent_id",
            MESSAGES.gettext("agreement {parent_id} is not an agreement of this partnership", parent_id=data.parent_id),
        )
    allowed = states(WORKFLOW, group=group)
    if parent.status not in allowed:
        raise invalid(
            "parent_id",
            MESSAGES.gettext(
                "an {kind} can only modify an agreement that is {states}; agreement {id} is {state}",
                kind=data.kind.value,
                states=state_names(WORKFLOW, allowed),
                id=parent.id,
                state=state_name(WORKFLOW, parent.status),
            ),
        )


def create_agreement(session: Session, data: AgreementCreate, actor: User) -> Agreement:
    """Open a draft agreement for a partnership that is formalising or formal."""
    partnership = get_partnership(session, data.partnership_id)
    require(actor, Action.EDIT_PARTNERSHIP, **permission_context(partnership))
    if not may_draft(partnership):
        raise Conflict(
            MESSAGES.gettext(
                "{reference} is {state}: start formalising it before drafting an agreement",
                reference=partnership.reference,
                state=state_name("partnership", partnership.stage),
            )
        )
    _check_parent(session, data)
    agreement = Agreement(**data.model_dump())
    session.add(agreement)
    engine.record_creation(session, WORKFLOW, agreement, Actor.person(actor))
    session.flush()
    return agreement


def require_on_agreement(actor: User | Actor, agreement: Agreement, action: Action) -> None:
    """Raise ``Forbidden`` unless ``actor`` may perform ``action`` on the agreement's partnership."""
    require(actor, action, **permission_context(agreement.partnership))


def require_status(agreement: Agreement, group: str, what: str) -> None:
    """Refuse (``Conflict``) to ``what`` unless the agreement's status is in the state group ``group``."""
    allowed = states(WORKFLOW, group=group)
    if agreement.status not in allowed:
        status, allowed_words = state_name(WORKFLOW, agreement.status), state_names(WORKFLOW, allowed)
        raise Conflict(
            MESSAGES.gettext(
                "cannot {what}: the agreement is {status} (allowed when it is {allowed_words})",
                what=what,
                status=status,
                allowed_words=allowed_words,
            )
        )


def update_agreement(
    session: Session, agreement_id: int, data: AgreementUpdate, expected_version: int | None = None, *, actor: User
) -> Agreement:
    """Change a draft agreement's title, term, notice period or languages; refuse if ``expected_version`` is stale."""
    agreement = get_for_update(session, Agreement, agreement_id, "agreement")
    require_on_agreement(actor, agreement, Action.EDIT_PARTNERSHIP)
    check_version("agreement", agreement.version, expected_version)
    require_status(agreement, "editable", "change the agreement")
    changes = data.model_dump(exclude_unset=True)
    for name in ("title", "notice_period_days", "languages"):
        if name in changes and changes[name] is None:
            raise invalid(name, MESSAGES.gettext("cannot be emptied"))
    effective = changes.get("effective_date", agreement.effective_date)
    end = changes.get("end_date", agreement.end_date)
    if effective and end and end <= effective:
        raise invalid(
            "end_date",
            MESSAGES.gettext(
                "the end date {end} must come after the effective date {effective}", end=end, effective=effective
            ),
        )
    for name, value in changes.items():
        setattr(agreement, name, value)
    session.flush()
    return agreement


def list_agreements(session: Session, filters: AgreementFilter, params: PageParams) -> Slice:
    """Agreements matching ``filters``, one page at a time."""
    return paginate(session, selection(session, filters, params.sort), params)


def selection(session: Session, filters: AgreementFilter, sort: str | None = None) -> Select[tuple[Agreement]]:
    """The agreements matching ``filters`` in the list's order (unknown status or sort field refused)."""
    stmt = select(Agreement)
    if filters.status:
        known = definition.get_workflow(WORKFLOW).states
        if filters.status not in known:
            raise invalid(
                "status",
                MESSAGES.gettext(
                    "unknown status {status}; choose one of: {values}",
                    status=repr(filters.status),
                    values=", ".join(known),
                ),
            )
        stmt = stmt.where(Agreement.status == filters.status)
    if filters.partnership_id:
        stmt = stmt.where(Agreement.partnership_id == filters.partnership_id)
    if filters.kind:
        stmt = stmt.where(Agreement.kind == filters.kind)
    if filters.ending_before:
        stmt = stmt.where(Agreement.end_date < filters.ending_before)
    if filters.q:
        stmt = stmt.where(contains_text(filters.q, Agreement.title))
    return order_by(stmt, sort, SORTABLE, default=[Agreement.id.desc()])


def ending_between(
    session: Session, first: date, last: date, *, partnerships: Select[Any] | None = None, limit: int = 25
) -> Slice:
    """Active agreements whose end date falls from ``first`` to ``last`` (both included), soonest first.

    ``partnerships`` (a SELECT of partnership ids) narrows them to those partnerships.
    """
    stmt = select(Agreement).where(
        Agreement.status.in_(sorted(states(WORKFLOW, group="running"))),
        Agreement.end_date >= first,
        Agreement.end_date <= last,
    )
    if partnerships is not None:
        stmt = stmt.where(Agreement.partnership_id.in_(partnerships))
    stmt = stmt.options(selectinload(Agreement.partnership)).order_by(Agreement.end_date, Agreement.id)
    return paginate(session, stmt, PageParams(page_size=limit))


def awaiting_review(
    session: Session,
    *,
    reviewable_by: int | None = None,
    partnerships: Select[Any] | None = None,
    limit: int = 25,
) -> Slice:
    """Agreements in review, oldest first: optionally those a person may approve (they neither submitted nor wrote
    the version in review: four eyes), or within some partnerships."""
    stmt = select(Agreement).where(Agreement.status.in_(sorted(states(WORKFLOW, group="awaiting_review"))))
    if reviewable_by is not None:
        written = select(DocumentVersion.id).where(
            DocumentVersion.agreement_id == Agreement.id,
            DocumentVersion.number == Agreement.submitted_version_number,
            DocumentVersion.author_id == reviewable_by,
        )
        stmt = stmt.where(
            (Agreement.submitted_by_id != reviewable_by) | Agreement.submitted_by_id.is_(None), ~written.exists()
        )
    if partnerships is not None:
        stmt = stmt.where(Agreement.partnership_id.in_(partnerships))
    stmt = stmt.options(selectinload(Agreement.partnership)).order_by(Agreement.updated_at, Agreement.id)
    return paginate(session, stmt, PageParams(page_size=limit))


def add_version(
    session: Session,
    agreement_id: int,
    body: str,
    actor: User,
    *,
    language: str = "en",
    template_key: str | None = None,
    template_version: str | None = None,
    variables: dict[str, Any] | None = None,
    missing_fields: list[str] | None = None,
    file: tuple[bytes, str, str] | None = None,
) -> DocumentVersion:
    """Store a new immutable version of a draft agreement's text, with its SHA-256; nothing is overwritten.

    ``file`` (content, media type, name) keeps an uploaded document; the hash is then the file's. ``actor`` is
    recorded as the version's author: the four-eyes guard keeps them from approving it. A building block: the
    callers (typed, generated, uploaded, recorded versions) each require their own permission first.
    """
    agreement = get_for_update(session, Agreement, agreement_id, "agreement")
    require_status(agreement, "editable", "add a document version")
    version = DocumentVersion(
        number=max((v.number for v in agreement.document_versions), default=0) + 1,
        body=body,
        language=language,
        template_key=template_key,
        template_version=template_version,
        variables=variables or {},
        missing_fields=list(missing_fields or []),
        sha256=hashlib.sha256(file[0] if file else body.encode("utf-8")).hexdigest(),
        author_id=actor.id,
        file_content=file[0] if file else None,
        media_type=file[1] if file else None,
        file_name=file[2] if file else None,
    )
    agreement.document_versions.append(version)
    session.flush()
    return version


def add_typed_version(session: Session, agreement_id: int, data: DocumentVersionCreate, actor: User) -> DocumentVersion:
    """Store text typed or edited by hand as a new version."""
    require_on_agreement(actor, get_agreement(session, agreement_id), Action.EDIT_PARTNERSHIP)
    return add_version(session, agreement_id, data.body, actor, language=data.language)


def list_versions(session: Session, agreement_id: int) -> list[DocumentVersion]:
    """Every document version of the agreement, oldest first."""
    return list(get_agreement(session, agreement_id).document_versions)


def get_version(session: Session, agreement_id: int, number: int) -> DocumentVersion:
    """One document version by its number, or ``NotFound``."""
    for version in get_agreement(session, agreement_id).document_versions:
        if version.number == number:
            return version
    raise NotFound(
        MESSAGES.gettext(
            "agreement {agreement_id} has no document version {number}", agreement_id=agreement_id, number=number
        )
    )


def list_signatures(session: Session, agreement_id: int) -> list[Signature]:
    """The recorded signatures of the agreement."""
    return list(get_agreement(session, agreement_id).signatures)


def available_transitions(session: Session, agreement_id: int, user: User) -> list[engine.Availability]:
    """What ``user`` may do with the agreement now, with the reasons for what is blocked."""
    return engine.available(session, WORKFLOW, get_agreement(session, agreement_id), Actor.person(user))


def transition_agreement(
    session: Session,
    agreement_id: int,
    trigger: str,
    actor: User,
    comment: str | None = None,
    expected_version: int | None = None,
    payload: dict[str, Any] | None = None,
) -> Agreement:
    """Move the agreement by ``trigger`` through the workflow engine (roles, payload and guards checked).

    Who may fire it is the workflow's YAML roles, checked by ``fire()``; the policy adds whose agreement it is.
    """
    agreement = get_for_update(session, Agreement, agreement_id, "agreement")
    require_on_agreement(actor, agreement, Action.ACT_ON_AGREEMENT)
    check_version("agreement", agreement.version, expected_version)
    engine.fire(session, WORKFLOW, agreement, trigger, Actor.person(actor), comment, payload=payload)
    return agreement


def agreement_history(session: Session, agreement_id: int) -> list[TransitionEvent]:
    """Every status change of the agreement, oldest first."""
    get_agreement(session, agreement_id)
    return engine.history(session, WORKFLOW, agreement_id)


# for the pages -----------------------------------------------------------------------------------------


def successors(session: Session, agreement_id: int) -> list[Agreement]:
    """The amendments, extensions, renewals and notices that modify the agreement, oldest first."""
    stmt = select(Agreement).where(Agreement.parent_id == agreement_id).order_by(Agreement.created_at, Agreement.id)
    return list(session.scalars(stmt))


def successor_kinds(agreement: Agreement) -> list[AgreementKind]:
    """The kinds of agreement that may modify this one in its current status (see ``_check_parent``)."""
    return [kind for kind, group in PARENT_GROUPS.items() if agreement.status in states(WORKFLOW, group=group)]


def signatories_to_record(session: Session, agreement: Agreement) -> list[tuple[Any, Any]]:
    """Who still has to sign: the organisation (``None``) then each signing party, with the party's focal point."""
    from app.organisations.models import Contact

    already = {signature.party_id for signature in agreement.signatures}
    rows: list[tuple[Any, Any]] = [] if None in already else [(None, None)]
    for party in signing_parties(agreement):
        if party.id not in already:
            contact = session.get(Contact, party.focal_point_id) if party.focal_point_id else None
            rows.append((party, contact))
    return rows


def people_by_id(session: Session, user_ids: set[int | None]) -> dict[int, User]:
    """The users with these ids (authors, approvers and actors shown beside an agreement)."""
    wanted = {user_id for user_id in user_ids if user_id is not None}
    if not wanted:
        return {}
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(wanted)))}
