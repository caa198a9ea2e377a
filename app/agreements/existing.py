"""Agreements signed before they were registered: recorded through the workflow as already signed.

An inventory import and a legal officer holding a signed copy use the same path: a draft is opened, the
``record_existing`` transition moves it to signed with its evidence, and the engine's own daily transitions
(``activate``, then ``expire`` if its end date has passed) bring it to the status today requires, with their
effects (partnership in force or ended, reminders planned or cancelled) in the same transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements import extraction, recording
from app.agreements.existing_schemas import ExistingAgreementConfirm
from app.agreements.models import Agreement, AgreementKind, DocumentVersion, Signature
from app.agreements.proposals import KnownOrganisation, Proposals, propose
from app.agreements.recording import ExistingTerms
from app.agreements.rules import signing_parties
from app.agreements.schemas import AgreementCreate
from app.agreements.service import _check_parent as check_parent
from app.agreements.service import add_version
from app.agreements.signatures_pdf import NOT_A_PDF, SignatureReport, check_pdf_signatures
from app.config import get_settings
from app.db import get_for_update
from app.errors import Conflict, FieldProblem, Forbidden, NotFound, ValidationFailed, invalid
from app.i18n import MESSAGES
from app.partnerships.models import Partnership
from app.partnerships.service import get_partnership, require_on_partnership
from app.users.models import User
from app.users.policy import Action, can
from app.workflow import engine
from app.workflow.actor import Actor
from app.workflow.definition import state_name, states

WORKFLOW = "agreement"


def is_recordable(partnership: Partnership) -> bool:
    """Whether a signed agreement may be recorded for the partnership (it is being formalised or formal)."""
    return partnership.stage in states("partnership", group="formalisation")


def open_existing(session: Session, partnership: Partnership, terms: ExistingTerms, actor: Actor) -> Agreement:
    """Open the draft that will be recorded as signed (no stage check: the caller has placed the partnership)."""
    agreement = recording.draft_for(partnership, terms)
    session.add(agreement)
    engine.record_creation(session, WORKFLOW, agreement, actor)
    return agreement


def bring_to_today(session: Session, agreement: Agreement, comment: str) -> None:
    """Fire the automatic transitions the agreement is due for today (activate, then expire), as the scheduler would."""
    recording.bring_many_to_today(session, [(agreement, comment)])


def record_existing(
    session: Session,
    agreement: Agreement,
    evidence: str,
    *,
    actor: Actor,
    document_sha256: str | None = None,
) -> Agreement:
    """Record a draft as signed elsewhere (``record_existing``), then bring it to today's status.

    ``actor`` is the person recording it, or the system (an import) acting for the importing user.
    """
    payload: dict[str, str] = {"evidence": evidence}
    if document_sha256:
        payload["document_sha256"] = document_sha256
    engine.fire(session, WORKFLOW, agreement, "record_existing", actor, evidence, payload=payload)
    bring_to_today(session, agreement, evidence)
    return agreement


def planned_reminder_count(session: Session, agreement: Agreement) -> int:
    """How many reminders are planned for the agreement now."""
    return recording.planned_reminders(session, [agreement.id])


# a signed copy uploaded by a legal officer -------------------------------------------------------------------

SIGNED_COPY_MARK = "signed_copy"  # in DocumentVersion.variables: this version is a signed copy awaiting confirmation


@dataclass
class Review:
    """A stored signed copy and what it suggests, for a person to confirm or correct."""

    agreement: Agreement
    version: DocumentVersion
    read_with: str
    pages: int | None
    proposals: Proposals
    signatures: SignatureReport


def require_recorder(session: Session, user: User, partnership_id: int) -> None:
    """Refuse (403) unless ``user`` is a legal officer or an admin who may act on the partnership's agreements."""
    if not can(user, Action.MANAGE_TEMPLATES):
        raise Forbidden(MESSAGES.gettext("only a legal officer or an admin may record an existing signed agreement"))
    require_on_partnership(session, user, partnership_id, Action.ACT_ON_AGREEMENT)


def require_recordable(partnership: Partnership) -> None:
    """Refuse (409) unless the partnership is formalising or formal."""
    if not is_recordable(partnership):
        raise Conflict(
            MESSAGES.gettext(
                "{reference} is {replace}: start formalising it before recording a signed agreement",
                reference=partnership.reference,
                replace=partnership.stage.replace("_", " "),
            )
        )


def known_organisations(session: Session, partnership: Partnership) -> list[KnownOrganisation]:
    """The organisations a signed copy may name: the partnership's parties, the organisation itself, and the rest."""
    from app.organisations.models import Organisation

    parties = [
        KnownOrganisation(p.organisation_id, p.organisation.legal_name, p.organisation.short_name, party_id=p.id)
        for p in partnership.parties
    ]
    known = [*parties, KnownOrganisation(None, get_settings().organisation_name, is_self=True)]
    taken = {p.organisation_id for p in parties}
    rows = session.execute(
        select(Organisation.id, Organisation.legal_name, Organisation.short_name)
        .order_by(Organisation.id)
        .limit(50_000)
    )
    known += [KnownOrganisation(row.id, row.legal_name, row.short_name) for row in rows if row.id not in taken]
    return known


def _review(
    session: Session, agreement: Agreement, version: DocumentVersion, read_with: str, pages: int | None
) -> Review:
    content = version.file_content or b""
    pdf = version.media_type == extraction.PDF_MEDIA_TYPE
    return Review(
        agreement,
        version,
        read_with,
        pages,
        propose(version.body or "", known_organisations(session, agreement.partnership)),
        check_pdf_signatures(content) if pdf else NOT_A_PDF,
    )


def upload_signed_copy(
    session: Session, partnership_id: int, content: bytes, file_name: str | None, actor: User
) -> Review:
    """Store a signed copy (PDF or DOCX, checked by its bytes) as the immutable version of a new draft, and read it.

    Nothing is recorded as signed: the draft waits for ``confirm_signed_copy``.
    """
    require_recorder(session, actor, partnership_id)
    partnership = get_partnership(session, partnership_id)
    require_recordable(partnership)
    extracted = extraction.extract(content)
    name = (file_name or "signed-copy").replace("/", "_").replace("\\", "_").strip()[:255] or "signed-copy"
    agreement = Agreement(
        partnership_id=partnership.id,
        kind=AgreementKind.MOU,
        title=f"Signed copy awaiting confirmation: {name}"[:300],
        notice_period_days=30,
    )
    agreement.partnership = partnership
    session.add(agreement)
    engine.record_creation(session, WORKFLOW, agreement, Actor.person(actor))
    session.flush()
    version = add_version(
        session,
        agreement.id,
        extracted.text,
        actor,
        language=extraction.language_of(extracted.text),
        variables={SIGNED_COPY_MARK: True, "read_with": extracted.method, "pages": extracted.pages},
        file=(content, extracted.media_type, name),
    )
    return _review(session, agreement, version, extracted.method, extracted.pages)


def _upload(session: Session, partnership_id: int, upload_id: int, *, lock: bool = False) -> tuple[Agreement, Any]:
    agreement = (
        get_for_update(session, Agreement, upload_id, "agreement") if lock else session.get(Agreement, upload_id)
    )
    if agreement is None or agreement.partnership_id != partnership_id:
        raise NotFound(
            MESSAGES.gettext(
                "partnership {partnership_id} has no uploaded signed copy {upload_id}",
                partnership_id=partnership_id,
                upload_id=upload_id,
            )
        )
    version = agreement.latest_version
    if version is None or not (version.variables or {}).get(SIGNED_COPY_MARK) or version.file_content is None:
        raise invalid(
            "upload_id",
            MESSAGES.gettext(
                "agreement {upload_id} is not a signed copy uploaded for recording; upload it first",
                upload_id=upload_id,
            ),
        )
    return agreement, version


def review_upload(session: Session, partnership_id: int, upload_id: int) -> Review:
    """A stored signed copy and its proposals again (read from the stored text; the signatures checked again)."""
    agreement, version = _upload(session, partnership_id, upload_id)
    variables = version.variables or {}
    return _review(session, agreement, version, str(variables.get("read_with", "")), variables.get("pages"))


def _party_problems(agreement: Agreement, data: ExistingAgreementConfirm, today: date) -> list[FieldProblem]:
    bound = {party.id: party for party in signing_parties(agreement)}
    every = {party.id: party for party in agreement.partnership.parties}
    problems, seen = [], set()
    for index, entry in enumerate(data.parties):
        where = f"parties[{index}]"
        if entry.party_id is not None and entry.party_id not in bound:
            why = "is an observer, not bound by agreements" if entry.party_id in every else "is not a party here"
            problems.append(
                FieldProblem(
                    f"{where}.party_id", MESSAGES.gettext("party {party_id} {why}", party_id=entry.party_id, why=why)
                )
            )
        if entry.party_id in seen:
            problems.append(FieldProblem(f"{where}.party_id", MESSAGES.gettext("is listed twice")))
        seen.add(entry.party_id)
        if (entry.signatory_title or entry.signed_on) and not entry.signatory_name:
            problems.append(
                FieldProblem(f"{where}.signatory_name", MESSAGES.gettext("is required with a title or a date"))
            )
        if entry.signatory_name and entry.signed_on is None:
            problems.append(
                FieldProblem(f"{where}.signed_on", MESSAGES.gettext("is required with the name of who signed"))
            )
        if entry.signed_on and entry.signed_on > today:
            problems.append(
                FieldProblem(
                    f"{where}.signed_on", MESSAGES.gettext("{signed_on} is in the future", signed_on=entry.signed_on)
                )
            )
    for party_id, party in bound.items():
        if party_id not in seen:
            role = party.role.value.replace("_", " ")
            problems.append(
                FieldProblem(
                    "parties",
                    MESSAGES.gettext(
                        "{legal_name} takes part as {role}, so the agreement binds it: "
                        "confirm it (or change the partnership's parties first)",
                        legal_name=party.organisation.legal_name,
                        role=role,
                    ),
                )
            )
    return problems


def confirm_signed_copy(
    session: Session, partnership_id: int, data: ExistingAgreementConfirm, actor: User
) -> Agreement:
    """Record a confirmed signed copy through the workflow (``record_existing``, then activate/expire as today needs).

    The confirmed terms are set on the draft, the signatories confirmed become signatures bound to the copy's hash,
    and the evidence names the file, its hash and who uploaded it.
    """
    require_recorder(session, actor, partnership_id)
    partnership = get_partnership(session, partnership_id)
    require_recordable(partnership)
    agreement, version = _upload(session, partnership_id, data.upload_id, lock=True)
    if agreement.status not in states(WORKFLOW, group="editable"):
        status = state_name(WORKFLOW, agreement.status)
        raise Conflict(
            MESSAGES.gettext(
                "the signed copy {upload_id} was already recorded: the agreement is {status}",
                upload_id=data.upload_id,
                status=status,
            )
        )
    if data.document_sha256 != version.sha256:
        raise invalid(
            "document_sha256",
            MESSAGES.gettext("is not the hash of the uploaded copy ({sha256})", sha256=version.sha256),
        )
    problems = _party_problems(agreement, data, engine.current_date())
    if problems:
        raise ValidationFailed(problems)
    terms = AgreementCreate(
        partnership_id=partnership_id, kind=data.kind, title=data.title, parent_id=data.parent_id,
        effective_date=data.effective_date, end_date=data.end_date, notice_period_days=data.notice_period_days,
    )  # fmt: skip
    check_parent(session, terms)
    for name in ("kind", "title", "parent_id", "effective_date", "end_date", "notice_period_days"):
        setattr(agreement, name, getattr(terms, name))
    session.flush()
    uploader = session.get(User, version.author_id) if version.author_id else None
    evidence = f"signed copy {version.file_name} (SHA-256 {version.sha256}) uploaded by " + (
        uploader.full_name if uploader else "an unknown user"
    )
    if uploader is None or uploader.id != actor.id:
        evidence += f", confirmed by {actor.full_name}"
    record_existing(session, agreement, evidence, actor=Actor.person(actor), document_sha256=version.sha256)
    for entry in data.parties:
        if entry.signatory_name and entry.signed_on:
            agreement.signatures.append(
                Signature(
                    party_id=entry.party_id,
                    signatory_name=entry.signatory_name,
                    signatory_title=entry.signatory_title or "",
                    signed_on=entry.signed_on,
                    document_version_id=version.id,
                    document_sha256=version.sha256,
                    recorded_by_id=actor.id,
                )
            )
    session.flush()
    return agreement
