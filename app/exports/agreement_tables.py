"""The agreements and obligations exports: their columns, and their related facts loaded once per batch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.agreements.models import Agreement, Signature
from app.config import get_settings
from app.exports.columns import Cell, Column, code, joined, label, pairs
from app.organisations.models import Organisation
from app.partnerships.models import Partnership, PartnershipParty

AGREEMENT_COLUMNS = (
    Column("partnership_reference", 14),
    Column("partnership_title", 36),
    Column("kind", 12),
    Column("title", 40),
    Column("status", 14),
    Column("effective_date", 12),
    Column("end_date", 12),
    Column("notice_period_days", 10),
    Column("approved_version", 10),
    Column("approved_at", 20),
    Column("signed_on", 12),
    Column("signatories", 40),
    Column("terminated_on", 12),
    Column("termination_reason", 30),
    Column("amends", 30),
    Column("id", 8),
    Column("created_at", 20),
    Column("updated_at", 20),
)


def agreement_cells(session: Session, batch: Sequence[Row[Any]]) -> Iterable[tuple[Cell, ...]]:
    """The cells of a batch of agreement rows, each related fact loaded once for the batch."""
    ids = [a.id for a in batch]
    partnership_ids = {a.partnership_id for a in batch}
    parent_ids = {a.parent_id for a in batch if a.parent_id}
    partners = {
        row.id: (row.reference, row.title)
        for row in session.execute(
            select(Partnership.id, Partnership.reference, Partnership.title).where(Partnership.id.in_(partnership_ids))
        )
    }
    parents = pairs(session, select(Agreement.id, Agreement.title).where(Agreement.id.in_(parent_ids)))
    signed: dict[int, list[tuple[date, str]]] = {}
    stmt = (
        select(Signature.agreement_id, Signature.signed_on, Signature.signatory_name)
        .where(Signature.agreement_id.in_(ids))
        .order_by(Signature.agreement_id, Signature.id)
    )
    for agreement_id, signed_on, name in session.execute(stmt):
        signed.setdefault(agreement_id, []).append((signed_on, name))
    for agreement in batch:
        reference, partnership_title = partners.get(agreement.partnership_id, (None, None))
        signatures = signed.get(agreement.id, [])
        yield (
            reference,
            partnership_title,
            code(agreement.kind),
            agreement.title,
            agreement.status,
            agreement.effective_date,
            agreement.end_date,
            agreement.notice_period_days,
            agreement.approved_version_number,
            agreement.approved_at,
            max((day for day, _ in signatures), default=None),  # the day the last party signed
            joined(f"{name} ({day.isoformat()})" for day, name in signatures),
            agreement.terminated_on,
            agreement.termination_reason,
            parents.get(agreement.parent_id) if agreement.parent_id else None,
            agreement.id,
            agreement.created_at,
            agreement.updated_at,
        )


# obligations -----------------------------------------------------------------------------------------------------

OBLIGATION_COLUMNS = (
    Column("partnership_reference", 14),
    Column("agreement", 36),
    Column("party", 36),
    Column("description", 50),
    Column("due_date", 12),
    Column("recurrence", 14),
    Column("recurrence_until", 12),
    Column("status", 11),
    Column("fulfilled_on", 12),
    Column("evidence_note", 30),
    Column("waived_reason", 30),
    Column("responsible_email", 28),
    Column("agreement_id", 10),
    Column("id", 8),
    Column("created_at", 20),
    Column("updated_at", 20),
)


def obligation_cells(session: Session, batch: Sequence[Row[Any]]) -> Iterable[tuple[Cell, ...]]:
    """The cells of a batch of obligation rows, each related fact loaded once for the batch."""
    agreement_ids = {o.agreement_id for o in batch}
    party_ids = {o.party_id for o in batch if o.party_id}
    agreement_rows = session.execute(
        select(Agreement.id, Agreement.title, Partnership.reference)
        .join(Partnership, Agreement.partnership_id == Partnership.id)
        .where(Agreement.id.in_(agreement_ids))
    )
    about = {row.id: (row.title, row.reference) for row in agreement_rows}
    parties = pairs(
        session,
        select(PartnershipParty.id, Organisation.legal_name)
        .join(Organisation, PartnershipParty.organisation_id == Organisation.id)
        .where(PartnershipParty.id.in_(party_ids)),
    )
    ourselves = get_settings().organisation_name
    for obligation in batch:
        title, reference = about.get(obligation.agreement_id, (None, None))
        yield (
            reference,
            title,
            parties.get(obligation.party_id) if obligation.party_id else ourselves,
            obligation.description,
            obligation.due_date,
            label(obligation.recurrence) or None,
            obligation.recurrence_until,
            code(obligation.status),
            obligation.fulfilled_on,
            obligation.evidence_note,
            obligation.waived_reason,
            obligation.responsible_email,
            obligation.agreement_id,
            obligation.id,
            obligation.created_at,
            obligation.updated_at,
        )
