"""Writing an inventory's lines, a batch at a time, through the same services and workflow engine as a person.

Organisations of a batch are written and flushed together, then the partnerships in file order. Every stage
is placed by an ``import_as_*`` transition and every existing MOU is recorded by ``record_existing``, with the
importing user as the audited actor and the file and line as the evidence.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.agreements import recording
from app.db import utcnow
from app.errors import DomainError
from app.i18n import MESSAGES
from app.imports.completion import contact_of, fill_organisation
from app.imports.dates import DateOrderFinding
from app.imports.headers import HeaderMapping
from app.imports.lookup import Lookup, prefetch
from app.imports.mapping import Resolver
from app.imports.matching import Resolution
from app.imports.normalise import is_note_row, is_total_row
from app.imports.reader import BrokenLine
from app.imports.rows import ParsedRow, Problem, parse_row
from app.imports.summary import NOTE_LINE, TOTAL_LINE, ConflictLine, ImportOptions, ImportSummary, RowOutcome
from app.imports.updates import RecordedPartnerships, Written
from app.organisations.models import Contact, Organisation
from app.organisations.regions import region_of
from app.partnerships import ownership
from app.partnerships import service as partnerships
from app.partnerships.models import Partnership, PartyRole
from app.partnerships.schemas import PartnershipCreate, PartyInput, ProjectInput
from app.users.models import User
from app.workflow import engine
from app.workflow.definition import state_name, states

PARTNERSHIP_FIELDS = {"partnership_ref", "partnership_title", "modality", "start_date", "end_date", "signed_date",
                      "role", "owner_email", "notice_period"}  # fmt: skip


class BatchImporter:
    """Reads, matches and writes the lines of one file, batch by batch."""

    def __init__(
        self,
        session: Session,
        actor: User,
        file_name: str,
        options: ImportOptions,
        summary: ImportSummary,
        headers: list[Any],
        mapping: HeaderMapping,
        dates: DateOrderFinding,
    ) -> None:
        self.session = session
        self.actor = actor
        self.actor_id = actor.id
        self.file_name = file_name
        self.options = options
        self.summary = summary
        self.columns = mapping.by_index()
        self.labels = {name: str(headers[index]) for index, name in self.columns.items()}
        self.dates = dates
        self.directory = not set(self.columns.values()) & PARTNERSHIP_FIELDS
        self.owners: dict[str | None, int | str] = {}
        self.state = Lookup(areas={})
        self.new_organisations: list[Organisation] = []
        self.recorded = RecordedPartnerships(session, actor.id, file_name, summary, self.state.created)
        self.system = self.recorded.system

    def _cells(self, raw: list[Any]) -> dict[str, Any]:
        return {column: raw[index] if index < len(raw) else None for index, column in self.columns.items()}

    def process(self, batch: list[tuple[int, list[Any] | BrokenLine]], on_row: Any) -> None:
        """Read, match and write one batch of lines, reporting each line's outcome."""
        parsed: list[tuple[int, list[Any], ParsedRow | None, RowOutcome | None]] = []
        for line, raw in batch:
            if isinstance(raw, BrokenLine):
                parsed.append((line, [], None, RowOutcome(line, "rejected", None, raw.reason)))
            elif is_total_row(raw):
                parsed.append((line, raw, None, RowOutcome(line, "skipped", None, TOTAL_LINE)))
            elif is_note_row(raw):
                parsed.append((line, raw, None, RowOutcome(line, "skipped", None, NOTE_LINE)))
            else:
                row, problems = parse_row(line, self._cells(raw), self.labels, self.dates.order_for(line))
                if row is not None:
                    row.in_directory = self.directory
                outcome = None if row is not None else _rejection(line, problems)
                parsed.append((line, raw, row, outcome))
        lookup = prefetch(self.session, [row for _, _, row, _ in parsed if row is not None], self.state)
        resolver = Resolver(self.actor, self.labels, self._owner)
        planned: list[tuple[ParsedRow, Resolution, Organisation, Contact | None, bool, bool] | RowOutcome] = []
        for line, _raw, row, outcome in parsed:
            if row is None:
                assert outcome is not None
                planned.append(outcome)
                continue
            self._prepare(row, lookup)
            resolution = resolver.resolve(row, lookup)
            if isinstance(resolution, Problem):
                planned.append(RowOutcome(line, "rejected", resolution.column, resolution.reason))
                continue
            if resolution.differences and not self.options.update:
                planned.append(self._unapplied(row, resolution))
                continue
            planned.append((row, resolution, *self._write_organisation(row, resolution, lookup)))
        self._add_new_organisations()
        self.session.flush()
        lines = [(index, item) for index, item in enumerate(planned) if not isinstance(item, RowOutcome)]
        done = {index: Written(item[4], item[5]) for index, item in lines}
        new = [(i, item) for i, item in lines if item[0].has_partnership and item[1].new_partnership]
        self._create_partnerships(new, lookup, done)
        for index, (row, resolution, organisation, contact, _created, _changed) in lines:
            if not row.has_partnership or resolution.new_partnership:
                continue
            try:
                self.recorded.write(row, resolution, lookup, organisation, contact, done[index])
            except DomainError as exc:  # the engine's own rules (checked before it writes): the line is refused
                column = self.labels.get("partnership_title") or self.labels.get("organisation_name")
                planned[index] = RowOutcome(row.line, "rejected", column, exc.detail)
        to_record = [
            (index, item[0], lookup.partnerships[item[0].partnership_key()])
            for index, item in lines
            if item[1].record_agreement and not isinstance(planned[index], RowOutcome)
        ]
        self._record_agreements(to_record, done)
        for index, item in lines:
            if not isinstance(planned[index], RowOutcome):
                planned[index] = self._outcome(item[0], item[1], item[2], done[index])
        for (_line, raw, _row, _outcome), outcome in zip(parsed, planned, strict=True):
            assert isinstance(outcome, RowOutcome)
            self.summary.add(outcome)
            if on_row is not None:
                on_row(outcome, raw)

    def _add_new_organisations(self) -> None:
        """Add the batch's new organisations grouped by which fields they leave empty: the ORM writes a group of
        rows that name the same columns in one statement, and would otherwise write one row at a time."""
        optional = ("short_name", "region", "registration_number", "website", "email", "notes", "external_ref")
        self.new_organisations.sort(key=lambda o: tuple(getattr(o, name) is None for name in optional))
        self.session.add_all(self.new_organisations)
        self.new_organisations = []

    def _create_partnerships(self, lines: list[tuple[int, Any]], lookup: Lookup, done: dict[int, Written]) -> None:
        """Open the batch's new partnerships together, then place each at its stage (one engine step per stage)."""
        if not lines:
            return
        data = [self._creation(row, plan, org, contact) for _i, (row, plan, org, contact, *_) in lines]
        keys = [row.partnership_key() for _i, (row, *_) in lines]
        created = partnerships.create_partnerships(self.session, data, self.actor, keys, flush=False)
        by_stage: dict[str, list[tuple[Partnership, str | None, None]]] = {}
        for (index, (row, plan, _organisation, contact, *_)), partnership in zip(lines, created, strict=True):
            key = row.partnership_key()
            lookup.partnerships[key] = partnership
            if contact is not None:
                contact.is_focal_point = True
            done[index].created = True
            self.summary.partnerships_created += 1
            if plan.move_stage:
                by_stage.setdefault(plan.move_stage, []).append((partnership, self.recorded.evidence(row.line), None))
        # Placed at their stages before they are written: each is inserted at its stage, its two events after it.
        for stage, items in by_stage.items():
            trigger = f"import_as_{stage}"
            for result in engine.fire_many(self.session, "partnership", items, trigger, self.system, flush=False):
                if isinstance(result, DomainError):  # a new partnership meets no guard of these: a bug, not a line
                    raise result
        self.session.flush()
        for (index, _item), partnership in zip(lines, created, strict=True):
            done[index].partnership_id = partnership.id

    def _creation(
        self, row: ParsedRow, plan: Resolution, organisation: Organisation, contact: Contact | None
    ) -> PartnershipCreate:
        """What the partnerships service is asked to open for a line."""
        key = row.partnership_key()
        project = None
        if row.start_date or row.end_date:
            project = ProjectInput(name=row.title or key, start_date=row.start_date, end_date=row.end_date)
        return PartnershipCreate(
            title=row.title or key,
            area_codes=list(row.areas),
            owner_id=plan.owner_id,
            project=project,
            parties=[
                PartyInput(
                    organisation_id=organisation.id,
                    role=row.role or PartyRole.LEAD_PARTNER,
                    focal_point_id=contact.id if contact else None,
                )
            ],
        )

    def _record_agreements(self, lines: list[tuple[int, ParsedRow, Partnership]], done: dict[int, Written]) -> None:
        """Record the batch's existing MOUs as signed, then active or expired as today requires."""
        lines = [item for item in lines if item[2].stage in states("partnership", group="records_agreement")]
        if not lines:
            return
        agreements, evidence = [], []
        for _index, row, partnership in lines:
            assert row.start_date is not None and row.end_date is not None
            terms = recording.ExistingTerms(
                title=f"{partnership.title} (MoU)"[:300],
                effective_date=row.start_date,
                end_date=row.end_date,
                notice_period_days=row.notice_period_days if row.notice_period_days is not None else 30,
            )
            agreement = recording.draft_for(partnership, terms)
            agreements.append(agreement)
            evidence.append(
                self.recorded.evidence(row.line) + (f"; signed on {row.signed_date}" if row.signed_date else "")
            )
        errors = recording.record_many(self.session, agreements, evidence, self.system)
        self.summary.reminders_planned += recording.planned_reminders(self.session, [a.id for a in agreements])
        for (index, row, partnership), agreement, error in zip(lines, agreements, errors, strict=True):
            if error is not None:
                self.summary.notes.append(
                    MESSAGES.gettext(
                        "line {line}: the agreement could not be recorded: {detail}", line=row.line, detail=error.detail
                    )
                )
                continue
            self.summary.agreements_recorded += 1
            done[index].changed = True
            if row.partnership_key() not in self.state.created:
                self.summary.partnerships_updated.add(partnership.id)
            if agreement.status not in states("agreement", group="in_force"):
                formal = partnership.stage in states("partnership", group="in_force")
                stage = state_name("partnership", partnership.stage)
                status = state_name("agreement", agreement.status)
                if formal:
                    note = MESSAGES.gettext(
                        "line {line}: the agreement of {reference} is recorded as {status}",
                        line=row.line,
                        reference=partnership.reference,
                        status=status,
                    )
                else:
                    note = MESSAGES.gettext(
                        "line {line}: the agreement of {reference} is recorded as {status}; "
                        "the partnership is now {stage}",
                        line=row.line,
                        reference=partnership.reference,
                        status=status,
                        stage=stage,
                    )
                self.summary.notes.append(note)

    def _unapplied(self, row: ParsedRow, plan: Resolution) -> RowOutcome:
        """A line that contradicts the record, without --update: its differences are listed, nothing is written."""
        partnership = plan.partnership
        assert partnership is not None
        for difference in plan.differences:
            self.summary.conflict(ConflictLine(row.line, partnership.reference, difference.describe(), False))
        listed = "; ".join(difference.describe() for difference in plan.differences)
        reason = MESSAGES.gettext(
            "differs from {reference}: {listed}; import with --update to apply",
            reference=partnership.reference,
            listed=listed,
        )
        ids = {"organisation_id": getattr(plan.organisation, "id", None), "partnership_id": partnership.id}
        return RowOutcome(row.line, "conflict", plan.differences[0].column, reason, **ids)

    def _prepare(self, row: ParsedRow, lookup: Lookup) -> None:
        """Report the line's non-exact values and date disagreement; derive a title it does not give."""
        for item in row.non_exact:
            self.summary.mapped(item.column, item.written, item.read_as, row.line)
        disagreement = self.dates.disagreement(row.line)
        if disagreement:
            column, reason = disagreement
            row.doubts.append(Problem(self.labels.get(column, column), reason))
        if row.has_partnership and not row.title:
            areas = [lookup.areas[code].name for code in row.areas if code in lookup.areas]
            row.title = f"{row.name}: {', '.join(areas)}" if areas else f"Partnership with {row.name}"
            row.title = row.title[:300]
            row.title_derived = True

    def _owner(self, email: str | None) -> int | str:
        """The id of the project manager who will own a new partnership, or the reason they cannot."""
        if email is None:
            return self.actor_id
        if email not in self.owners:
            user = self.session.scalar(select(User).where(User.email == email))
            if user is None or not user.is_active:
                self.owners[email] = f"no active user has the email {email}"
            elif not user.has_role(*ownership.get_policy().owner_roles):
                self.owners[email] = f"{email} cannot own a partnership: an owner is {ownership.who_may_own()}"
            else:
                self.owners[email] = user.id
        return self.owners[email]

    def _outcome(self, row: ParsedRow, resolution: Resolution, organisation: Organisation, done: Written) -> RowOutcome:
        ids = {"organisation_id": organisation.id, "partnership_id": done.partnership_id}
        if resolution.merged and organisation.id is not None:
            self.summary.organisations_merged.add(organisation.id)
        if row.title_derived and resolution.new_partnership:
            self.summary.titles_derived += 1
            self.summary.notes.append(
                MESSAGES.gettext(
                    "line {line}: no title given; the partnership is called {title}",
                    line=row.line,
                    title=repr(row.title),
                )
            )
        if done.conflict:
            return RowOutcome(row.line, "conflict", resolution.differences[0].column, done.conflict, **ids)
        doubts = [*row.doubts, *resolution.doubts]
        reason = "; ".join(d.reason for d in doubts) or None
        column = doubts[0].column if doubts else None
        # A line contradicting an earlier line about a partnership this run creates is a problem to list; on a
        # later import of the same file the partnership is on record and the line changes nothing.
        contradicts_this_run = bool(resolution.doubts) and row.partnership_key() in self.state.created
        if not done.created and not done.changed and not contradicts_this_run:
            return RowOutcome(row.line, "unchanged", column, reason or resolution.note, **ids)
        if doubts:
            return RowOutcome(row.line, "doubtful", column, reason, **ids)
        return RowOutcome(row.line, "created" if done.created else "updated", None, resolution.note, **ids)

    def _write_organisation(
        self, row: ParsedRow, plan: Resolution, lookup: Lookup
    ) -> tuple[Organisation, Contact | None, bool, bool]:
        """Add or complete the line's organisation and contact: (organisation, contact, created, changed)."""
        created = changed = False
        organisation = plan.organisation
        if organisation is None:
            organisation = Organisation(
                legal_name=row.name,
                short_name=row.acronym,
                kind=row.kind,
                country_code=row.country,
                region=row.region or region_of(row.country),
                registration_number=row.registration_number,
                website=row.website,
                email=row.email,
                notes=row.notes,
                external_ref=row.organisation_ref,
                areas=[lookup.areas[code] for code in row.areas if code in lookup.areas],
                contacts=[],
            )
            self.new_organisations.append(organisation)
            lookup.remember_organisation(organisation)
            self.summary.organisations_created += 1
            created = True
        else:
            changed = fill_organisation(organisation, row, lookup)
        contact, added = contact_of(organisation, row)
        if added and not created:
            organisation.updated_at = utcnow()
            changed = True
        return organisation, contact, created, changed


def _rejection(line: int, problems: list[Problem]) -> RowOutcome:
    if len(problems) == 1:
        return RowOutcome(line, "rejected", problems[0].column, problems[0].reason)
    return RowOutcome(line, "rejected", problems[0].column, "; ".join(f"{p.column}: {p.reason}" for p in problems))
