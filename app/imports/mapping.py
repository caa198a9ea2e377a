"""Matching a read line against what exists: which organisation it is, whose partnership, which stage move.

Nothing here writes: a line that cannot be matched is refused before anything is changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.imports.rows import ParsedRow, Problem
from app.organisations.models import AreaOfEngagement, Organisation
from app.partnerships.models import Partnership
from app.partnerships.schemas import PARTNER_ROLES


@dataclass
class Lookup:
    """The organisations and partnerships one batch may refer to, by every key a line can name them by."""

    areas: dict[str, AreaOfEngagement]
    by_ref: dict[str, Organisation] = field(default_factory=dict)
    by_name: dict[str, list[Organisation]] = field(default_factory=dict)
    by_registration: dict[str, list[Organisation]] = field(default_factory=dict)
    partnerships: dict[str, Partnership] = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=dict)
    """The stage each partnership of the batch will be in once the lines matched so far are written."""

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


@dataclass
class Resolution:
    """What a line refers to: its organisation (``None``: a new one), the new partnership's owner, a stage move."""

    organisation: Organisation | None
    owner_id: int | None = None
    move_stage: bool = False
    new_partnership: bool = False
    doubts: list[Problem] = field(default_factory=list)
    note: str | None = None


def _oldest(organisations: list[Organisation]) -> Organisation:
    return min(organisations, key=lambda o: (o.id is None, o.id or 0))


def find_organisation(
    row: ParsedRow, lookup: Lookup, label: Callable[[str], str]
) -> tuple[Organisation | None, str] | Problem:
    """The organisation the line names (by reference, then registration number, then name), and how it was found."""
    if row.organisation_ref and row.organisation_ref in lookup.by_ref:
        return lookup.by_ref[row.organisation_ref], "reference"
    if row.registration_key:
        same = [
            o
            for o in lookup.by_registration.get(row.registration_key, [])
            if row.country is None or o.country_code == row.country
        ]
        if same:
            return _oldest(same), "registration number"
    named = lookup.by_name.get(row.name_key, [])
    if row.country is not None:
        same = [o for o in named if o.country_code == row.country]
        return (_oldest(same), "name") if same else (None, "")
    countries = sorted({o.country_code for o in named})
    if len(countries) > 1:
        return Problem(
            label("country"),
            f"several organisations are named {row.name!r} (in {', '.join(countries)}): give the country",
        )
    return (_oldest(named), "name") if named else (None, "")


def resolve_row(
    row: ParsedRow, lookup: Lookup, labels: dict[str, str], owner: Callable[[str | None], int | str]
) -> Resolution | Problem:
    """Match the line; a ``Problem`` rejects it (nothing is written)."""

    def label(column: str) -> str:
        return labels.get(column, column)

    found = find_organisation(row, lookup, label)
    if isinstance(found, Problem):
        return found
    organisation, how = found
    plan = Resolution(organisation)
    if organisation is None:
        if row.country is None:
            return Problem(label("country"), "the country is missing (it is needed to add a new organisation)")
        if row.kind is None:
            reason = "the partner type is missing (it is needed to add a new organisation)"
            return Problem(label("partner_type"), reason)
        elsewhere = sorted({o.country_code for o in lookup.by_name.get(row.name_key, [])})
        if elsewhere:
            plan.doubts.append(
                Problem(
                    label("country"),
                    f"an organisation with this name is registered in {', '.join(elsewhere)}; "
                    f"a separate one is added in {row.country}",
                )
            )
    else:
        plan.note = f"same organisation as {organisation.legal_name!r} (same {how})"
        if row.kind is not None and organisation.kind != row.kind:
            plan.doubts.append(
                Problem(
                    label("partner_type"),
                    f"partner type {row.kind.value} differs from the recorded {organisation.kind.value}, which is kept",
                )
            )
        if row.country is not None and organisation.country_code != row.country:
            plan.doubts.append(
                Problem(
                    label("country"),
                    f"country {row.country} differs from the recorded {organisation.country_code}, which is kept",
                )
            )
    if not row.has_partnership:
        return plan
    key = row.partnership_key()
    existing = lookup.partnerships.get(key)
    current = lookup.stages.get(key) or (existing.stage if existing is not None else None)
    if current is None:
        if not row.title:
            return Problem(label("partnership_title"), f"partnership {key!r} is new and has no title")
        if row.role is not None and row.role not in PARTNER_ROLES:
            return Problem(
                label("role"),
                f"the first party of a new partnership must be a partner (lead, co- or implementing), "
                f"not {row.role.value}",
            )
        owner_id = owner(row.owner_email)
        if isinstance(owner_id, str):
            return Problem(label("owner_email"), owner_id)
        plan.owner_id = owner_id
        plan.new_partnership = True
        lookup.stages[key] = row.stage or "ad_hoc"
    elif row.stage is not None and row.stage != current:
        if current == "ad_hoc":
            plan.move_stage = True
            lookup.stages[key] = row.stage
        else:
            plan.doubts.append(
                Problem(
                    label("modality"),
                    f"the partnership is already {current}; the file says {row.stage}; its stage is kept",
                )
            )
    return plan
