"""The completeness rules, as data: what a complete organisation or partnership has, how much each thing weighs.

Each ``Check`` says in words what it wants and what is wrong when it fails, and gives two SQL conditions over a
``Scope`` (the record's row and the aggregates joined to it by ``app.quality.service``): when it applies (``None``
= always) and when it passes. A record's score is 100 x (weights of passed checks) / (weights of applicable checks).

A check's words (``description``, ``problem``, ``applies_to``) are messages of the ``reports`` catalog, written in
English here and read in the language in use wherever they are shown (``str(check.problem)``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

from babel.support import LazyProxy
from sqlalchemy import ColumnElement, and_, case, func, or_

from app.i18n import REPORTS
from app.workflow.definition import states

_ = REPORTS.lazy
Words = str | LazyProxy
"""A sentence of the ``reports`` catalog, translated when it is turned into text (``str(words)``)."""

Entity = Literal["organisation", "partnership"]
Level = Literal["required", "expected", "stale"]
ENTITIES: tuple[Entity, ...] = ("organisation", "partnership")

CSO_KINDS = ("international_cso", "national_cso", "community_based_organisation")
# Impact = failed weight x factor: fixing a record that binds the organisation matters more. Keys are state groups of
# app/workflows/partnership.yaml; a stage in none of them weighs 1.
PARTNERSHIP_FACTORS = {"bound": 2.0, "being_formalised": 1.5}
ORGANISATION_FACTOR_IN_FORMAL_PARTNERSHIP = 2.0

Condition = Callable[[Any], ColumnElement[bool]]


@dataclass(frozen=True)
class Check:
    """One thing a complete record has; ``problem`` is what to fix, in words, when it is missing."""

    name: str
    entity: Entity
    weight: int
    level: Level
    description: Words
    problem: Words
    passes: Condition
    applies: Condition | None = None
    applies_to: Words = ""

    @property
    def column(self) -> str:
        """The name of this check's flag column (NULL = not applicable, 0 = passed, 1 = failed)."""
        return f"c_{self.name}"


def in_stages(column: Any, group: str) -> ColumnElement[bool]:
    """A partnership stage column is in the named group of app/workflows/partnership.yaml."""
    return column.in_(sorted(states("partnership", group=group)))


def agreement_in(column: Any, group: str) -> ColumnElement[bool]:
    """An agreement status column is in the named group of app/workflows/agreement.yaml."""
    return column.in_(sorted(states("agreement", group=group)))


def partnership_factor(stage: Any) -> Any:
    """SQL: the impact factor of a partnership in ``stage`` (see ``PARTNERSHIP_FACTORS``)."""
    return case(*((in_stages(stage, group), factor) for group, factor in PARTNERSHIP_FACTORS.items()), else_=1.0)


def _filled(column: Any) -> ColumnElement[bool]:
    """A text column holds something other than blanks."""
    return func.coalesce(func.trim(column), "") != ""


def _some(column: Any) -> ColumnElement[bool]:
    """An aggregated count from an outer-joined subquery is above zero."""
    return func.coalesce(column, 0) > 0


def _none(column: Any) -> ColumnElement[bool]:
    """An aggregated count from an outer-joined subquery is zero or absent."""
    return func.coalesce(column, 0) == 0


def _before(column: Any, cutoff: Any) -> ColumnElement[bool]:
    """An outer-joined timestamp is absent or earlier than ``cutoff``."""
    return or_(column.is_(None), column < cutoff)


ORGANISATION_CHECKS: tuple[Check, ...] = (
    Check("legal_name", "organisation", 5, "required", _("has a legal name"), _("the legal name is missing"),
          lambda s: _filled(s.o.c.legal_name)),
    Check("kind", "organisation", 5, "required", _("says what kind of body it is"),
          _("the kind of organisation is missing"), lambda s: _filled(s.o.c.kind)),
    Check("country", "organisation", 5, "required", _("has a country"), _("the country is missing"),
          lambda s: _filled(s.o.c.country_code)),
    Check("region", "organisation", 1, "expected", _("has a region"), _("the region is missing"),
          lambda s: _filled(s.o.c.region)),
    Check("registration_number", "organisation", 2, "expected", _("has a registration number"),
          _("the registration number is missing"), lambda s: _filled(s.o.c.registration_number),
          lambda s: s.o.c.kind.in_(CSO_KINDS), _("civil-society organisations")),
    Check("website_or_email", "organisation", 1, "expected", _("has a website or a general email address"),
          _("neither a website nor an email address is recorded"),
          lambda s: or_(_filled(s.o.c.website), _filled(s.o.c.email))),
    Check("area", "organisation", 2, "expected", _("works in at least one area of engagement"),
          _("no area of engagement is recorded"), lambda s: _some(s.areas.c.areas)),
    Check("contact", "organisation", 3, "expected", _("has at least one contact person"),
          _("no contact person is recorded"), lambda s: _some(s.contacts.c.contacts)),
    Check("focal_point", "organisation", 3, "expected", _("has a focal point among its contacts"),
          _("no contact is marked as focal point"), lambda s: _some(s.contacts.c.focal_points)),
    Check("contact_emails", "organisation", 2, "expected", _("has an email address for every contact"),
          _("a contact has no email address"), lambda s: _none(s.contacts.c.without_email),
          lambda s: _some(s.contacts.c.contacts), _("organisations with contacts")),
    Check("stale", "organisation", 2, "stale", _("was updated within the stale period"),
          _("not updated within the stale period"),
          lambda s: or_(s.o.c.updated_at >= s.cutoff, s.contacts.c.last_added >= s.cutoff)),
    # A bonus, not a demand: it applies only once the partner has confirmed the facts (through a partner link, or a
    # correction of theirs accepted), and then passes, so a confirmed record scores higher and no record lower.
    Check("partner_confirmed", "organisation", 3, "expected", _("was confirmed by the partner"),
          _("not confirmed by the partner"), lambda s: s.o.c.partner_confirmed_at.is_not(None),
          lambda s: s.o.c.partner_confirmed_at.is_not(None), _("organisations whose partner confirmed their facts")),
)  # fmt: skip

PARTNERSHIP_CHECKS: tuple[Check, ...] = (
    Check("title", "partnership", 5, "required", _("has a title"), _("the title is missing"),
          lambda s: _filled(s.p.c.title)),
    Check("owner", "partnership", 5, "required", _("has an owner who can still sign in"),
          _("the owner is missing or no longer active"), lambda s: s.owner.c.is_active.is_(True)),
    Check("partner", "partnership", 5, "required", _("has at least one partner organisation"),
          _("no partner organisation takes part"), lambda s: _some(s.parties.c.parties)),
    Check("objectives", "partnership", 2, "expected", _("states its objectives"), _("the objectives are missing"),
          lambda s: _filled(s.p.c.objectives)),
    Check("area", "partnership", 2, "expected", _("has at least one area of engagement"),
          _("no area of engagement is recorded"), lambda s: _some(s.areas.c.areas)),
    Check("legal_officer", "partnership", 3, "expected", _("has a legal officer"), _("no legal officer is assigned"),
          lambda s: s.p.c.legal_officer_id.is_not(None),
          lambda s: in_stages(s.p.c.stage, "formalisation"), _("formalising and formal partnerships")),
    Check("party_focal_points", "partnership", 3, "expected", _("names a focal point for every partner"),
          _("a partner has no focal point"), lambda s: _none(s.parties.c.without_focal_point),
          lambda s: in_stages(s.p.c.stage, "undertaken"), _("informal, formalising and formal partnerships")),
    Check("project_dates", "partnership", 1, "expected", _("serves a project with a start and an end date"),
          _("no project with start and end dates is recorded"),
          lambda s: and_(s.project.c.start_date.is_not(None), s.project.c.end_date.is_not(None))),
    Check("undertaking", "partnership", 2, "expected", _("records the undertaking given"),
          _("no undertaking is recorded"), lambda s: _some(s.undertakings.c.undertakings),
          lambda s: in_stages(s.p.c.stage, "undertaken"), _("informal, formalising and formal partnerships")),
    Check("formal_agreement", "partnership", 5, "expected",
          _("has a signed or active agreement with an approved and signed version"),
          _("no signed or active agreement with an approved, signed version"), lambda s: _some(s.agreements.c.sound),
          lambda s: in_stages(s.p.c.stage, "bound"), _("formal partnerships")),
    Check("signed_versions", "partnership", 5, "expected",
          _("has an approved and signed version of every agreement in force"),
          _("an agreement in force has no approved and signed version"), lambda s: _none(s.agreements.c.unsound),
          lambda s: _some(s.agreements.c.in_force), _("partnerships with an agreement signed, active or suspended")),
    Check("agreement_dates", "partnership", 3, "expected",
          _("has an agreement (not cancelled) with both an effective date and an end date"),
          _("agreement dates missing"),
          lambda s: _some(s.agreements.c.dated), lambda s: in_stages(s.p.c.stage, "bound"),
          _("formal partnerships")),
    Check("obligations", "partnership", 3, "expected", _("records obligations under its agreements in force"),
          _("no obligation is recorded on its agreements in force"), lambda s: _some(s.agreements.c.with_obligations),
          lambda s: in_stages(s.p.c.stage, "bound"), _("formal partnerships")),
    Check("stale", "partnership", 2, "stale", _("was updated, met or moved within the stale period"),
          _("no update, interaction or transition within the stale period"),
          lambda s: or_(s.p.c.updated_at >= s.cutoff, _some(s.recent.c.touches)),
          lambda s: in_stages(s.p.c.stage, "working"), _("ad hoc, informal, formalising and formal partnerships")),
)  # fmt: skip

CHECKS: dict[Entity, tuple[Check, ...]] = {"organisation": ORGANISATION_CHECKS, "partnership": PARTNERSHIP_CHECKS}

ADDED_BY_REVISION = {"partner_confirmed": "0028"}
"""Checks that read a column a later migration adds: an earlier migration that scores records runs without them
(appended last, they leave the earlier checks' bits where they were)."""


@contextmanager
def checks_of_revision(revision: str) -> Iterator[None]:
    """Inside the block, ``CHECKS`` holds only the checks whose columns exist at migration ``revision``."""
    saved = dict(CHECKS)
    for entity, checks in saved.items():
        CHECKS[entity] = tuple(c for c in checks if ADDED_BY_REVISION.get(c.name, "0000") <= revision)
    try:
        yield
    finally:
        CHECKS.update(saved)


def level_words(level: str) -> str:
    """How much a check matters, in words in the language in use ("required", "expected", "stale")."""
    words = {"required": REPORTS.gettext("required"), "expected": REPORTS.gettext("expected")}
    words["stale"] = REPORTS.gettext("stale")
    return words.get(level, level)


def every(entity: Entity) -> str:
    """The records a check without a condition applies to, in words ("every partnership")."""
    return REPORTS.gettext("every organisation") if entity == "organisation" else REPORTS.gettext("every partnership")


def checks_named(name: str) -> list[Check]:
    """The checks called ``name`` (``area`` and ``stale`` exist for both entities)."""
    return [check for checks in CHECKS.values() for check in checks if check.name == name]


def check_names(entity: Entity | None = None) -> list[str]:
    """The names a ``check`` filter accepts, for ``entity`` or for both."""
    entities = (entity,) if entity else ENTITIES
    return sorted({check.name for each in entities for check in CHECKS[each]})
