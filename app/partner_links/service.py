"""Partner links: issue, resolve, revoke and audit them (staff side); flush only, never commit.

A link is a random token (``secrets.token_urlsafe(32)``) of which only the SHA-256 is stored. It is scoped to one
partnership and one party (the contact's organisation), expires, may be revoked, and every use is written to
``partner_link_uses`` with the client's address truncated and hashed. What partners do through a link lives in
``app.partner_links.partner``.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import datetime, timedelta
from ipaddress import ip_address, ip_network

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement, DocumentVersion
from app.config import Settings, get_settings
from app.errors import DomainError, NotFound, invalid
from app.i18n import DEFAULT_LANGUAGE, MESSAGES, is_supported, normalise
from app.organisations.models import Contact
from app.partner_links.models import PartnerLink, PartnerLinkUse
from app.partnerships.models import Partnership
from app.partnerships.service import get_partnership, permission_context
from app.reminders import outbox
from app.reminders.models import Reminder, ReminderKind, ReminderStatus
from app.users.models import User
from app.users.policy import Action, require
from app.users.service import hash_token
from app.workflow.actor import Actor

PARTNER_PATH = "/partner/"
SUBJECT = "partner_link"
TOKEN_BYTES = 32
_CLIENT_SALT = b"agreements/partner-link-client/v1:"


class PartnerLinkRefused(DomainError):
    """The link is unknown, expired or revoked; the answer is the same for all three, so it reveals nothing."""

    status = 410
    title = "Gone"


def _refused() -> PartnerLinkRefused:
    return PartnerLinkRefused(
        MESSAGES.gettext("this link cannot be used any more; ask your contact at the organisation for a new one")
    )


def _fernet(settings: Settings) -> Fernet:
    secret = settings.partner_link_key.get_secret_value() if settings.partner_link_key else settings.database_url
    digest = hashlib.sha256(b"agreements/partner-link-seal/v1:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def seal(token: str, settings: Settings | None = None) -> str:
    """The token sealed for the outbox (Fernet): only the dispatcher opens it, to write the e-mail."""
    return _fernet(settings or get_settings()).encrypt(token.encode()).decode()


def unseal(sealed: str, settings: Settings | None = None) -> str | None:
    """The token a sealed copy holds, or ``None`` if the key changed since it was sealed."""
    try:
        return _fernet(settings or get_settings()).decrypt(sealed.encode()).decode()
    except InvalidToken:
        return None


def client_digest(address: str) -> str:
    """The client address as audited: truncated to /24 (IPv4) or /48 (IPv6), then salted and hashed."""
    try:
        parsed = ip_address(address)
    except ValueError:
        return hashlib.sha256(_CLIENT_SALT + address.encode("utf-8", "replace")).hexdigest()[:32]
    if parsed.version == 6 and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped
    network = ip_network(f"{parsed}/{24 if parsed.version == 4 else 48}", strict=False)
    return hashlib.sha256(_CLIENT_SALT + str(network).encode()).hexdigest()[:32]


def link_language(link: PartnerLink) -> str:
    """The partner's language: the contact's own, else their organisation's correspondence language."""
    for choice in (link.contact.language, link.organisation.correspondence_language):
        if choice and is_supported(choice):
            return normalise(choice)
    return DEFAULT_LANGUAGE


def partner_url(token: str, settings: Settings | None = None) -> str:
    """The address a partner opens: the site's base URL and the link's token."""
    return f"{(settings or get_settings()).base_url.rstrip('/')}{PARTNER_PATH}{token}"


def require_sender(actor: User | Actor, partnership: Partnership) -> None:
    """Refuse unless ``actor`` may send and manage the partnership's links: a legal officer or an admin, or a project
    manager who owns or co-owns it (the policy's ``act_on_agreement``)."""
    require(actor, Action.ACT_ON_AGREEMENT, **permission_context(partnership))


def _shared_version(session: Session, partnership: Partnership, version_id: int | None) -> DocumentVersion | None:
    if version_id is None:
        return None
    version = session.get(DocumentVersion, version_id)
    if version is None or version.agreement.partnership_id != partnership.id:
        raise invalid(
            "document_version_id",
            MESSAGES.gettext(
                "version {version_id} is not a version of this partnership's agreements", version_id=version_id
            ),
        )
    if not version.body:
        raise invalid("document_version_id", MESSAGES.gettext("this version has no text to share (an uploaded file)"))
    return version


def issue_partner_link(
    session: Session,
    partnership_id: int,
    contact_id: int,
    *,
    actor: User | Actor,
    days: int | None = None,
    document_version_id: int | None = None,
    settings: Settings | None = None,
) -> tuple[PartnerLink, str]:
    """A new link for a party's contact (with an e-mail address), and its URL (shown once, never stored).

    The e-mail carrying it is written to the outbox and sent by the dispatcher after commit; flush only.
    """
    settings = settings or get_settings()
    partnership = get_partnership(session, partnership_id)
    require_sender(actor, partnership)
    contact = session.get(Contact, contact_id)
    party = next((p for p in partnership.parties if contact and p.organisation_id == contact.organisation_id), None)
    if contact is None or party is None:
        raise invalid("contact_id", MESSAGES.gettext("is not a contact of a party to this partnership"))
    if not contact.email:
        raise invalid("contact_id", MESSAGES.gettext("this contact has no e-mail address"))
    days = settings.partner_link_days if days is None else days
    if not 1 <= days <= settings.partner_link_max_days:
        raise invalid("days", MESSAGES.gettext("must be between 1 and {n}", n=settings.partner_link_max_days))
    version = _shared_version(session, partnership, document_version_id)
    now = clock.now()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = PartnerLink(
        partnership=partnership,
        party=party,
        contact=contact,
        token_hash=hash_token(token),
        sealed_token=seal(token, settings),
        document_version=version,
        created_by_id=None if isinstance(actor, Actor) else actor.id,
        created_at=now,
        expires_at=now + timedelta(days=days),
    )
    session.add(link)
    session.flush()
    session.add(
        Reminder(
            dedupe_key=f"{SUBJECT}:{link.id}",
            series=f"{SUBJECT}:{link.id}",
            subject_type=SUBJECT,
            subject_id=link.id,
            partnership_id=partnership.id,
            kind=ReminderKind.PARTNER_LINK,
            due_on=now.date(),
            offset_days=0,
            send_at=now,
            recipient_email=contact.email,
            recipient_user_id=None,
        )
    )
    session.flush()
    return link, partner_url(token, settings)


def resolve_partner_link(session: Session, token: str) -> PartnerLink:
    """The live link whose token this is; ``PartnerLinkRefused`` (the same for unknown, expired and revoked)."""
    if not token or len(token) > 200:
        raise _refused()
    link = session.scalar(select(PartnerLink).where(PartnerLink.token_hash == hash_token(token)))
    if link is None or link.revoked_at is not None or link.expires_at <= clock.now():
        raise _refused()
    return link


def live_link(session: Session, link_id: int) -> PartnerLink:
    """The live link with this id (a partner session names it); ``PartnerLinkRefused`` otherwise."""
    link = session.get(PartnerLink, link_id)
    if link is None or link.revoked_at is not None or link.expires_at <= clock.now():
        raise _refused()
    return link


def record_use(session: Session, link: PartnerLink, action: str, client: str, detail: str | None = None) -> None:
    """Audit one use of ``link`` (``client`` is the raw address; only its truncated digest is kept); flush only."""
    now = clock.now()
    link.last_used_at = now
    link.sealed_token = None  # opened: the e-mail did its work, the sealed copy is not needed any more
    session.add(PartnerLinkUse(link_id=link.id, at=now, action=action, client=client_digest(client), detail=detail))
    session.flush()


def get_link(session: Session, link_id: int) -> PartnerLink:
    """The link with this id, or ``NotFound``."""
    link = session.get(PartnerLink, link_id)
    if link is None:
        raise NotFound(MESSAGES.gettext("partner link {link_id} does not exist", link_id=link_id))
    return link


def revoke_partner_link(session: Session, link_id: int, *, actor: User | Actor) -> PartnerLink:
    """Stop a link working at once (idempotent); flush only."""
    link = get_link(session, link_id)
    require_sender(actor, link.partnership)
    if link.revoked_at is None:
        link.revoked_at = clock.now()
        link.revoked_by_id = None if isinstance(actor, Actor) else actor.id
        link.sealed_token = None
        unsent = session.scalar(select(Reminder).where(Reminder.dedupe_key == f"{SUBJECT}:{link.id}"))
        if unsent is not None and unsent.status in (ReminderStatus.PLANNED, ReminderStatus.FAILED):
            outbox.move(unsent, ReminderStatus.CANCELLED)  # not sent yet: it never will be
            unsent.cancel_reason = MESSAGES.gettext("the partner link was revoked before it was sent")
    session.flush()
    return link


def list_partner_links(session: Session, partnership_id: int, *, actor: User | Actor) -> list[PartnerLink]:
    """The partnership's links, newest first (those who may send links may see them)."""
    partnership = get_partnership(session, partnership_id)
    require_sender(actor, partnership)
    return list(
        session.scalars(
            select(PartnerLink).where(PartnerLink.partnership_id == partnership_id).order_by(PartnerLink.id.desc())
        )
    )


def link_uses(session: Session, link_id: int, *, actor: User | Actor) -> list[PartnerLinkUse]:
    """Every use of a link, oldest first."""
    link = get_link(session, link_id)
    require_sender(actor, link.partnership)
    return list(
        session.scalars(select(PartnerLinkUse).where(PartnerLinkUse.link_id == link_id).order_by(PartnerLinkUse.id))
    )


def use_counts(session: Session, link_ids: list[int]) -> dict[int, int]:
    """How many times each link was used."""
    if not link_ids:
        return {}
    rows = session.execute(
        select(PartnerLinkUse.link_id, func.count())
        .where(PartnerLinkUse.link_id.in_(link_ids))
        .group_by(PartnerLinkUse.link_id)
    )
    return {link_id: count for link_id, count in rows}


def link_state(link: PartnerLink, now: datetime | None = None) -> str:
    """``active``, ``expired`` or ``revoked``."""
    if link.revoked_at is not None:
        return "revoked"
    return "expired" if link.expires_at <= (now or clock.now()) else "active"  # not a workflow state


def shareable_versions(session: Session, partnership_id: int) -> list[DocumentVersion]:
    """The versions with text of the partnership's agreements, newest first: those a link may share."""
    return list(
        session.scalars(
            select(DocumentVersion)
            .join(Agreement)
            .where(Agreement.partnership_id == partnership_id, DocumentVersion.body.is_not(None))
            .order_by(DocumentVersion.id.desc())
        )
    )
