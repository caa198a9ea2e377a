"""Import an inventory of organisations and partnerships, in batches, idempotently, through the workflow engine.

Each line is read (``rows.parse_row``), matched against the database and the lines before it, then written;
a line that is rejected writes nothing. After each batch the caller's ``commit`` runs and the session is
emptied, so memory stays flat however long the file. A dry run does the same inside a savepoint it rolls
back. Organisations are found by external reference, then registration number, then name key; partnerships
by external reference (given, or derived from the title and the partner).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app import clock
from app.db import utcnow
from app.errors import DomainError, invalid
from app.imports.mapping import Lookup, Resolution, resolve_row
from app.imports.models import ImportRun
from app.imports.normalise import DateOrder, match_headers
from app.imports.reader import BrokenLine, Table, UnusableFile, open_table
from app.imports.rows import ParsedRow, Problem, parse_row
from app.organisations.models import AreaOfEngagement, Contact, Organisation
from app.partnerships import service as partnerships
from app.partnerships.models import Partnership, PartnershipParty, PartyRole
from app.partnerships.schemas import PartnershipCreate, PartyInput, ProjectInput
from app.users.models import User
from app.workflow import engine

BATCH_SIZE = 1000
MAX_LISTED = 1000
OUTCOMES = ("created", "updated", "unchanged", "rejected", "doubtful")


@dataclass(frozen=True)
class RowOutcome:
    """What became of one line: created, updated, unchanged, rejected or doubtful (imported but flagged)."""

    line: int
    outcome: str
    column: str | None = None
    reason: str | None = None


@dataclass
class ImportSummary:
    """Counts of a run and the first rejected and doubtful lines (all of them go to the rejects file)."""

    file_name: str
    sha256: str
    format: str
    dry_run: bool
    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    organisations_created: int = 0
    partnerships_created: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    problems: list[RowOutcome] = field(default_factory=list)
    run_id: int | None = None

    @property
    def problems_total(self) -> int:
        """How many lines were rejected or doubtful."""
        return self.counts["rejected"] + self.counts["doubtful"]

    def add(self, outcome: RowOutcome) -> None:
        """Count one line's outcome, listing it if it is a problem and the list is not full."""
        self.rows += 1
        self.counts[outcome.outcome] += 1
        if outcome.outcome in {"rejected", "doubtful"} and len(self.problems) < MAX_LISTED:
            self.problems.append(outcome)


@dataclass
class ImportOptions:
    """How to read and write: date order, batch size, dry run."""

    date_order: DateOrder = "auto"
    batch_size: int = BATCH_SIZE
    dry_run: bool = False


OnRow = Callable[[RowOutcome, list[Any]], None]


def sha256_of(stream: IO[bytes]) -> str:
    """The SHA-256 of a seekable stream, read in chunks; the stream is rewound."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    return digest.hexdigest()


def open_inventory(file_name: str, stream: IO[bytes]) -> tuple[Table, dict[int, str], list[str]]:
    """Open the file and map its header; ``UnusableFile`` names the missing required columns."""
    table = open_table(file_name, stream)
    mapping, missing, ignored = match_headers(table.headers)
    if missing:
        table.close()
        raise UnusableFile(
            f"no recognisable header: the required column(s) {', '.join(missing)} are missing "
            f"(found: {', '.join(h for h in table.headers if h) or 'nothing'}); see docs/imports.md for the layout"
        )
    return table, mapping, ignored


def run_import(
    session: Session,
    stream: IO[bytes],
    file_name: str,
    actor: User,
    options: ImportOptions | None = None,
    *,
    commit: Callable[[], None] | None = None,
    on_row: OnRow | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import the inventory in ``stream``; ``commit`` is called after each batch of a real run.

    Raises ``UnusableFile`` (nothing written) when the file cannot be read as an inventory.
    """
    options = options or ImportOptions()
    digest = sha256_of(stream)
    table, mapping, ignored = open_inventory(file_name, stream)
    summary = ImportSummary(file_name, digest, table.format, options.dry_run, ignored_columns=ignored)
    importer = _Importer(session, actor.id, file_name, options, summary, table.headers, mapping)
    savepoint = session.begin_nested() if options.dry_run else None
    run = None
    if not options.dry_run:
        run = ImportRun(user_id=actor.id, file_name=file_name[:255], sha256=digest, problems=[])
        session.add(run)
        session.flush()
        summary.run_id = run.id
    try:
        batch: list[tuple[int, list[Any] | BrokenLine]] = []
        for item in table.rows:
            batch.append(item)
            if len(batch) >= options.batch_size:
                _finish_batch(session, importer.process(batch, on_row), commit, options, progress, summary)
                batch = []
        if batch:
            _finish_batch(session, importer.process(batch, on_row), commit, options, progress, summary)
    finally:
        table.close()
    if savepoint is not None:
        savepoint.rollback()
        session.expunge_all()
        return summary
    run = session.get(ImportRun, summary.run_id)
    assert run is not None
    _record(run, summary)
    session.flush()
    return summary


def _finish_batch(
    session: Session,
    _done: None,
    commit: Callable[[], None] | None,
    options: ImportOptions,
    progress: Callable[[int], None] | None,
    summary: ImportSummary,
) -> None:
    session.flush()
    if commit is not None and not options.dry_run:
        if summary.run_id is not None:
            run = session.get(ImportRun, summary.run_id)
            if run is not None:
                _record(run, summary, finished=False)
                session.flush()
        commit()
    session.expunge_all()  # a batch's rows are written: let them go, so memory stays flat
    if progress is not None:
        progress(summary.rows)


def _record(run: ImportRun, summary: ImportSummary, finished: bool = True) -> None:
    run.rows = summary.rows
    for outcome in OUTCOMES:
        setattr(run, outcome, summary.counts[outcome])
    run.organisations_created = summary.organisations_created
    run.partnerships_created = summary.partnerships_created
    run.problems = [
        {"line": p.line, "outcome": p.outcome, "column": p.column, "reason": p.reason} for p in summary.problems
    ]
    if finished:
        run.status = "finished"
        run.finished_at = clock.now()


class _Importer:
    """Reads, matches and writes the lines of one file, batch by batch."""

    def __init__(
        self,
        session: Session,
        actor_id: int,
        file_name: str,
        options: ImportOptions,
        summary: ImportSummary,
        headers: list[str],
        mapping: dict[int, str],
    ) -> None:
        self.session = session
        self.actor_id = actor_id
        self.file_name = file_name
        self.options = options
        self.summary = summary
        self.mapping = mapping
        self.labels = {column: str(headers[index]) for index, column in mapping.items()}
        self.owners: dict[str, int | str] = {}

    def _cells(self, raw: list[Any]) -> dict[str, Any]:
        return {column: raw[index] if index < len(raw) else None for index, column in self.mapping.items()}

    def process(self, batch: list[tuple[int, list[Any] | BrokenLine]], on_row: OnRow | None) -> None:
        """Read, match and write one batch of lines, reporting each line's outcome."""
        parsed: list[tuple[int, list[Any], ParsedRow | None, list[Problem]]] = []
        for line, raw in batch:
            if isinstance(raw, BrokenLine):
                parsed.append((line, [], None, [Problem("", raw.reason)]))
                continue
            row, problems = parse_row(line, self._cells(raw), self.labels, self.options.date_order)
            parsed.append((line, raw, row, problems))
        lookup = self._prefetch([row for _, _, row, _ in parsed if row is not None])
        # First every line's organisation (one flush for the whole batch), then the partnerships in file order.
        planned: list[tuple[ParsedRow, Resolution, Organisation, Contact | None, bool, bool] | RowOutcome] = []
        for line, _raw, row, problems in parsed:
            if row is None:
                planned.append(RowOutcome(line, "rejected", problems[0].column, "; ".join(p.reason for p in problems)))
                continue
            resolution = resolve_row(row, lookup, self.labels, self._owner)
            if isinstance(resolution, Problem):
                planned.append(RowOutcome(row.line, "rejected", resolution.column, resolution.reason))
                continue
            planned.append((row, resolution, *self._write_organisation(row, resolution, lookup)))
        self.session.flush()
        for index, item in enumerate(planned):
            if isinstance(item, RowOutcome):
                continue
            row, resolution, organisation, contact, created, changed = item
            if row.has_partnership:
                try:
                    made, moved = self._write_partnership(row, resolution, lookup, organisation, contact)
                except DomainError as exc:  # the partnership service's own rules, checked before it writes
                    planned[index] = RowOutcome(row.line, "rejected", self.labels.get("partnership_title"), exc.detail)
                    continue
                created, changed = created or made, changed or moved
            planned[index] = self._outcome(row, resolution, created, changed)
        for (_line, raw, _row, _problems), outcome in zip(parsed, planned, strict=True):
            assert isinstance(outcome, RowOutcome)
            self.summary.add(outcome)
            if on_row is not None:
                on_row(outcome, raw)

    def _prefetch(self, rows: list[ParsedRow]) -> Lookup:
        """Load the organisations and partnerships the batch may refer to, in a few queries."""
        lookup = Lookup(areas={a.code: a for a in self.session.scalars(select(AreaOfEngagement))})
        refs = {row.organisation_ref for row in rows if row.organisation_ref}
        names = {row.name_key for row in rows}
        registrations = {row.registration_key for row in rows if row.registration_key}
        for chunk in _chunks(sorted(refs | names | registrations), 500):
            conditions = [Organisation.name_key.in_(chunk), Organisation.external_ref.in_(chunk)]
            conditions.append(Organisation.registration_key.in_(chunk))
            for organisation in self.session.scalars(select(Organisation).where(or_(*conditions))):
                lookup.remember_organisation(organisation)
        keys = sorted({row.partnership_key() for row in rows if row.has_partnership})
        for chunk in _chunks(keys, 500):
            for partnership in self.session.scalars(select(Partnership).where(Partnership.external_ref.in_(chunk))):
                lookup.partnerships[partnership.external_ref or ""] = partnership
        return lookup

    def _owner(self, email: str | None) -> int | str:
        """The id of the project manager who will own a new partnership, or the reason they cannot."""
        if email is None:
            return self.actor_id
        if email not in self.owners:
            from app.users.models import Role

            user = self.session.scalar(select(User).where(User.email == email))
            if user is None or not user.is_active:
                self.owners[email] = f"no active user has the email {email}"
            elif not user.has_role(Role.PROJECT_MANAGER, Role.ADMIN):
                self.owners[email] = f"{email} is not a project manager"
            else:
                self.owners[email] = user.id
        return self.owners[email]

    def _outcome(self, row: ParsedRow, resolution: Resolution, created: bool, changed: bool) -> RowOutcome:
        doubts = [*row.doubts, *resolution.doubts]
        reason = "; ".join(d.reason for d in doubts) or None
        column = doubts[0].column if doubts else None
        if not created and not changed:
            return RowOutcome(row.line, "unchanged", column, reason or resolution.note)
        if doubts:
            return RowOutcome(row.line, "doubtful", column, reason)
        return RowOutcome(row.line, "created" if created else "updated", None, resolution.note)

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
                region=row.region,
                registration_number=row.registration_number,
                website=row.website,
                email=row.email,
                notes=row.notes,
                external_ref=row.organisation_ref,
                areas=[lookup.areas[code] for code in row.areas if code in lookup.areas],
            )
            self.session.add(organisation)
            lookup.remember_organisation(organisation)
            self.summary.organisations_created += 1
            created = True
        else:
            changed = _fill(organisation, row, lookup)
        contact, added = _contact(organisation, row)
        if added and not created:
            organisation.updated_at = utcnow()
            changed = True
        return organisation, contact, created, changed

    def _write_partnership(
        self, row: ParsedRow, plan: Resolution, lookup: Lookup, organisation: Organisation, contact: Contact | None
    ) -> tuple[bool, bool]:
        key = row.partnership_key()
        partnership = lookup.partnerships.get(key)
        comment = f"imported from {self.file_name} line {row.line}"
        if partnership is None and not plan.new_partnership:
            raise invalid("partnership_ref", f"partnership {key!r} could not be created from an earlier line")
        if partnership is None:
            if contact is not None and contact.id is None:
                self.session.flush()  # the focal point needs its id
            project = None
            if row.start_date or row.end_date:
                project = ProjectInput(name=row.title or key, start_date=row.start_date, end_date=row.end_date)
            data = PartnershipCreate(
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
            actor = self.session.get(User, self.actor_id)
            assert actor is not None
            partnership = partnerships.create_partnership(self.session, data, actor)
            partnership.external_ref = key
            lookup.partnerships[key] = partnership
            self.summary.partnerships_created += 1
            if row.stage not in (None, "ad_hoc"):
                engine.fire(self.session, "partnership", partnership, f"import_as_{row.stage}", self.actor_id, comment)
            return True, False
        changed = False
        party = next((p for p in partnership.parties if p.organisation_id == organisation.id), None)
        if party is None:
            if contact is not None and contact.id is None:
                self.session.flush()
            partnership.parties.append(
                PartnershipParty(
                    organisation_id=organisation.id,
                    role=row.role or PartyRole.CO_PARTNER,
                    focal_point_id=contact.id if contact else None,
                )
            )
            changed = True
        elif row.role is not None and party.role != row.role:
            party.role = row.role
            changed = True
        missing = [lookup.areas[c] for c in row.areas if c in lookup.areas and lookup.areas[c] not in partnership.areas]
        if missing:
            partnership.areas.extend(missing)
            changed = True
        if changed:
            partnership.updated_at = utcnow()
        if plan.move_stage:
            engine.fire(self.session, "partnership", partnership, f"import_as_{row.stage}", self.actor_id, comment)
            changed = True
        return False, changed


def _fill(organisation: Organisation, row: ParsedRow, lookup: Lookup) -> bool:
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


def _contact(organisation: Organisation, row: ParsedRow) -> tuple[Contact | None, bool]:
    """The line's contact person at the organisation, and whether they were added now (not known before)."""
    if not row.contact_name and not row.contact_email:
        return None, False
    name_key = " ".join((row.contact_name or "").casefold().split())
    for known in organisation.contacts:
        if row.contact_email and (known.email or "").lower() == row.contact_email:
            return known, False
        if name_key and " ".join(known.name.casefold().split()) == name_key:
            return known, False
    contact = Contact(name=row.contact_name or row.contact_email or "", email=row.contact_email)
    organisation.contacts.append(contact)
    return contact, True


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def list_runs(session: Session, limit: int = 50) -> list[ImportRun]:
    """The most recent import runs, newest first."""
    return list(session.scalars(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)))


def get_run(session: Session, run_id: int) -> ImportRun:
    """The import run with this id, or ``NotFound``."""
    from app.errors import NotFound

    run = session.get(ImportRun, run_id)
    if run is None:
        raise NotFound(f"import run {run_id} does not exist")
    return run
