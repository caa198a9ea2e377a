"""What a read line is matched with: the organisation it names, the partnership's latest agreement, and the plan
(:class:`Resolution`) with its differences from the record; used by :mod:`app.imports.mapping`, which decides.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.agreements.models import Agreement
from app.i18n import MESSAGES
from app.imports import vocabulary as vocab
from app.imports.lookup import Lookup
from app.imports.rows import ParsedRow, Problem
from app.organisations.models import Contact, Organisation
from app.partnerships.models import Partnership
from app.workflow.definition import get_workflow, states

_ = MESSAGES.gettext


def stage_words(stage: str | None) -> str:
    """A stage as the vocabulary names it ("ad hoc"), or its own name where the vocabulary has none."""
    phrases = vocab.MODALITY_PHRASES.get(stage or "")
    return phrases[0] if phrases else str(stage)


def initial_stage() -> str:
    """The stage a new partnership starts in."""
    return get_workflow("partnership").initial


def with_agreement(stage: str | None) -> bool:
    """Whether a partnership at ``stage`` has a signed agreement in force (a formal one)."""
    return stage in states("partnership", group="in_force")


@dataclass(frozen=True)
class Difference:
    """Something the line says that contradicts the record: which, the record's value and the file's."""

    kind: str
    """``stage``, ``dates``, ``agreement_term`` or ``focal_point``."""
    column: str
    recorded: str
    in_file: str
    agreement_id: int | None = None
    """For ``agreement_term``: the recorded agreement the line's term corrects."""

    def describe(self) -> str:
        """The difference in words: 'stage: recorded informal, the file says formal'."""
        what = {"stage": "modality", "dates": "dates", "agreement_term": "agreement term", "focal_point": "focal point"}
        return f"{what.get(self.kind, self.kind)}: recorded {self.recorded}, the file says {self.in_file}"


@dataclass
class Resolution:
    """What a line refers to and what writing it will do."""

    organisation: Organisation | None
    partnership: Partnership | None = None
    owner_id: int | None = None
    new_partnership: bool = False
    move_stage: str | None = None
    """A stage to place the partnership at without conflict (new, or not stated before in this run)."""
    record_agreement: bool = False
    fill_dates: bool = False
    fill_focal_point: bool = False
    differences: list[Difference] = field(default_factory=list)
    doubts: list[Problem] = field(default_factory=list)
    note: str | None = None
    merged: bool = False


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
            _(
                "several organisations are named {name} (in {values}): give the country",
                name=repr(row.name),
                values=", ".join(countries),
            ),
        )
    return (_oldest(named), "name") if named else (None, "")


def contact_matches(contact: Contact, row: ParsedRow) -> bool:
    """Whether a recorded contact is the person the line names: same e-mail, else same name, else same phone."""
    if row.contact_email and contact.email:
        return contact.email.lower() == row.contact_email
    name = " ".join((row.contact_name or "").casefold().split())
    if name:
        return " ".join(contact.name.casefold().split()) == name
    if row.contact_email:
        return contact.name.casefold() == row.contact_email
    digits = "".join(ch for ch in row.contact_phone or "" if ch.isdigit())
    return bool(digits) and "".join(ch for ch in contact.phone or "" if ch.isdigit()) == digits


def latest_agreement(partnership: Partnership) -> Agreement | None:
    """The partnership's newest agreement that was not cancelled."""
    live = live_agreements(partnership)
    return max(live, key=lambda a: a.id or 0) if live else None


def live_agreements(partnership: Partnership) -> list[Agreement]:
    """The partnership's agreements not given up before signature."""
    given_up = states("agreement", group="given_up")
    return [a for a in partnership.agreements if a.status not in given_up]


def span(start: object, end: object) -> str:
    """A term as a difference names it: "2026-01-01 to 2027-12-31", "(none)" for a missing end."""
    return f"{start or '(none)'} to {end or '(none)'}"


def stage_agrees(recorded: str, in_file: str, partnership: Partnership) -> bool:
    """Whether the file's stage describes the recorded one (a lapsed formal partnership is still "formal")."""
    if recorded == in_file:
        return True
    # A formal partnership whose agreement has lapsed has ended: the file's "formal" describes the same history.
    latest = latest_agreement(partnership)
    return (
        with_agreement(in_file)
        and recorded in states("partnership", group="agreement_lapsed")
        and latest is not None
        and latest.status in states("agreement", group="no_longer_in_force")
    )
