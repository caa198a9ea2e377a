"""What an import did, line by line and in total, in words a clerk reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.imports.dates import DateOrder

BATCH_SIZE = 1000
MAX_LISTED = 1000
TOTAL_LINE = "a total or summary line"
NOTE_LINE = "a note, not a partner"
OUTCOMES = ("created", "updated", "unchanged", "doubtful", "conflict", "skipped", "rejected")
PROBLEM_OUTCOMES = ("rejected", "conflict", "doubtful")
FOR_REJECTS_FILE = ("rejected", "conflict")


@dataclass
class ImportOptions:
    """How to read and write: date order, batch size, dry run, whether to apply conflicts, a given column map."""

    date_order: DateOrder = "auto"
    batch_size: int = BATCH_SIZE
    dry_run: bool = False
    update: bool = False
    given_mapping: dict[str, str] | None = None
    api: bool = False
    """Messages name the API's ``mapping`` field rather than the command line's ``--map``."""


@dataclass(frozen=True)
class RowOutcome:
    """What became of one line, and the records it touched.

    ``created``/``updated``/``unchanged``: written (or not needed); ``doubtful``: written, but something was
    guessed; ``conflict``: the line contradicts the record and was not applied (no ``--update``); ``skipped``:
    a total or summary line; ``rejected``: nothing written, ``reason`` says why.
    """

    line: int
    outcome: str
    column: str | None = None
    reason: str | None = None
    organisation_id: int | None = None
    partnership_id: int | None = None


@dataclass
class ConflictLine:
    """A difference between a line and the record, and whether it was applied."""

    line: int
    partnership: str
    description: str
    applied: bool
    refused: str | None = None

    def describe(self) -> str:
        """'line 7: PA-2026-0003 modality: recorded informal, the file says formal (applied)'."""
        state = "applied" if self.applied else f"not applied: {self.refused}" if self.refused else "not applied"
        return f"line {self.line}: {self.partnership} {self.description} ({state})"


@dataclass
class ImportSummary:
    """Counts of a run, the lines to look at, the mappings that were not exact and the conflicts."""

    file_name: str
    sha256: str
    format: str
    dry_run: bool
    update: bool = False
    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(OUTCOMES, 0))
    skipped_blank: int = 0
    skipped_total: int = 0
    skipped_note: int = 0
    skipped_title: list[tuple[int, str]] = field(default_factory=list)
    header_line: int = 1
    header: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    date_order: str = ""
    organisations_created: int = 0
    organisations_merged: set[int] = field(default_factory=set)
    partnerships_created: int = 0
    partnerships_updated: set[int] = field(default_factory=set)
    agreements_recorded: int = 0
    reminders_planned: int = 0
    titles_derived: int = 0
    non_exact: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    conflicts: list[ConflictLine] = field(default_factory=list)
    conflicts_total: int = 0
    problems: list[RowOutcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    run_id: int | None = None

    @property
    def problems_total(self) -> int:
        """How many lines were rejected, in conflict or doubtful."""
        return sum(self.counts[outcome] for outcome in PROBLEM_OUTCOMES)

    @property
    def skipped_total_rows(self) -> int:
        """Lines skipped: blank, total or summary lines, notes, and title or note lines above the header."""
        return self.skipped_blank + self.skipped_total + self.skipped_note + len(self.skipped_title)

    @property
    def exit_code(self) -> int:
        """0 when every line went in (or was applied), 1 when some were rejected or left in conflict."""
        return 1 if self.counts["rejected"] or self.counts["conflict"] else 0

    def add(self, outcome: RowOutcome) -> None:
        """Count one line's outcome, listing it if it is a problem and the list is not full."""
        self.rows += 1
        self.counts[outcome.outcome] += 1
        if outcome.outcome == "skipped" and outcome.reason == NOTE_LINE:
            self.skipped_note += 1
        elif outcome.outcome == "skipped":
            self.skipped_total += 1
        if outcome.outcome in PROBLEM_OUTCOMES and len(self.problems) < MAX_LISTED:
            self.problems.append(outcome)

    def mapped(self, column: str, written: str, read_as: str, line: int) -> None:
        """Remember a value read through a synonym, a phrase or a typo, with the lines that wrote it so."""
        lines = self.non_exact.setdefault((column, written, read_as), [])
        if len(lines) < 50:
            lines.append(line)

    def conflict(self, item: ConflictLine) -> None:
        """Remember a difference between a line and the record."""
        self.conflicts_total += 1
        if len(self.conflicts) < MAX_LISTED:
            self.conflicts.append(item)

    def non_exact_lines(self) -> list[str]:
        """'"compromiso verbal" → informal (line 17)', one per distinct spelling, in file order."""
        items = sorted(self.non_exact.items(), key=lambda item: item[1][0])
        shown = []
        for (column, written, read_as), lines in items:
            where = ", ".join(str(n) for n in lines[:10]) + (" …" if len(lines) > 10 else "")
            plural = "s" if len(lines) > 1 else ""
            shown.append(f'{column}: "{written}" → {read_as} (line{plural} {where})')
        return shown

    def totals(self) -> dict[str, int]:
        """The figures of the summary, by name."""
        return {
            "rows_read": self.rows,
            "skipped_blank": self.skipped_blank,
            "skipped_total": self.skipped_total,
            "skipped_note": self.skipped_note,
            "skipped_title": len(self.skipped_title),
            "organisations_created": self.organisations_created,
            "organisations_merged": len(self.organisations_merged),
            "partnerships_created": self.partnerships_created,
            "partnerships_updated": len(self.partnerships_updated),
            "agreements_recorded": self.agreements_recorded,
            "reminders_planned": self.reminders_planned,
            "titles_derived": self.titles_derived,
            "non_exact_mappings": len(self.non_exact),
            "conflicts": self.conflicts_total,
            **{outcome: self.counts[outcome] for outcome in OUTCOMES},
        }

    def report_data(self) -> dict[str, Any]:
        """What is kept with the import run: totals, header mapping, date order, mappings and conflicts."""
        return {
            "totals": self.totals(),
            "header": self.header,
            "header_line": self.header_line,
            "date_order": self.date_order,
            "non_exact": self.non_exact_lines()[:MAX_LISTED],
            "conflicts": [c.describe() for c in self.conflicts],
            "skipped_title": [f"line {line}: {text[:200]}" for line, text in self.skipped_title],
            "notes": self.notes[:MAX_LISTED],
        }

    def lines(self, listed: int = 50) -> list[str]:
        """The report as text lines: header mapping, date order, figures, mappings, conflicts, problems."""
        what = "would be" if self.dry_run else "were"
        out = [f"{self.file_name}: header on line {self.header_line}"]
        out += [f"  {line}" for line in self.header]
        out += [f"  skipped above the header: line {line}: {text[:80]}" for line, text in self.skipped_title]
        if self.date_order:
            out.append(f"dates: {self.date_order}")
        counts = self.counts
        out.append(
            f"{self.rows:,} line(s) read; {counts['created']:,} created, {counts['updated']:,} updated, "
            f"{counts['unchanged']:,} unchanged, {counts['doubtful']:,} doubtful (imported, check them), "
            f"{counts['conflict']:,} in conflict, {counts['rejected']:,} rejected"
        )
        out.append(
            f"skipped: {self.skipped_blank:,} blank, {self.skipped_total:,} total or summary, "
            f"{len(self.skipped_title) + self.skipped_note:,} title or note line(s)"
        )
        out.append(
            f"organisations: {self.organisations_created:,} created, {len(self.organisations_merged):,} merged "
            f"with records already there; partnerships: {self.partnerships_created:,} created, "
            f"{len(self.partnerships_updated):,} updated; agreements recorded: {self.agreements_recorded:,}; "
            f"reminders planned: {self.reminders_planned:,} ({what} written"
            + (", dry run: nothing was written)" if self.dry_run else ")")
        )
        if self.non_exact:
            out.append(f"values read through another wording ({len(self.non_exact):,}):")
            out += [f"  {line}" for line in self.non_exact_lines()[:listed]]
        if self.conflicts_total:
            hint = "" if self.update else " — run again with --update to apply them"
            out.append(f"conflicts with the record ({self.conflicts_total:,}){hint}:")
            out += [f"  {c.describe()}" for c in self.conflicts[:listed]]
        for note in self.notes[:listed]:
            out.append(f"  note: {note}")
        shown = [p for p in self.problems if p.outcome != "conflict"][:listed]
        for problem in shown:
            column = f" [{problem.column}]" if problem.column else ""
            out.append(f"  line {problem.line}: {problem.outcome}{column}: {problem.reason}")
        hidden = self.counts["rejected"] + self.counts["doubtful"] - len(shown)
        if hidden > 0:
            out.append(f"  … and {hidden:,} more (see the rejects file and the report)")
        return out
