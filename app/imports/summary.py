"""What an import did, line by line and in total, in words a clerk reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.i18n import MESSAGES
from app.imports.dates import DateOrder

BATCH_SIZE = 1000
MAX_LISTED = 1000
TOTAL_LINE = "a total or summary line"
NOTE_LINE = "a note, not a partner"
OUTCOMES = ("created", "updated", "unchanged", "doubtful", "conflict", "skipped", "rejected")
PROBLEM_OUTCOMES = ("rejected", "conflict", "doubtful")
FOR_REJECTS_FILE = ("rejected", "conflict")


def outcome_word(outcome: str) -> str:
    """An outcome (``rejected``) as a reader reads it, in the current language (the API keeps the code)."""
    words = {
        "created": MESSAGES.gettext("created"),
        "updated": MESSAGES.gettext("updated"),
        "unchanged": MESSAGES.gettext("unchanged"),
        "doubtful": MESSAGES.gettext("doubtful"),
        "conflict": MESSAGES.gettext("conflict"),
        "skipped": MESSAGES.gettext("skipped"),
        "rejected": MESSAGES.gettext("rejected"),
    }
    return words.get(outcome, outcome)


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
        state = (
            MESSAGES.gettext("applied")
            if self.applied
            else MESSAGES.gettext("not applied: {reason}", reason=self.refused)
            if self.refused
            else MESSAGES.gettext("not applied")
        )
        return MESSAGES.gettext(
            "line {line}: {partnership} {description} ({state})",
            line=self.line,
            partnership=self.partnership,
            description=self.description,
            state=state,
        )


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
            if len(lines) > 1:
                shown.append(
                    MESSAGES.gettext(
                        '{column}: "{written}" → {read_as} (lines {where})',
                        column=column,
                        written=written,
                        read_as=read_as,
                        where=where,
                    )
                )
            else:
                shown.append(
                    MESSAGES.gettext(
                        '{column}: "{written}" → {read_as} (line {where})',
                        column=column,
                        written=written,
                        read_as=read_as,
                        where=where,
                    )
                )
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
            "skipped_title": [
                MESSAGES.gettext("line {line}: {text}", line=line, text=text[:200]) for line, text in self.skipped_title
            ],
            "notes": self.notes[:MAX_LISTED],
        }

    def lines(self, listed: int = 50) -> list[str]:
        """The report as text lines: header mapping, date order, figures, mappings, conflicts, problems."""
        out = [MESSAGES.gettext("{file}: header on line {line}", file=self.file_name, line=self.header_line)]
        out += [f"  {line}" for line in self.header]
        out += [
            MESSAGES.gettext("  skipped above the header: line {line}: {text}", line=line, text=text[:80])
            for line, text in self.skipped_title
        ]
        if self.date_order:
            out.append(MESSAGES.gettext("dates: {order}", order=self.date_order))
        counts = self.counts
        out.append(
            MESSAGES.gettext(
                "{read:,} line(s) read; {created:,} created, {updated:,} updated, {unchanged:,} unchanged, "
                "{doubtful:,} doubtful (imported, check them), {conflict:,} in conflict, {rejected:,} rejected",
                read=self.rows,
                created=counts["created"],
                updated=counts["updated"],
                unchanged=counts["unchanged"],
                doubtful=counts["doubtful"],
                conflict=counts["conflict"],
                rejected=counts["rejected"],
            )
        )
        out.append(
            MESSAGES.gettext(
                "skipped: {blank:,} blank, {total:,} total or summary, {notes:,} title or note line(s)",
                blank=self.skipped_blank,
                total=self.skipped_total,
                notes=len(self.skipped_title) + self.skipped_note,
            )
        )
        figures = {
            "organisations": self.organisations_created,
            "merged": len(self.organisations_merged),
            "partnerships": self.partnerships_created,
            "updated": len(self.partnerships_updated),
            "agreements": self.agreements_recorded,
            "reminders": self.reminders_planned,
        }
        if self.dry_run:
            out.append(
                MESSAGES.gettext(
                    "organisations: {organisations:,} created, {merged:,} merged with records already there; "
                    "partnerships: {partnerships:,} created, {updated:,} updated; agreements recorded: {agreements:,}; "
                    "reminders planned: {reminders:,} (would be written, dry run: nothing was written)",
                    **figures,
                )
            )
        else:
            out.append(
                MESSAGES.gettext(
                    "organisations: {organisations:,} created, {merged:,} merged with records already there; "
                    "partnerships: {partnerships:,} created, {updated:,} updated; agreements recorded: {agreements:,}; "
                    "reminders planned: {reminders:,} (were written)",
                    **figures,
                )
            )
        if self.non_exact:
            out.append(MESSAGES.gettext("values read through another wording ({count:,}):", count=len(self.non_exact)))
            out += [f"  {line}" for line in self.non_exact_lines()[:listed]]
        if self.conflicts_total:
            if self.update:
                out.append(MESSAGES.gettext("conflicts with the record ({count:,}):", count=self.conflicts_total))
            else:
                out.append(
                    MESSAGES.gettext(
                        "conflicts with the record ({count:,}) — run again with --update to apply them:",
                        count=self.conflicts_total,
                    )
                )
            out += [f"  {c.describe()}" for c in self.conflicts[:listed]]
        for note in self.notes[:listed]:
            out.append(MESSAGES.gettext("  note: {note}", note=note))
        shown = [p for p in self.problems if p.outcome != "conflict"][:listed]
        for problem in shown:
            column = f" [{problem.column}]" if problem.column else ""
            out.append(
                MESSAGES.gettext(
                    "  line {line}: {outcome}{column}: {reason}",
                    line=problem.line,
                    outcome=outcome_word(problem.outcome),
                    column=column,
                    reason=problem.reason,
                )
            )
        hidden = self.counts["rejected"] + self.counts["doubtful"] - len(shown)
        if hidden > 0:
            out.append(MESSAGES.gettext("  … and {hidden:,} more (see the rejects file and the report)", hidden=hidden))
        return out
