"""What partners report through a link: the obligations that fall to their party, each reported done with a file
(fired through the workflow engine, audited like any transition), and the files as staff read them; flush only."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements.models import Agreement
from app.db import get_for_update
from app.errors import NotFound, invalid
from app.i18n import MESSAGES
from app.obligations.models import Obligation
from app.partner_links.models import PartnerAttachment, PartnerLink
from app.partner_links.service import record_use
from app.uploads import MB, UnsafeFile, check_docx, document_upload_bytes
from app.users.models import User
from app.users.policy import Action, require
from app.workflow import engine
from app.workflow.actor import Actor

ATTACHMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".txt": "text/plain",
}
"""What a partner may attach to a report: documents and scans (never HTML or anything a browser would run)."""
MAGIC = {
    ".pdf": b"%PDF-",
    ".docx": b"PK\x03\x04",
    ".png": b"\x89PNG",
    ".jpg": b"\xff\xd8\xff",
    ".jpeg": b"\xff\xd8\xff",
}


def partner_obligations(session: Session, link: PartnerLink) -> list[Obligation]:
    """The obligations of the partnership's agreements that fall to the link's party."""
    return list(
        session.scalars(
            select(Obligation)
            .join(Agreement)
            .where(Agreement.partnership_id == link.partnership_id, Obligation.party_id == link.party_id)
            .order_by(Obligation.due_date, Obligation.id)
        )
    )


def _attachment_type(file_name: str, content: bytes) -> str:
    suffix = "." + file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if suffix not in ATTACHMENT_TYPES:
        raise invalid("file", MESSAGES.gettext("must be a PDF, Word (.docx), PNG, JPEG or text file"))
    if len(content) > document_upload_bytes():
        raise invalid("file", MESSAGES.gettext("is larger than {value} MB", value=document_upload_bytes() // MB))
    if not content:
        raise invalid("file", MESSAGES.gettext("is empty"))
    magic = MAGIC.get(suffix)
    if magic and not content.startswith(magic):
        raise invalid("file", MESSAGES.gettext("its content is not what its name says"))
    if suffix == ".docx":
        try:
            check_docx(content)
        except UnsafeFile as exc:
            raise invalid("file", str(exc)) from None
    return ATTACHMENT_TYPES[suffix]


def report_obligation(
    session: Session,
    link: PartnerLink,
    obligation_id: int,
    note: str | None,
    file_name: str,
    content: bytes,
    client: str,
) -> Obligation:
    """The partner reports an obligation of theirs done, with a file: fired through the engine; flush only."""
    obligation = session.get(Obligation, obligation_id)
    if (
        obligation is None
        or obligation.party_id != link.party_id
        or obligation.agreement.partnership_id != link.partnership_id
    ):
        raise NotFound(MESSAGES.gettext("obligation {obligation_id} does not exist", obligation_id=obligation_id))
    name = (file_name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()[:200]
    if not name:
        raise invalid("file", MESSAGES.gettext("is required"))
    media_type = _attachment_type(name, content)
    obligation = get_for_update(session, Obligation, obligation_id, "obligation")
    digest = hashlib.sha256(content).hexdigest()
    attachment = PartnerAttachment(
        link_id=link.id,
        obligation_id=obligation.id,
        file_name=name,
        media_type=media_type,
        content=content,
        sha256=digest,
    )
    session.add(attachment)
    session.flush()
    evidence = MESSAGES.gettext(
        "reported by {name} ({organisation}) through a partner link: {file} (SHA-256 {sha})",
        name=link.contact.name,
        organisation=link.organisation.legal_name,
        file=name,
        sha=digest[:16],
    )
    if (note or "").strip():
        evidence += f" — {note.strip()[:2000]}"
    actor = Actor.system(reason=f"partner link {link.id}", on_behalf_of=link.created_by_id)
    engine.fire(
        session,
        "obligation",
        obligation,
        "report",
        actor,
        payload={"reported_on": engine.current_date().isoformat(), "evidence": evidence},
    )
    record_use(session, link, "report_obligation", client, f"obligation {obligation.id}")
    return obligation


def attachments_of(session: Session, obligation_id: int) -> list[PartnerAttachment]:
    """The files partners sent with reports of this obligation, oldest first."""
    return list(
        session.scalars(
            select(PartnerAttachment)
            .where(PartnerAttachment.obligation_id == obligation_id)
            .order_by(PartnerAttachment.id)
        )
    )


def get_attachment(session: Session, attachment_id: int, *, actor: User | Actor) -> PartnerAttachment:
    """A partner's file, for staff who may read the partnership."""
    attachment = session.get(PartnerAttachment, attachment_id)
    if attachment is None:
        raise NotFound(MESSAGES.gettext("attachment {attachment_id} does not exist", attachment_id=attachment_id))
    require(actor, Action.READ)
    return attachment


def attachments_for_staff(session: Session, obligation_id: int, *, actor: User | Actor) -> list[PartnerAttachment]:
    """The files partners sent with reports of an obligation, for staff who may read it (``NotFound`` if none)."""
    if session.get(Obligation, obligation_id) is None:
        raise NotFound(MESSAGES.gettext("obligation {obligation_id} does not exist", obligation_id=obligation_id))
    require(actor, Action.READ)
    return attachments_of(session, obligation_id)


def attachments_on_agreement(session: Session, agreement_id: int) -> list[PartnerAttachment]:
    """The files partners sent with reports of the agreement's obligations, oldest first."""
    return list(
        session.scalars(
            select(PartnerAttachment)
            .join(Obligation, Obligation.id == PartnerAttachment.obligation_id)
            .where(Obligation.agreement_id == agreement_id)
            .order_by(PartnerAttachment.id)
        )
    )
