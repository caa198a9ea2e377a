"""Completing recorded organisations, contacts and projects from an inventory line: only what the record lacks."""

from __future__ import annotations

from app.db import utcnow
from app.imports.lookup import Lookup
from app.imports.matching import contact_matches
from app.imports.rows import ParsedRow
from app.organisations.models import Contact, Organisation
from app.partnerships.models import Partnership, Project


def fill_project(partnership: Partnership, row: ParsedRow, overwrite: bool = False) -> bool:
    """Set the partnership's project dates from the line (only empty ones unless ``overwrite``)."""
    project = partnership.project
    if project is None:
        project = Project(name=partnership.title, start_date=row.start_date, end_date=row.end_date)
        partnership.project = project
        return True
    changed = False
    for name in ("start_date", "end_date"):
        value = getattr(row, name)
        if value is not None and (overwrite or getattr(project, name) is None) and getattr(project, name) != value:
            setattr(project, name, value)
            changed = True
    return changed


def fill_organisation(organisation: Organisation, row: ParsedRow, lookup: Lookup) -> bool:
    """Fill the organisation's empty fields and add its missing areas from the line; whether anything changed."""
    changed = False
    values = {
        "short_name": row.acronym,
        "region": row.region,
        "registration_number": row.registration_number,
        "website": row.website,
        "email": row.email,
        "notes": row.notes,
    }
    for name, value in values.items():
        if value and not getattr(organisation, name):
            setattr(organisation, name, value)
            changed = True
    ref = row.organisation_ref
    if ref and organisation.external_ref is None and ref not in lookup.by_ref:
        organisation.external_ref = ref
        lookup.by_ref[ref] = organisation
        changed = True
    missing = [lookup.areas[c] for c in row.areas if c in lookup.areas and lookup.areas[c] not in organisation.areas]
    if missing:
        organisation.areas.extend(missing)
        organisation.updated_at = utcnow()
        changed = True
    return changed


def contact_of(organisation: Organisation, row: ParsedRow) -> tuple[Contact | None, bool]:
    """The line's contact person at the organisation, and whether they were added now (not known before)."""
    if not row.has_focal_point:
        return None, False
    for known in organisation.contacts:
        if contact_matches(known, row):
            if row.contact_phone and not known.phone:
                known.phone = row.contact_phone
            return known, False
    name = row.contact_name or row.contact_email or row.contact_phone or ""
    # A contact named on a partnership's line is its focal point: flagged as it is written, not updated after.
    contact = Contact(
        name=name[:200], email=row.contact_email, phone=row.contact_phone, is_focal_point=row.has_partnership
    )
    organisation.contacts.append(contact)
    return contact, True
