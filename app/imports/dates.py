"""Which way round a file writes its numeric dates, learned from the dates that can only be read one way.

Offices write 03/04/2026 for 3 April or for 4 March depending on the country. A file's unambiguous dates
(25/03/2026 is day first, 03/25/2026 month first) tell which convention it follows; the ambiguous ones are then
read that way. A file that shows both conventions is reported line by line, and its ambiguous dates stay doubtful.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from app.imports.normalise import DateOrder

DATE_FIELDS = ("start_date", "end_date", "signed_date")
_NUMERIC = re.compile(r"^\s*(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
EXAMPLES = 3


@dataclass
class DateOrderFinding:
    """The order the file's unambiguous dates show, with examples, and the lines that disagree with most."""

    order: DateOrder = "auto"
    day_first: list[tuple[int, str]] = field(default_factory=list)
    month_first: list[tuple[int, str]] = field(default_factory=list)
    fields: dict[tuple[int, str], str] = field(default_factory=dict, repr=False)
    """The column each listed date was in, by (line, text)."""
    day_first_count: int = 0
    month_first_count: int = 0
    given: bool = False
    _by_line: dict[int, str] | None = field(default=None, repr=False)

    @property
    def mixed(self) -> bool:
        """Whether the file writes dates both ways."""
        return bool(self.day_first_count and self.month_first_count)

    def describe(self) -> str:
        """One sentence for the report: how dates were read, and why."""
        if self.given:
            return f"dates read {_words(self.order)}, as asked"
        if self.mixed:
            return (
                f"the file writes dates both ways: {self.day_first_count} day first (e.g. {_example(self.day_first)}) "
                f"and {self.month_first_count} month first (e.g. {_example(self.month_first)}); "
                "ambiguous dates are read day first and flagged on their line; "
                "use --day-first or --month-first to decide"
            )
        if self.order == "day_first":
            return (
                f"dates read day first: {self.day_first_count} date(s) can only be read so "
                f"(e.g. {_example(self.day_first)})"
            )
        if self.order == "month_first":
            return (
                f"dates read month first: {self.month_first_count} date(s) can only be read so "
                f"(e.g. {_example(self.month_first)})"
            )
        return "no date shows the order of day and month; ambiguous dates are read day first and flagged"

    def order_for(self, line: int) -> DateOrder:
        """How to read this line's ambiguous dates: the file's order, or in a mixed file what the line itself shows."""
        if not self.mixed:
            return self.order
        if self._by_line is None:
            self._by_line = {number: "month_first" for number, _text in self.month_first}
            self._by_line.update({number: "day_first" for number, _text in self.day_first})
        return self._by_line.get(line, "auto")  # type: ignore[return-value]

    def disagreement(self, line: int) -> tuple[str, str] | None:
        """The column and the reason a line's date disagrees with the rest of a mixed file, if it does."""
        if not self.mixed:
            return None
        minority, words = (
            (self.month_first, "month first")
            if self.day_first_count >= self.month_first_count
            else (self.day_first, "day first")
        )
        for number, text in minority:
            if number == line:
                reason = f"the date {text!r} can only be read {words}, unlike most dates in the file"
                return self.fields.get((number, text), "start_date"), reason
        return None


def _words(order: DateOrder) -> str:
    return {"day_first": "day first", "month_first": "month first"}.get(order, "day first where ambiguous")


def _example(found: list[tuple[int, str]]) -> str:
    return ", ".join(f"{text!r} on line {line}" for line, text in found[:EXAMPLES])


def infer_date_order(rows: Iterable[tuple[int, dict[str, Any]]], limit_listed: int = 10_000) -> DateOrderFinding:
    """Read the date cells of every row (``(line, {field: cell})``) and decide the file's order."""
    finding = DateOrderFinding()
    for line, cells in rows:
        for name in DATE_FIELDS:
            value = cells.get(name)
            if not isinstance(value, str):
                continue
            found = _NUMERIC.match(value)
            if found is None:
                continue
            first, second = int(found[1]), int(found[2])
            if first > 12 >= second >= 1:
                finding.day_first_count += 1
                if len(finding.day_first) < limit_listed:
                    finding.day_first.append((line, value.strip()))
                    finding.fields.setdefault((line, value.strip()), name)
            elif second > 12 >= first >= 1:
                finding.month_first_count += 1
                if len(finding.month_first) < limit_listed:
                    finding.month_first.append((line, value.strip()))
                    finding.fields.setdefault((line, value.strip()), name)
    if finding.day_first_count and not finding.month_first_count:
        finding.order = "day_first"
    elif finding.month_first_count and not finding.day_first_count:
        finding.order = "month_first"
    return finding
