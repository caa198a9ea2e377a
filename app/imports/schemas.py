"""What the import API returns: a run's counts and its rejected and doubtful lines."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from app.schemas import OutputModel


class RowProblemRead(OutputModel):
    """A rejected or doubtful line: where, and why."""

    line: int
    outcome: str = Field(
        description="rejected (nothing written), conflict (differs from the record, not applied) or doubtful"
    )
    column: str | None
    reason: str | None


class ImportTotals(OutputModel):
    """The figures of an import."""

    rows_read: int
    skipped_blank: int
    skipped_total: int = Field(description="Total and summary lines skipped")
    skipped_note: int = Field(0, description="Notes and remarks among or under the lines (one sentence or marked cell)")
    skipped_title: int = Field(description="Title and note lines above the header")
    organisations_created: int
    organisations_merged: int = Field(description="Organisations already recorded that lines were merged into")
    partnerships_created: int
    partnerships_updated: int
    agreements_recorded: int = Field(description="Existing MOUs recorded as signed, then active or expired")
    reminders_planned: int
    titles_derived: int
    non_exact_mappings: int = Field(description="Distinct values read through a synonym, phrase, language or typo")
    conflicts: int
    created: int
    updated: int
    unchanged: int
    doubtful: int
    conflict: int = Field(description="Lines that contradict the record and were not applied")
    skipped: int
    rejected: int


class ImportResultRead(OutputModel):
    """The outcome of an import (or of a dry run, which writes nothing)."""

    run_id: int | None = Field(description="The recorded import run; null for a dry run")
    file_name: str
    sha256: str
    format: str
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    doubtful: int
    rejected: int
    organisations_created: int
    partnerships_created: int
    ignored_columns: list[str]
    header_line: int = Field(description="The line of the header row (title and note lines above it are skipped)")
    header: list[str] = Field(description='How each column was read: column "X" → field, and the ignored ones')
    mapping: dict[str, str] = Field(description="The column mapping used, reusable as the mapping parameter")
    date_order: str = Field(description="How day and month were told apart, and why")
    totals: ImportTotals
    non_exact: list[str] = Field(description='Values read through another wording: "compromiso verbal" → informal')
    conflicts: list[str] = Field(description="Differences with recorded partnerships, applied or not")
    notes: list[str] = Field(description="Titles derived, agreements recorded as expired, and the like")
    exit_code: int = Field(description="What the command line would exit with: 0 all in, 1 rejected or conflicts")
    problems_total: int = Field(description="How many lines were rejected, in conflict or doubtful")
    problems: list[RowProblemRead] = Field(description="The first 1,000 rejected, conflicting or doubtful lines")


class ImportRunRead(OutputModel):
    """A recorded import: who, when, which file, what came of it."""

    id: int
    user_id: int | None
    file_name: str
    sha256: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    rows: int
    created: int
    updated: int
    unchanged: int
    doubtful: int
    rejected: int
    organisations_created: int
    partnerships_created: int


class ImportRunDetail(ImportRunRead):
    """A recorded import with its first rejected and doubtful lines and its report."""

    problems: list[RowProblemRead]
    report: dict[str, Any] | None = Field(description="Totals, header mapping, date order, mappings and conflicts")
