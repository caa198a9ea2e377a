"""What the import API returns: a run's counts and its rejected and doubtful lines."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.schemas import OutputModel


class RowProblemRead(OutputModel):
    """A rejected or doubtful line: where, and why."""

    line: int
    outcome: str = Field(description="rejected (nothing written) or doubtful (imported, but check it)")
    column: str | None
    reason: str | None


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
    problems_total: int = Field(description="How many lines were rejected or doubtful")
    problems: list[RowProblemRead] = Field(description="The first 1,000 rejected or doubtful lines")


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
    """A recorded import with its first rejected and doubtful lines."""

    problems: list[RowProblemRead]
