"""What one batch of lines may refer to: the organisations and partnerships already recorded, loaded in a few
queries and found by every key a line can name them by, with what the run has learned of them so far."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from app.imports.rows import ParsedRow
from app.organisations.models import AreaOfEngagement, Organisation
from app.partnerships.models import Partnership


@dataclass
class Lookup:
    """The organisations and partnerships one batch may refer to, by every key a line can name them by."""

    areas: dict[str, AreaOfEngagement]
    by_ref: dict[str, Organisation] = field(default_factory=dict)
    by_name: dict[str, list[Organisation]] = field(default_factory=dict)
    by_registration: dict[str, list[Organisation]] = field(default_factory=dict)
    partnerships: dict[str, Partnership] = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=dict)
    """The stage each partnership of this run will be in once the lines matched so far are written."""
    stated: set[str] = field(default_factory=set)
    """Partnerships of this run whose stage a line has stated (not just defaulted to ad hoc)."""
    created: set[str] = field(default_factory=set)
    """Keys of the partnerships this run creates: later lines add to them without conflict."""
    recorded: dict[str, list[tuple[date, date]]] = field(default_factory=dict)
    """The terms of the agreements this run records, by partnership key: each once, none overlapping another."""
    first_said: dict[tuple[object, ...], str] = field(default_factory=dict)
    """For recorded partnerships, what the first line of this run says of them (stage, focal point of a party):
    a later line that says otherwise follows it (doubtful), rather than contradicting the record."""

    def remember_organisation(self, organisation: Organisation) -> None:
        """Make ``organisation`` findable by its reference, name key and registration key."""
        if organisation.external_ref:
            self.by_ref.setdefault(organisation.external_ref, organisation)
        keys = ((self.by_name, organisation.name_key), (self.by_registration, organisation.registration_key))
        for index, key in keys:
            if key:
                known = index.setdefault(key, [])
                if all(other is not organisation for other in known):
                    known.append(organisation)


def prefetch(session: Session, rows: list[ParsedRow], state: Lookup) -> Lookup:
    """Load the organisations and partnerships a batch may refer to, in a few queries; ``state`` carries what the
    run has learned so far (stages, terms, first statements) from batch to batch."""
    lookup = Lookup(
        areas={a.code: a for a in session.scalars(select(AreaOfEngagement))},
        stages=state.stages,
        stated=state.stated,
        created=state.created,
        recorded=state.recorded,
        first_said=state.first_said,
    )
    refs = {row.organisation_ref for row in rows if row.organisation_ref}
    names = {row.name_key for row in rows}
    registrations = {row.registration_key for row in rows if row.registration_key}
    for chunk in _chunks(sorted(refs | names | registrations), 500):
        conditions = [Organisation.name_key.in_(chunk), Organisation.external_ref.in_(chunk)]
        conditions.append(Organisation.registration_key.in_(chunk))
        loaded = (selectinload(Organisation.contacts), selectinload(Organisation.areas))
        stmt = select(Organisation).where(or_(*conditions)).options(*loaded)
        for organisation in session.scalars(stmt):
            lookup.remember_organisation(organisation)
    keys = sorted({row.partnership_key() for row in rows if row.has_partnership})
    for chunk in _chunks(keys, 500):
        stmt = (
            select(Partnership)
            .where(Partnership.external_ref.in_(chunk))
            .options(selectinload(Partnership.parties), selectinload(Partnership.agreements))
        )
        for partnership in session.scalars(stmt):
            lookup.partnerships[partnership.external_ref or ""] = partnership
    return lookup


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
