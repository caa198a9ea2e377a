"""Matching a read line against what exists: which organisation, which partnership, and how the line differs.

Nothing here writes. A line that cannot be matched, or that would change a partnership its importer may not
change, is refused before anything is written. A line that matches a recorded partnership but says something
else (another stage, other dates, another focal point) yields differences: conflicts the report lists and
``--update`` applies through the workflow engine.
"""

from __future__ import annotations

from collections.abc import Callable

from app.i18n import MESSAGES
from app.imports.lookup import Lookup
from app.imports.matching import (
    Difference,
    Resolution,
    contact_matches,
    find_organisation,
    initial_stage,
    latest_agreement,
    live_agreements,
    span,
    stage_agrees,
    stage_words,
    with_agreement,
)
from app.imports.rows import ParsedRow, Problem
from app.partnerships.models import Partnership, PartnershipParty
from app.partnerships.schemas import PARTNER_ROLES
from app.partnerships.service import permission_context
from app.users.models import User
from app.users.policy import Action, can

_ = MESSAGES.gettext


class Resolver:
    """Resolves lines against a batch's lookup on behalf of one importing user."""

    def __init__(self, actor: User, labels: dict[str, str], owner: Callable[[str | None], int | str]) -> None:
        self.actor = actor
        self.labels = labels
        self.owner = owner

    def label(self, column: str) -> str:
        """The file's own name of a column."""
        return self.labels.get(column, column)

    def resolve(self, row: ParsedRow, lookup: Lookup) -> Resolution | Problem:
        """Match the line; a ``Problem`` rejects it (nothing is written)."""
        found = find_organisation(row, lookup, self.label)
        if isinstance(found, Problem):
            return found
        organisation, how = found
        plan = Resolution(organisation)
        problem = self._organisation(row, lookup, plan, how)
        if problem is not None:
            return problem
        if not row.has_partnership:
            return plan
        key = row.partnership_key()
        existing = lookup.partnerships.get(key)
        if existing is None and key not in lookup.stages:
            return self._new_partnership(row, lookup, plan, key)
        plan.partnership = existing
        if key in lookup.created:
            self._same_run(row, lookup, plan, key)
            return plan
        assert existing is not None
        return self._existing(row, lookup, plan, existing, key)

    def _organisation(self, row: ParsedRow, lookup: Lookup, plan: Resolution, how: str) -> Problem | None:
        organisation = plan.organisation
        if organisation is None:
            if row.country is None:
                return Problem(
                    self.label("country"), _("the country is missing (it is needed to add a new organisation)")
                )
            if row.kind is None:
                reason = _("the partner type is missing (it is needed to add a new organisation)")
                return Problem(self.label("partner_type"), reason)
            elsewhere = sorted({o.country_code for o in lookup.by_name.get(row.name_key, [])})
            if elsewhere:
                plan.doubts.append(
                    Problem(
                        self.label("country"),
                        _(
                            "an organisation with this name is registered in {values}; "
                            "a separate one is added in {country}",
                            values=", ".join(elsewhere),
                            country=row.country,
                        ),
                    )
                )
            return None
        plan.merged = True
        plan.note = _(
            "same organisation as {legal_name} (same {how})", legal_name=repr(organisation.legal_name), how=how
        )
        if row.kind is not None and organisation.kind != row.kind:
            plan.doubts.append(
                Problem(
                    self.label("partner_type"),
                    _(
                        "partner type {kind} differs from the recorded {kind2}, which is kept",
                        kind=row.kind.value,
                        kind2=organisation.kind.value,
                    ),
                )
            )
        if row.country is not None and organisation.country_code != row.country:
            plan.doubts.append(
                Problem(
                    self.label("country"),
                    _(
                        "country {country} differs from the recorded {country_code}, which is kept",
                        country=row.country,
                        country_code=organisation.country_code,
                    ),
                )
            )
        return None

    def _new_partnership(self, row: ParsedRow, lookup: Lookup, plan: Resolution, key: str) -> Resolution | Problem:
        if row.role is not None and row.role not in PARTNER_ROLES:
            return Problem(
                self.label("role"),
                _(
                    "the first party of a new partnership must be a partner (lead, co- or implementing), not {role}",
                    role=row.role.value,
                ),
            )
        owner_id = self.owner(row.owner_email)
        if isinstance(owner_id, str):
            return Problem(self.label("owner_email"), owner_id)
        plan.owner_id = owner_id
        plan.new_partnership = True
        plan.move_stage = row.stage if row.stage not in (None, initial_stage()) else None
        lookup.stages[key] = row.stage or initial_stage()
        if row.stage:
            lookup.stated.add(key)
        lookup.created.add(key)
        if row.has_focal_point:
            self._first_focal_point(row, lookup, plan, key)
        if with_agreement(lookup.stages.get(key)):
            plan.record_agreement = self._claim_term(row, lookup, key, plan)
        return plan

    def _claim_term(self, row: ParsedRow, lookup: Lookup, key: str, plan: Resolution) -> bool:
        """A formal line with a start and an end date records that agreement: once per term, and a term that
        overlaps one an earlier line gave is doubtful (the earlier one is kept)."""
        if not (row.start_date and row.end_date):
            return False
        term = (row.start_date, row.end_date)
        terms = lookup.recorded.setdefault(key, [])
        if term in terms:
            return False
        if any(start <= term[1] and term[0] <= end for start, end in terms):
            plan.doubts.append(
                Problem(
                    self.label("end_date"),
                    _(
                        "an earlier line gives this partnership an agreement over the same period; "
                        "the earlier one is kept"
                    ),
                )
            )
            return False
        terms.append(term)
        return True

    def _same_run(self, row: ParsedRow, lookup: Lookup, plan: Resolution, key: str) -> None:
        """A further line of a partnership this run creates: it adds a party, areas, a stage not yet stated."""
        current = lookup.stages[key]
        if row.stage is not None and row.stage != current:
            if key not in lookup.stated:
                plan.move_stage = row.stage
                lookup.stages[key] = row.stage
                lookup.stated.add(key)
            else:
                plan.doubts.append(
                    Problem(
                        self.label("modality"),
                        _(
                            "an earlier line makes the partnership {stage_words}; "
                            "this line says {stage_words2}; the earlier one is kept",
                            stage_words=stage_words(current),
                            stage_words2=stage_words(row.stage),
                        ),
                    )
                )
        plan.fill_dates = bool(row.start_date or row.end_date)
        plan.fill_focal_point = row.has_focal_point and self._first_focal_point(row, lookup, plan, key)
        if with_agreement(lookup.stages.get(key)):
            plan.record_agreement = self._claim_term(row, lookup, key, plan)

    def _existing(
        self, row: ParsedRow, lookup: Lookup, plan: Resolution, partnership: Partnership, key: str
    ) -> Resolution | Problem:
        """A line about a recorded partnership: what it fills, and where it contradicts the record."""
        stage = partnership.stage
        said = lookup.first_said.setdefault((key, "stage"), row.stage) if row.stage is not None else None
        if said is not None and said != row.stage:
            plan.doubts.append(
                Problem(
                    self.label("modality"),
                    _(
                        "an earlier line says {stage_words}; this line says {stage_words2}; the earlier one is kept",
                        stage_words=stage_words(said),
                        stage_words2=stage_words(row.stage),
                    ),
                )
            )
        elif row.stage is not None and not stage_agrees(stage, row.stage, partnership):
            plan.differences.append(
                Difference("stage", self.label("modality"), stage_words(stage), stage_words(row.stage))
            )
        formal_with_term = with_agreement(row.stage or stage) and row.start_date and row.end_date
        if formal_with_term:
            self._term(row, lookup, plan, partnership, key)
        if not formal_with_term and (row.start_date or row.end_date):
            project = partnership.project
            recorded = (project.start_date, project.end_date) if project else (None, None)
            wanted = (row.start_date or recorded[0], row.end_date or recorded[1])
            if recorded == (None, None):
                plan.fill_dates = True
            elif wanted != recorded:
                plan.differences.append(Difference("dates", self.label("end_date"), span(*recorded), span(*wanted)))
        if row.has_focal_point and plan.organisation is not None:
            party = next((p for p in partnership.parties if p.organisation_id == plan.organisation.id), None)
            if party is not None:
                self._focal_point(row, lookup, plan, party, key)
        if self._changes(row, plan, partnership, lookup) and not self._may_change(partnership):
            return Problem(
                self.label("partnership_ref") if row.partnership_ref else self.label("partnership_title"),
                _(
                    "you may not change partnership {reference} ({title}): only its owner, a co-owner, "
                    "its legal officer or an admin may change it",
                    reference=partnership.reference,
                    title=repr(partnership.title),
                ),
            )
        lookup.stages[key] = stage
        return plan

    def _term(self, row: ParsedRow, lookup: Lookup, plan: Resolution, partnership: Partnership, key: str) -> None:
        """A formal line's term: an agreement already recorded, a new one (the first, or one after all the others,
        as a renewal is), or a correction of the recorded agreement it overlaps."""
        assert row.start_date is not None and row.end_date is not None
        term = (row.start_date, row.end_date)
        live = live_agreements(partnership)
        if any((a.effective_date, a.end_date) == term for a in live) or term in lookup.recorded.get(key, []):
            return
        if all(a.end_date is not None and a.end_date < row.start_date for a in live):
            plan.record_agreement = self._claim_term(row, lookup, key, plan)
            return
        said = lookup.first_said.setdefault((key, "term"), f"{term}")
        if said != f"{term}":
            plan.doubts.append(
                Problem(
                    self.label("end_date"),
                    _("an earlier line gives this partnership another agreement term; the earlier one is kept"),
                )
            )
            return
        target = next((a for a in live if a.effective_date == row.start_date), None) or latest_agreement(partnership)
        assert target is not None
        plan.differences.append(
            Difference("agreement_term", self.label("end_date"), span(target.effective_date, target.end_date),
                       span(*term), target.id)
        )  # fmt: skip

    def _first_focal_point(self, row: ParsedRow, lookup: Lookup, plan: Resolution, key: str) -> bool:
        """Whether the line names the same focal point for its party as the first line of this run did (if not, the
        earlier one is kept and the line is doubtful)."""
        organisation = plan.organisation
        written = row.contact_email or row.contact_name or row.contact_phone or ""
        party = (organisation.name_key, organisation.country_code) if organisation else (row.name_key, row.country)
        first = lookup.first_said.setdefault((key, "focal point", *party), written)
        if first != written:
            plan.doubts.append(
                Problem(
                    self.label("contact_email"),
                    _(
                        "an earlier line names {first} as the focal point; this line says {written}; "
                        "the earlier one is kept",
                        first=first,
                        written=written,
                    ),
                )
            )
        return first == written

    def _focal_point(self, row: ParsedRow, lookup: Lookup, plan: Resolution, party: PartnershipParty, key: str) -> None:
        if not self._first_focal_point(row, lookup, plan, key):
            return
        if party.focal_point_id is None:
            plan.fill_focal_point = True
            return
        organisation = plan.organisation
        assert organisation is not None
        current = next((c for c in organisation.contacts if c.id == party.focal_point_id), None)
        if current is None or contact_matches(current, row):
            return
        written = row.contact_email or row.contact_name or row.contact_phone or ""
        recorded = current.email or current.name
        plan.differences.append(Difference("focal_point", self.label("contact_email"), recorded, written))

    def _changes(self, row: ParsedRow, plan: Resolution, partnership: Partnership, lookup: Lookup) -> bool:
        """Whether writing the line would change the recorded partnership at all."""
        if plan.differences or plan.record_agreement or plan.fill_dates or plan.fill_focal_point:
            return True
        organisation = plan.organisation
        if organisation is None or all(p.organisation_id != organisation.id for p in partnership.parties):
            return True
        party = next(p for p in partnership.parties if p.organisation_id == organisation.id)
        if row.role is not None and party.role != row.role:
            return True
        recorded_areas = {area.code for area in partnership.areas}
        return any(code in lookup.areas and code not in recorded_areas for code in row.areas)

    def _may_change(self, partnership: Partnership) -> bool:
        return can(self.actor, Action.EDIT_PARTNERSHIP, **permission_context(partnership))
