"""The organisations and partnerships exports: their columns, and their related facts loaded once per batch."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from app.agreements.models import Agreement
from app.exports.columns import Cell, Column, code, grouped, joined, label, pairs
from app.organisations.models import AreaOfEngagement, Contact, Organisation, organisation_areas
from app.partnerships.models import PartnershipParty, Project, partnership_areas, partnership_co_owners
from app.users.models import User
from app.workflow.definition import states

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


def organisation_cells(session: Session, batch: Sequence[Row[Any]]) -> Iterable[tuple[Cell, ...]]:
    """The cells of a batch of organisation rows, each related fact loaded once for the batch."""
    ids = [org.id for org in batch]
    areas = grouped(
        session,
        select(organisation_areas.c.organisation_id, AreaOfEngagement.name)
        .join(AreaOfEngagement, organisation_areas.c.area_id == AreaOfEngagement.id)
        .where(organisation_areas.c.organisation_id.in_(ids))
        .order_by(organisation_areas.c.organisation_id, AreaOfEngagement.id),
    )
    contacts = grouped(
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
            code(org.kind),
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
    in_force = states("agreement", group="in_force")

    def rank(agreement: Row[Any]) -> tuple[bool, bool, date, int]:
        return (agreement.status in in_force, agreement.end_date is None, agreement.end_date or date.min, agreement.id)

    for agreement in session.execute(stmt):
        held = current.get(agreement.partnership_id)
        if held is None or rank(agreement) > rank(held):
            current[agreement.partnership_id] = agreement
    return current


def partnership_cells(session: Session, batch: Sequence[Row[Any]]) -> Iterable[tuple[Cell, ...]]:
    """The cells of a batch of partnership rows, each related fact loaded once for the batch."""
    ids = [ptn.id for ptn in batch]
    current = current_agreements(session, ids)
    areas = grouped(
        session,
        select(partnership_areas.c.partnership_id, AreaOfEngagement.name)
        .join(AreaOfEngagement, partnership_areas.c.area_id == AreaOfEngagement.id)
        .where(partnership_areas.c.partnership_id.in_(ids))
        .order_by(partnership_areas.c.partnership_id, AreaOfEngagement.id),
    )
    parties = grouped(
        session,
        select(PartnershipParty.partnership_id, PartnershipParty.role)
        .add_columns(Organisation.legal_name, Organisation.country_code)
        .join(Organisation, PartnershipParty.organisation_id == Organisation.id)
        .where(PartnershipParty.partnership_id.in_(ids))
        .order_by(PartnershipParty.partnership_id, PartnershipParty.id),
    )
    co_owners = grouped(
        session,
        select(partnership_co_owners.c.partnership_id, User.full_name)
        .join(User, partnership_co_owners.c.user_id == User.id)
        .where(partnership_co_owners.c.partnership_id.in_(ids))
        .order_by(partnership_co_owners.c.partnership_id, User.id),
    )
    user_ids = {ptn.owner_id for ptn in batch} | {ptn.legal_officer_id for ptn in batch if ptn.legal_officer_id}
    names = pairs(session, select(User.id, User.full_name).where(User.id.in_(user_ids)))
    project_ids = {ptn.project_id for ptn in batch if ptn.project_id}
    projects = pairs(session, select(Project.id, Project.name).where(Project.id.in_(project_ids)))
    for ptn in batch:
        agreement = current.get(ptn.id)
        partners = parties.get(ptn.id, [])
        yield (
            ptn.reference,
            ptn.title,
            ptn.stage,
            joined(area.name for area in areas.get(ptn.id, [])),
            joined(f"{party.legal_name} ({label(party.role)})" for party in partners),
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
