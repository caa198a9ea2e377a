"""Writing a line about a partnership already on record, or opened by an earlier line of the same run.

What the record lacks is completed (a party, a role, areas, dates, a focal point); a stage is moved by the engine's
``import_as_*`` transition; with ``--update`` each difference is applied in its own savepoint, so one the engine
refuses leaves the others and the rest of the batch as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.agreements import existing
from app.db import savepoint, utcnow
from app.errors import DomainError, invalid
from app.i18n import MESSAGES
from app.imports.completion import fill_project
from app.imports.lookup import Lookup
from app.imports.matching import Difference, Resolution
from app.imports.rows import ParsedRow
from app.imports.summary import ConflictLine, ImportSummary
from app.organisations.models import Contact, Organisation
from app.partnerships.models import Partnership, PartnershipParty, PartyRole
from app.workflow import definition, engine
from app.workflow.actor import Actor


@dataclass
class Written:
    """What writing one line did."""

    created: bool = False
    changed: bool = False
    conflict: str | None = None
    partnership_id: int | None = None


class RecordedPartnerships:
    """Applies lines to partnerships already on record (or opened earlier in the run) for one importing user."""

    def __init__(
        self, session: Session, actor_id: int, file_name: str, summary: ImportSummary, created: set[str]
    ) -> None:
        self.session = session
        self.actor_id = actor_id
        self.system = Actor.system(on_behalf_of=actor_id, reason=f"import of {file_name}")
        """Who fires the import's transitions: the system, acting for the importing user (the audited actor)."""
        self.file_name = file_name
        self.summary = summary
        self.created = created
        """Keys of the partnerships this run opens: completing them is not an update of the record."""

    def evidence(self, line: int) -> str:
        """Where a record written by the import comes from, as the engine records it: the file and the line."""
        return f"imported from {self.file_name} line {line}"

    def write(
        self,
        row: ParsedRow,
        plan: Resolution,
        lookup: Lookup,
        organisation: Organisation,
        contact: Contact | None,
        done: Written,
    ) -> None:
        """A line about a partnership already recorded, or created by an earlier line: complete it, apply changes."""
        key = row.partnership_key()
        partnership = lookup.partnerships.get(key)
        if partnership is None:
            raise invalid(
                "partnership_ref",
                MESSAGES.gettext("partnership {key} could not be created from an earlier line", key=repr(key)),
            )
        done.changed = self._complete(row, plan, lookup, partnership, organisation, contact) or done.changed
        done.partnership_id = partnership.id
        if plan.move_stage and definition.get_workflow("partnership").state_of(partnership) != plan.move_stage:
            self._place(partnership, plan.move_stage, row.line)
            done.changed = True
        if plan.differences:
            done.conflict = self._differences(row, plan, partnership, contact)
            done.changed = done.changed or done.conflict is None
        if done.changed and key not in self.created:
            self.summary.partnerships_updated.add(partnership.id)

    def _complete(
        self,
        row: ParsedRow,
        plan: Resolution,
        lookup: Lookup,
        partnership: Partnership,
        organisation: Organisation,
        contact: Contact | None,
    ) -> bool:
        """Add the line's party, role, areas, dates and focal point where the record has none."""
        changed = False
        party = next((p for p in partnership.parties if p.organisation_id == organisation.id), None)
        if party is None:
            partnership.parties.append(
                PartnershipParty(
                    organisation_id=organisation.id,
                    role=row.role or PartyRole.CO_PARTNER,
                    focal_point_id=contact.id if contact else None,
                )
            )
            if contact is not None:
                contact.is_focal_point = True
            changed = True
        else:
            if row.role is not None and party.role != row.role:
                party.role = row.role
                changed = True
            if plan.fill_focal_point and contact is not None and party.focal_point_id is None:
                party.focal_point_id = contact.id
                contact.is_focal_point = True
                changed = True
        missing = [lookup.areas[c] for c in row.areas if c in lookup.areas and lookup.areas[c] not in partnership.areas]
        if missing:
            partnership.areas.extend(missing)
            changed = True
        if plan.fill_dates:
            changed = fill_project(partnership, row) or changed
        if changed and row.partnership_key() not in self.created:  # a new one was just written
            partnership.updated_at = utcnow()
        return changed

    def _place(self, partnership: Partnership, stage: str, line: int) -> None:
        """Move the partnership to the stage its line records, through the engine's import transition."""
        engine.fire(self.session, "partnership", partnership, f"import_as_{stage}", self.system, self.evidence(line))

    def _differences(
        self, row: ParsedRow, plan: Resolution, partnership: Partnership, contact: Contact | None
    ) -> str | None:
        """Apply each difference (--update) and list it; the reason the line stays in conflict, if one is refused."""
        refusals: list[str] = []
        for difference in plan.differences:
            refused = None
            try:
                self._apply(difference, row, partnership, contact)
            except DomainError as exc:
                refused = exc.detail
            self.summary.conflict(
                ConflictLine(row.line, partnership.reference, difference.describe(), refused is None, refused)
            )
            if refused:
                refusals.append(f"{difference.describe()} ({refused})")
        return f"differs from {partnership.reference}: " + "; ".join(refusals) if refusals else None

    def _apply(self, difference: Difference, row: ParsedRow, partnership: Partnership, contact: Contact | None) -> None:
        kind = difference.kind
        with savepoint(self.session):  # a refused difference undoes only itself
            if kind == "stage":
                assert row.stage is not None
                self._place(partnership, row.stage, row.line)
            elif kind == "dates":
                fill_project(partnership, row, overwrite=True)
            elif kind == "agreement_term":
                agreement = next(a for a in partnership.agreements if a.id == difference.agreement_id)
                assert agreement is not None and row.start_date and row.end_date
                payload = {
                    "effective_date": row.start_date.isoformat(),
                    "end_date": row.end_date.isoformat(),
                    "evidence": self.evidence(row.line),
                }
                evidence = self.evidence(row.line)
                engine.fire(self.session, "agreement", agreement, "correct_recorded_term", self.system, evidence,
                            payload=payload)  # fmt: skip
                existing.bring_to_today(self.session, agreement, evidence)
                fill_project(partnership, row, overwrite=True)
            elif kind == "focal_point" and contact is not None:
                party = next(p for p in partnership.parties if p.organisation_id == contact.organisation_id)
                party.focal_point_id = contact.id
                contact.is_focal_point = True
            partnership.updated_at = utcnow()
            self.session.flush()
