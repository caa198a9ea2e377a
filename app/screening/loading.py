"""Loading a Consolidated List: replace the current entries, report what changed, re-screen every organisation."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.screening.models import ScreeningEntry, ScreeningList
from app.screening.service import SOURCE, LoadReport, current_list, rescreen_all
from app.screening.unlist import ListEntry, read_list
from app.users.policy import Action, require
from app.workflow.actor import Actor


def load_list(
    session: Session, stream: IO[bytes], *, file_name: str | None = None, actor: Actor | None = None
) -> LoadReport:
    """Load a Consolidated List (replacing the current one), report what changed, re-screen every organisation.

    Raises :class:`app.screening.unlist.ListFormatError` for a file that is not the list; nothing is written then.
    """
    if actor is not None:
        require(actor, Action.LOAD_SCREENING_LIST)
    started = time.perf_counter()
    parsed = read_list(stream)
    previous = current_list(session)
    loaded = ScreeningList(
        source=SOURCE, date_generated=parsed.date_generated, sha256=parsed.sha256, file_name=file_name,
        entries=len(parsed.entries), loaded_by_id=actor.user_id if actor else None, loaded_at=utcnow(),
    )  # fmt: skip
    session.add(loaded)
    session.flush()
    report = LoadReport(list_id=loaded.id, entries=len(parsed.entries))
    report.unchanged_file = previous is not None and previous.sha256 == parsed.sha256
    _replace_entries(session, parsed.entries, loaded, report)
    rescreen_all(session, loaded, report)
    loaded.added, loaded.removed, loaded.changed = len(report.added), len(report.removed), len(report.changed)
    loaded.new_hits, loaded.reopened = len(report.new_hits), len(report.reopened)
    report.seconds = time.perf_counter() - started
    session.flush()
    return report


def _replace_entries(session: Session, entries: Sequence[ListEntry], loaded: ScreeningList, report: LoadReport) -> None:
    existing = {row.data_id: row for row in session.scalars(select(ScreeningEntry))}
    incoming = {entry.data_id for entry in entries}
    for data_id, row in existing.items():
        if data_id not in incoming:
            report.removed.append((data_id, row.primary_name))
            session.delete(row)
    for entry in entries:
        digest = entry.content_hash
        row = existing.get(entry.data_id)
        if row is None:
            report.added.append((entry.data_id, entry.primary_name))
            row = ScreeningEntry(data_id=entry.data_id)
            session.add(row)
        elif row.content_hash != digest:
            report.changed.append((entry.data_id, entry.primary_name))
        row.version_num, row.kind, row.primary_name = entry.version_num, entry.kind, entry.primary_name
        row.reference_number, row.un_list_type, row.listed_on = (
            entry.reference_number, entry.un_list_type, entry.listed_on
        )  # fmt: skip
        row.names, row.countries, row.details = entry.names, entry.countries, entry.details
        row.content_hash, row.list_id = digest, loaded.id
    session.flush()
