"""The portfolio's history: every partnership and agreement as it stood at the end of a past day, and what changed
between two days.

Both are read from the history the workflow engine keeps, never from the records' current columns:

- a state on a day is the stay (``app.workflow.stays``, derived from ``transition_events``) open at the end of that
  day in the organisation's timezone; a record without a stay entered by then did not exist yet;
- a change is a transition event in the period: from the start of the first day to the end of the last one, both in
  the organisation's timezone. Which events count as which change is asked of the workflows' state groups
  (``CATEGORIES``), never of state names.

The breakdowns by area of engagement, region and kind of partner, and the filters, read the partnerships' areas and
partners as they are now (the record today): the history keeps states, not those facts. ``notes()`` says so to the
reader.
"""

from __future__ import annotations

from app.reports.as_of import agreements_as_of, check_day, partnerships_as_of, start_of
from app.reports.changes import CATEGORIES, Category, category, change_records, changes_between, notes

__all__ = [
    "CATEGORIES",
    "Category",
    "agreements_as_of",
    "category",
    "change_records",
    "changes_between",
    "check_day",
    "notes",
    "partnerships_as_of",
    "start_of",
]
