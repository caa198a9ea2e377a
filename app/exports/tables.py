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
from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from app.agreements import service as agreements
from app.agreements.models import Agreement, Signature
from app.agreements.schemas import AgreementFilter
from app.config import get_settings
from app.db import Base
from app.obligations import service as obligations
from app.obligations.models import Obligation
from app.obligations.schemas import ObligationFilter
from app.organisations import service as organisations
from app.organisations.models import AreaOfEngagement, Contact, Organisation, organisation_areas
from app.organisations.schemas import OrganisationFilter
from app.partnerships import service as partnerships
from app.partnerships.models import (
    Partnership,
    PartnershipParty,
    Project,
    partnership_areas,
    partnership_co_owners,
)
from app.partnerships.schemas import PartnershipFilter
from app.users.models import User

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
    model: type[Base]
    columns: tuple[Column, ...]
    filters: type[BaseModel]
    select: Callable[[Session, Any, str | None], Select[Any]]
    cells: Callable[[Session, Sequence[Row[Any]]], Iterable[tuple[Cell, ...]]]
    """Fills in a batch of rows (the model's columns) with their related facts, one query per fact per batch."""

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


def _grouped(session: Session, statement: Select[Any]) -> dict[Any, list[Row[Any]]]:
    """The rows of ``statement`` grouped by their first column, in the query's order."""
    groups: dict[Any, list[Row[Any]]] = {}
    for row in session.execute(statement):
        groups.setdefault(row[0], []).append(row)
    return groups


def _code(value: Any) -> str:
    """An enum member or its stored string, as the code."""
    return str(getattr(value, "value", value))


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


def _organisation_cells(session: Session, batch: Sequence[Row[Any]]) -> Iterable[tuple[Cell, ...]]:
    ids = [org.id for org in batch]
    areas = _grouped(
        session,
        select(organisation_areas.c.organisation_id, AreaOfEngagement.name)
        .join(AreaOfEngagement, organisation_areas.c.area_id == AreaOfEngagement.id)
        .where(organisation_areas.c.organisation_id.in_(ids))
        .order_by(organisation_areas.c.organisation_id, AreaOfEngagement.id),
    )
    contacts = _grouped(
        session,
        select(Contact.organisation_id, Contact.name, Contact.title, Contact.email, Contact.phone)
        .add_columns(Contact.is_focal_point)
        .where(Contact.organisation_id.in_(ids))
        .order_by(Contact.organisation_id, Contact.id),
    )
    for org in batch:
        people = contacts.get(org.id, [])
        focal = next((c for c in people if c.is_focal_point), people[0] if people else None)
        others = [c for c in people if c is not focal]
        yield (
            getattr(org, "external_ref", None),
            org.legal_name,
            org.short_name,
            _code(org.kind),
            org.country_code,
            org.region,
            org.registration_number,
            org.website,
            org.email,
            focal.name if focal else None,
            focal.email if focal else None,
            joined(area.name for area in areas.get(org.id, [])),
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


def current_agreements(session: Session, partnership_ids: Sequence[int]) -> dict[int, Row[Any]]:
    """Each partnership's current agreement: the one in force ending last (open-ended last of all), else the newest."""
    stmt = select(Agreement.id, Agreement.partnership_id, Agreement.title, Agreement.status, Agreement.end_date).where(
        Agreement.partnership_id.in_(partnership_ids)
    )
    current: dict[int, Row[Any]] = {}

    def rank(agreement: Row[Any]) -> tuple[bool, bool, date, int]:
        return (agreement.status in IN_FORCE, agreement.end_date is None, agreement.end_date or date.min, agreement.id)

    for agreement in session.execute(stmt):
        held = current.get(agreement.partnership_id)
        if held is None or rank(agreement) > rank(held):
            current[agreement.partnership_id] = agreement
    return current


def _partnership_cells(session: Session, batch: Sequence[Row[Any]]) -> Iterable[tuple[Cell, ...]]:
    ids = [ptn.id for ptn in batch]
    current = current_agreements(session, ids)
    areas = _grouped(
        session,
        select(partnership_areas.c.partnership_id, AreaOfEngagement.name)
        .join(AreaOfEngagement, partnership_areas.c.area_id == AreaOfEngagement.id)
        .where(partnership_areas.c.partnership_id.in_(ids))
        .order_by(partnership_areas.c.partnership_id, AreaOfEngagement.id),
    )
    parties = _grouped(
        session,
        select(PartnershipParty.partnership_id, PartnershipParty.role)
        .add_columns(Organisation.legal_name, Organisation.country_code)
        .join(Organisation, PartnershipParty.organisation_id == Organisation.id)
        .where(PartnershipParty.partnership_id.in_(ids))
        .order_by(PartnershipParty.partnership_id, PartnershipParty.id),
    )
    co_owners = _grouped(
        session,
        select(partnership_co_owners.c.partnership_id, User.full_name)
        .join(User, partnership_co_owners.c.user_id == User.id)
        .where(partnership_co_owners.c.partnership_id.in_(ids))
        .order_by(partnership_co_owners.c.partnership_id, User.id),
    )
    user_ids = {ptn.owner_id for ptn in batch} | {ptn.legal_officer_id for ptn in batch if ptn.legal_officer_id}
    names = _pairs(session, select(User.id, User.full_name).where(User.id.in_(user_ids)))
    project_ids = {ptn.project_id for ptn in batch if ptn.project_id}
    projects = _pairs(session, select(Project.id, Project.name).where(Project.id.in_(project_ids)))
    for ptn in batch:
        agreement = current.get(ptn.id)
        partners = parties.get(ptn.id, [])
        yield (
            ptn.reference,
            ptn.title,
            ptn.stage,
            joined(area.name for area in areas.get(ptn.id, [])),
            joined(f"{party.legal_name} ({_label(party.role)})" for party in partners),
            joined(dict.fromkeys(party.country_code for party in partners)),
            names.get(ptn.owner_id),
            joined(person.full_name for person in co_owners.get(ptn.id, [])),
            names.get(ptn.legal_officer_id) if ptn.legal_officer_id else None,
            projects.get(ptn.project_id) if ptn.project_id else None,
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


def _agreement_cells(session: Session, batch: Sequence[Row[Any]]) -> Iterable[tuple[Cell, ...]]:
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
            _code(agreement.kind),
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


def _obligation_cells(session: Session, batch: Sequence[Row[Any]]) -> Iterable[tuple[Cell, ...]]:
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
            _code(obligation.status),
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
        Table(
            "organisations",
            Organisation,
            ORGANISATION_COLUMNS,
            OrganisationFilter,
            organisations.selection,
            _organisation_cells,
        ),
        Table(
            "partnerships",
            Partnership,
            PARTNERSHIP_COLUMNS,
            PartnershipFilter,
            partnerships.selection,
            _partnership_cells,
        ),
        Table("agreements", Agreement, AGREEMENT_COLUMNS, AgreementFilter, agreements.selection, _agreement_cells),
        Table(
            "obligations",
            Obligation,
            OBLIGATION_COLUMNS,
            ObligationFilter,
            lambda _session, filters, sort: obligations.selection(filters, sort),
            _obligation_cells,
        ),
    )
}
"""Every exportable list by name, in the order the documentation presents them."""
