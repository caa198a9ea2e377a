"""What each export contains: its columns, the query the API list runs, and how a batch of rows is filled in.

Every table reuses its domain service's ``selection`` (the list endpoint's filters and sort order), so an export
and the list it comes from can never disagree about which rows match. Related facts (an organisation's areas, a
partnership's current agreement, an obligation's party) are loaded once per batch of rows, never per row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.agreements import service as agreements
from app.agreements.models import Agreement, Signature
from app.agreements.schemas import AgreementFilter
from app.config import get_settings
from app.obligations import service as obligations
from app.obligations.models import Obligation
from app.obligations.schemas import ObligationFilter
from app.organisations import service as organisations
from app.organisations.models import Organisation
from app.organisations.schemas import OrganisationFilter
from app.partnerships import service as partnerships
from app.partnerships.models import Partnership, PartnershipParty
from app.partnerships.schemas import PartnershipFilter

Cell = str | int | date | datetime | None
MULTI = "; "
"""How several values share one cell (areas, partners, contacts)."""
IN_FORCE = ("active", "suspended")


@dataclass(frozen=True)
class Column:
    """One column of an export: its header and its width in an Excel sheet (characters)."""

    header: str
    width: int = 16


@dataclass(frozen=True)
class Table:
    """An exportable list: its columns, its filters, its query and how to turn a batch of rows into cells."""

    entity: str
    columns: tuple[Column, ...]
    filters: type[BaseModel]
    select: Callable[[Session, Any, str | None], Select[Any]]
    cells: Callable[[Session, Sequence[Any]], Iterable[tuple[Cell, ...]]]

    @property
    def headers(self) -> list[str]:
        """The header row."""
        return [column.header for column in self.columns]


def joined(values: Iterable[str | None]) -> str:
    """Several values in one cell, in order, blanks left out."""
    return MULTI.join(value for value in values if value)


def _pairs(session: Session, statement: Select[Any]) -> dict[Any, Any]:
    """A two-column query as a dict (first column → second)."""
    return {key: value for key, value in session.execute(statement)}


def _label(value: Any) -> str:
    """``lead_partner`` → ``lead partner``."""
    return str(getattr(value, "value", value) or "").replace("_", " ")


# organisations ---------------------------------------------------------------------------------------------------

ORGANISATION_COLUMNS = (
    # The import layout first (docs/imports.md), so an export can be edited and imported again.
    Column("organisation_ref", 16),
    Column("organisation_name", 40),
    Column("acronym", 12),
    Column("partner_type", 22),
    Column("country", 9),
    Column("region", 22),
    Column("registration_number", 18),
    Column("website", 30),
    Column("email", 28),
    Column("contact_name", 24),
    Column("contact_email", 28),
    Column("areas", 40),
    # Everything else the record holds.
    Column("contact_title", 20),
    Column("contact_phone", 16),
    Column("other_contacts", 40),
    Column("notes", 40),
    Column("id", 8),
    Column("created_at", 20),
    Column("updated_at", 20),
)


def _organisation_cells(_session: Session, batch: Sequence[Organisation]) -> Iterable[tuple[Cell, ...]]:
    for org in batch:
        focal = next((c for c in org.contacts if c.is_focal_point), org.contacts[0] if org.contacts else None)
        others = [c for c in org.contacts if c is not focal]
        yield (
            getattr(org, "external_ref", None),
            org.legal_name,
            org.short_name,
            org.kind.value,
            org.country_code,
            org.region,
            org.registration_number,
            org.website,
            org.email,
            focal.name if focal else None,
            focal.email if focal else None,
            joined(area.name for area in org.areas),
            focal.title if focal else None,
            focal.phone if focal else None,
            joined(f"{c.name} <{c.email}>" if c.email else c.name for c in others),
            org.notes,
            org.id,
            org.created_at,
            org.updated_at,
        )


# partnerships ----------------------------------------------------------------------------------------------------

PARTNERSHIP_COLUMNS = (
    Column("reference", 14),
    Column("title", 40),
    Column("stage", 12),
    Column("areas", 40),
    Column("partners", 50),
    Column("partner_countries", 14),
    Column("owner", 22),
    Column("co_owners", 22),
    Column("legal_officer", 22),
    Column("project", 24),
    Column("current_agreement", 30),
    Column("current_agreement_status", 14),
    Column("current_agreement_end_date", 14),
    Column("handles_personal_data", 10),
    Column("partnership_ref", 16),
    Column("id", 8),
    Column("created_at", 20),
    Column("updated_at", 20),
)


def current_agreements(session: Session, partnership_ids: Sequence[int]) -> dict[int, Agreement]:
    """Each partnership's current agreement: the one in force ending last (open-ended last of all), else the newest."""
    if not partnership_ids:
        return {}
    stmt = select(Agreement).where(Agreement.partnership_id.in_(partnership_ids)).order_by(Agreement.id)
    current: dict[int, Agreement] = {}

    def rank(agreement: Agreement) -> tuple[bool, bool, date, int]:
        return (agreement.status in IN_FORCE, agreement.end_date is None, agreement.end_date or date.min, agreement.id)

    for agreement in session.scalars(stmt):
        held = current.get(agreement.partnership_id)
        if held is None or rank(agreement) > rank(held):
            current[agreement.partnership_id] = agreement
    return current


def _partnership_cells(session: Session, batch: Sequence[Partnership]) -> Iterable[tuple[Cell, ...]]:
    current = current_agreements(session, [p.id for p in batch])
    for ptn in batch:
        agreement = current.get(ptn.id)
        yield (
            ptn.reference,
            ptn.title,
            ptn.stage,
            joined(area.name for area in ptn.areas),
            joined(f"{party.organisation.legal_name} ({_label(party.role)})" for party in ptn.parties),
            joined(dict.fromkeys(party.organisation.country_code for party in ptn.parties)),
            ptn.owner.full_name,
            joined(person.full_name for person in ptn.co_owners),
            ptn.legal_officer.full_name if ptn.legal_officer else None,
            ptn.project.name if ptn.project else None,
            agreement.title if agreement else None,
            agreement.status if agreement else None,
            agreement.end_date if agreement else None,
            "yes" if ptn.handles_personal_data else "no",
            getattr(ptn, "external_ref", None),
            ptn.id,
            ptn.created_at,
            ptn.updated_at,
        )


# agreements ------------------------------------------------------------------------------------------------------

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


def _agreement_cells(session: Session, batch: Sequence[Agreement]) -> Iterable[tuple[Cell, ...]]:
    ids = [a.id for a in batch]
    partnership_ids = {a.partnership_id for a in batch}
    parent_ids = {a.parent_id for a in batch if a.parent_id}
    partners = {
        row.id: (row.reference, row.title)
        for row in session.execute(
            select(Partnership.id, Partnership.reference, Partnership.title).where(Partnership.id.in_(partnership_ids))
        )
    }
    parents = _pairs(session, select(Agreement.id, Agreement.title).where(Agreement.id.in_(parent_ids)))
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
            agreement.kind.value,
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


def _obligation_cells(session: Session, batch: Sequence[Obligation]) -> Iterable[tuple[Cell, ...]]:
    agreement_ids = {o.agreement_id for o in batch}
    party_ids = {o.party_id for o in batch if o.party_id}
    agreement_rows = session.execute(
        select(Agreement.id, Agreement.title, Partnership.reference)
        .join(Partnership, Agreement.partnership_id == Partnership.id)
        .where(Agreement.id.in_(agreement_ids))
    )
    about = {row.id: (row.title, row.reference) for row in agreement_rows}
    parties = _pairs(
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
            _label(obligation.recurrence) or None,
            obligation.recurrence_until,
            obligation.status.value,
            obligation.fulfilled_on,
            obligation.evidence_note,
            obligation.waived_reason,
            obligation.responsible_email,
            obligation.agreement_id,
            obligation.id,
            obligation.created_at,
            obligation.updated_at,
        )


TABLES: dict[str, Table] = {
    table.entity: table
    for table in (
        Table("organisations", ORGANISATION_COLUMNS, OrganisationFilter, organisations.selection, _organisation_cells),
        Table("partnerships", PARTNERSHIP_COLUMNS, PartnershipFilter, partnerships.selection, _partnership_cells),
        Table("agreements", AGREEMENT_COLUMNS, AgreementFilter, agreements.selection, _agreement_cells),
        Table(
            "obligations",
            OBLIGATION_COLUMNS,
            ObligationFilter,
            lambda _session, filters, sort: obligations.selection(filters, sort),
            _obligation_cells,
        ),
    )
}
"""Every exportable list by name, in the order the documentation presents them."""
