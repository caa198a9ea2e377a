"""Every party signs for itself: one signature per party (wet-ink scan or simple electronic signature), each bound
to the SHA-256 of the approved version; the last one fires ``record_signatures`` through the workflow engine.

Public entry points (also for the partner link, issue 21 item 1):

- :func:`sign_electronically` — a simple electronic signature (typed name, consent text, time, version hash);
- :func:`record_wet_ink` — a paper signature, its scan stored with its SHA-256;
- :func:`consent_text` — the consent text to show a signer, in their language;
- :func:`signing_status` — who has signed, who is awaited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app import clock
from app.agreements.models import Agreement, PartyWithdrawal, Signature, SignatureMethod
from app.agreements.rules import party_name, signing_parties
from app.config import get_settings
from app.db import get_for_update
from app.errors import Conflict, invalid
from app.i18n import LANGUAGES, MESSAGES, use_language
from app.partnerships.models import PartnershipParty
from app.uploads import MB, document_upload_bytes
from app.users.policy import Action
from app.workflow import engine
from app.workflow.actor import Actor
from app.workflow.definition import states

WORKFLOW = "agreement"
SCAN_TYPES = {"application/pdf": b"%PDF-", "image/png": b"\x89PNG\r\n\x1a\n", "image/jpeg": b"\xff\xd8\xff"}
"""What a wet-ink scan may be, by the bytes it starts with (a PDF's marker may come a little later)."""


@dataclass(frozen=True)
class PartyStatus:
    """One required signer of an agreement: the organisation (``party`` is ``None``) or a partner party."""

    party: PartnershipParty | None
    name: str
    signature: Signature | None
    withdrawal: PartyWithdrawal | None = None

    @property
    def key(self) -> str:
        """How forms and URLs name the party: ``organisation`` or the party's id."""
        return "organisation" if self.party is None else str(self.party.id)


def withdrawals_of(session: Session, agreement: Agreement) -> dict[int, PartyWithdrawal]:
    """The withdrawals recorded on the agreement, by party id."""
    stmt = select(PartyWithdrawal).where(PartyWithdrawal.agreement_id == agreement.id)
    return {row.party_id: row for row in session.scalars(stmt)}


def signing_status(session: Session, agreement: Agreement) -> list[PartyStatus]:
    """Every required signer (the organisation first, then each signing party) with its signature, if any."""
    by_party = {signature.party_id: signature for signature in agreement.signatures}
    withdrawn = withdrawals_of(session, agreement)
    rows = [PartyStatus(None, party_name(None), by_party.get(None))]
    for party in signing_parties(agreement):
        rows.append(PartyStatus(party, party_name(party), by_party.get(party.id), withdrawn.get(party.id)))
    return rows


def awaited(session: Session, agreement: Agreement) -> list[PartyStatus]:
    """The required signers who have not signed yet."""
    return [row for row in signing_status(session, agreement) if row.signature is None]


def awaiting_party(session: Session, partnership_id: int, party_id: int) -> list[Agreement]:
    """The partnership's agreements awaiting signatures that party ``party_id`` must sign and has not signed yet."""
    stmt = (
        select(Agreement)
        .where(
            Agreement.partnership_id == partnership_id,
            Agreement.status.in_(sorted(states("agreement", group="awaiting_signatures"))),
        )
        .order_by(Agreement.id)
    )
    return [
        agreement
        for agreement in session.scalars(stmt)
        if any(row.party is not None and row.party.id == party_id for row in awaited(session, agreement))
    ]


def consent_text(language: str, *, agreement: Agreement, party_name: str, version_sha256: str) -> str:
    """The consent a signer reads before signing electronically, in ``language`` (stored verbatim when signed)."""
    language = language if language in LANGUAGES else "en"
    with use_language(language):
        return MESSAGES.gettext(
            "By typing my name and confirming, I, acting for {party}, sign agreement {reference} ({title}) "
            "electronically. I have read the document whose SHA-256 is {sha256}, I am authorised to sign it on behalf "
            "of {party}, and I agree that this electronic signature binds {party} as a handwritten one would.",
            party=party_name,
            reference=agreement.reference,
            title=agreement.title,
            sha256=version_sha256,
        )


def _party_key(party: PartnershipParty | None) -> str:
    return "organisation" if party is None else str(party.id)


def _check_can_sign(
    session: Session, agreement: Agreement, party: PartnershipParty | None, version_sha256: str, actor: Actor
) -> None:
    """Refuse a signature the agreement cannot take now: wrong status or party, already signed, stale version."""
    from app.agreements.service import require_on_agreement, require_status

    require_on_agreement(actor, agreement, Action.RECORD_SIGNATURES)
    require_status(agreement, "awaiting_signatures", MESSAGES.gettext("record a signature"))
    if party is not None and party.id not in {p.id for p in signing_parties(agreement)}:
        raise invalid(
            "party_id", MESSAGES.gettext("party {party_id} is not a party to this agreement", party_id=party.id)
        )
    if any(signature.party_id == (party.id if party else None) for signature in agreement.signatures):
        raise Conflict(MESSAGES.gettext("{name} has already signed", name=party_name(party)))
    version = agreement.latest_version
    if version is None or version.sha256 != agreement.approved_sha256:
        raise Conflict(
            MESSAGES.gettext("the document changed after approval; the approved version is no longer the current one")
        )
    if version_sha256 != version.sha256:
        raise invalid(
            "version_sha256",
            MESSAGES.gettext(
                "the version signed is not the current one: version {number} has hash {sha256}",
                number=version.number,
                sha256=version.sha256,
            ),
        )


def _add(session: Session, agreement: Agreement, signature: Signature, actor: Actor) -> Signature:
    """Store the signature against the approved version; the last one makes the agreement signed (engine)."""
    version = agreement.latest_version
    assert version is not None  # checked by _check_can_sign
    signature.document_version_id, signature.document_sha256 = version.id, version.sha256
    signature.recorded_by_id = actor.audit_id
    agreement.signatures.append(signature)
    session.flush()
    if not awaited(session, agreement):
        comment = MESSAGES.gettext("every party has signed")
        engine.fire(session, WORKFLOW, agreement, "record_signatures", actor, comment, payload={})
    return signature


def _locked(session: Session, agreement: Agreement) -> Agreement:
    return get_for_update(session, Agreement, agreement.id, "agreement")


def sign_electronically(
    session: Session,
    agreement: Agreement,
    party: PartnershipParty | None,
    *,
    typed_name: str,
    signatory_title: str,
    consent_text: str,
    version_sha256: str,
    via_link_id: int | None,
    actor: Actor,
    consent_language: str = "en",
) -> Signature:
    """Record ``party``'s simple electronic signature (``None``: the organisation's) on the approved version.

    Stores the typed name, the consent text verbatim, the moment and the version hash; refuses a stale hash
    (``invalid`` naming ``version_sha256``), a party that already signed (``Conflict``). When it is the last
    awaited signature, ``record_signatures`` is fired through the engine by ``actor`` in the same transaction.
    ``actor`` is the staff member present with the signatory, or ``Actor.system(...)`` for a partner link.
    """
    agreement = _locked(session, agreement)
    typed = " ".join((typed_name or "").split())
    if not typed:
        raise invalid("typed_name", MESSAGES.gettext("type the signatory's full name"))
    title = " ".join((signatory_title or "").split())
    if not title:
        raise invalid("signatory_title", MESSAGES.gettext("is required"))
    if not (consent_text or "").strip():
        raise invalid("consent_text", MESSAGES.gettext("is required"))
    _check_can_sign(session, agreement, party, version_sha256, actor)
    now = clock.now()
    signature = Signature(
        party_id=party.id if party else None,
        signatory_name=typed[:200],
        signatory_title=title[:200],
        signed_on=clock.local_date(now, get_settings().zone),
        signed_at=now,
        method=SignatureMethod.ELECTRONIC,
        typed_name=typed[:200],
        consent_text=consent_text,
        consent_language=consent_language if consent_language in LANGUAGES else "en",
        via_link_id=via_link_id,
    )
    return _add(session, agreement, signature, actor)


def scan_media_type(content: bytes) -> str:
    """What a wet-ink scan is (PDF, PNG or JPEG) by its bytes, or ``invalid`` naming ``file``."""
    if not content:
        raise invalid("file", MESSAGES.gettext("is empty"))
    if len(content) > document_upload_bytes():
        raise invalid("file", MESSAGES.gettext("is larger than {value} MB", value=document_upload_bytes() // MB))
    if b"%PDF-" in content[:1024]:
        return "application/pdf"
    for media_type, magic in SCAN_TYPES.items():
        if content.startswith(magic):
            return media_type
    raise invalid("file", MESSAGES.gettext("is not a PDF, PNG or JPEG scan of the signed page"))


def record_wet_ink(
    session: Session,
    agreement: Agreement,
    party: PartnershipParty | None,
    *,
    signatory_name: str,
    signatory_title: str,
    signed_on: date,
    scan: bytes,
    file_name: str,
    version_sha256: str,
    actor: Actor,
) -> Signature:
    """Record ``party``'s paper signature, its scan (PDF or image) stored with its SHA-256, on the approved version."""
    agreement = _locked(session, agreement)
    media_type = scan_media_type(scan)
    name = " ".join((signatory_name or "").split())
    if not name:
        raise invalid("signatory_name", MESSAGES.gettext("is required"))
    title = " ".join((signatory_title or "").split())
    if not title:
        raise invalid("signatory_title", MESSAGES.gettext("is required"))
    today = clock.today(get_settings().zone)
    if signed_on > today:
        raise invalid("signed_on", MESSAGES.gettext("is in the future"))
    approved_on = clock.local_date(agreement.approved_at, get_settings().zone) if agreement.approved_at else None
    if approved_on is not None and signed_on < approved_on:
        raise invalid("signed_on", MESSAGES.gettext("is before the approval ({approved_on})", approved_on=approved_on))
    _check_can_sign(session, agreement, party, version_sha256, actor)
    signature = Signature(
        party_id=party.id if party else None,
        signatory_name=name[:200],
        signatory_title=title[:200],
        signed_on=signed_on,
        method=SignatureMethod.WET_INK,
        scan_file_name=(file_name or "scan")[:255],
        scan_media_type=media_type,
        scan_content=scan,
        scan_sha256=hashlib.sha256(scan).hexdigest(),
    )
    return _add(session, agreement, signature, actor)


def party_of(agreement: Agreement, key: str | int | None) -> PartnershipParty | None:
    """The party named by ``key`` (``organisation``/``None`` or a party id), or ``invalid`` naming ``party_id``."""
    if key in (None, "", "organisation"):
        return None
    try:
        wanted = int(key)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise invalid("party_id", MESSAGES.gettext("must be a party id or 'organisation'")) from None
    for party in agreement.partnership.parties:
        if party.id == wanted:
            return party
    raise invalid("party_id", MESSAGES.gettext("party {party_id} is not a party to this agreement", party_id=wanted))


def in_signing(agreement: Agreement) -> bool:
    """Whether signatures may be recorded now (the agreement awaits them)."""
    return agreement.status in states(WORKFLOW, group="awaiting_signatures")
