"""Reading dates: one cell (``parse_date``: ISO, numeric either way round, month names in English, French and
Spanish, Excel serials, quarters, halves and open-ended words), and which way round a file writes them.

Which way round a file writes its numeric dates, learned from the dates that can only be read one way.

Offices write 03/04/2026 for 3 April or for 4 March depending on the country. A file's unambiguous dates
(25/03/2026 is day first, 03/25/2026 month first) tell which convention it follows; the ambiguous ones are then
read that way. A file that shows both conventions is reported line by line, and its ambiguous dates stay doubtful.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from numbers import Real
from typing import Any, Literal

from app.i18n import MESSAGES, current_language
from app.imports import vocabulary as vocab
from app.imports.phrase_tables import says_nothing
from app.imports.phrases import split_words
from app.imports.reading import Read, Unreadable

DateOrder = Literal["auto", "day_first", "month_first"]


EXCEL_EPOCH = date(1899, 12, 30)
MONTHS = {
    **{name: number for names in vocab.MONTH_NAMES for number, name in enumerate(names.split(), start=1)},
    **vocab.MONTH_ABBREVIATIONS,
}
_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(rf"^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME}$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")
_ORDINAL = r"(?:st|nd|rd|th|er|re|o)?"
_DAY_MONTH_YEAR = re.compile(
    rf"^(\d{{1,2}}){_ORDINAL}[ \-/.]+(?:de )?([a-z]+)\.?,?[ \-/.]+(?:del? )?(\d{{2}}|\d{{4}})$"
)
_MONTH_DAY_YEAR = re.compile(rf"^([a-z]+)\.?[ \-/.]+(\d{{1,2}}){_ORDINAL},?[ \-/.]+(?:del? )?(\d{{4}})$")


def _month(word: str) -> int | None:
    if word in MONTHS:
        return MONTHS[word]
    matches = {number for name, number in MONTHS.items() if len(word) >= 3 and name.startswith(word)}
    return matches.pop() if len(matches) == 1 else None


def _year(text: str) -> int:
    year = int(text)
    return year + (2000 if year < 70 else 1900) if len(text) == 2 else year


def _make(year: int, month: int, day: int, original: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise Unreadable(MESSAGES.gettext("{original} is not a date (no such day)", original=repr(original))) from None


def _from_serial(number: float, original: str) -> date:
    if not 1 <= number < 2958466:  # Excel's own range: 1900-01-01 to 9999-12-31
        raise Unreadable(MESSAGES.gettext("{original} is not a date", original=repr(original)))
    return EXCEL_EPOCH + timedelta(days=int(number))


_YEARS = range(1900, 2200)
"""The years a bare four-digit number can be: below, it is not a year of an agreement; as a number, an Excel serial
in this range would be a day of 1905."""


def parse_date(value: Any, order: DateOrder = "auto", period_end: bool = False) -> Read[date | None]:
    """A calendar date from ISO text, d/m/y or m/d/y, month names (English, French, Spanish), an Excel serial number
    (a number or its text) or a real date cell.

    A numeric date that reads both ways (03/04/2026) is read day first and doubtful, unless ``order`` decides.
    A period ("2024", "Q3 2025", "T3 2025", "April 2024", "déc. 2027", "04/2024", "2024-04") is read as its first
    day, or its last with ``period_end``, and doubtful. A cell saying there is no end ("ongoing", "indéterminée",
    "vigente") or nothing ("N/A") is no date; the first is doubtful.
    """
    if value is None:
        return Read(None)
    if isinstance(value, datetime):
        return Read(value.date())
    if isinstance(value, date):
        return Read(value)
    if isinstance(value, Real) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and int(number) in _YEARS:  # a year typed as a number, not a day of 1905
            return _period(str(int(number)), date(int(number), 1, 1), date(int(number), 12, 31), "year", period_end)
        return Read(_from_serial(number, str(value)))
    result = _date_from_text(str(value).strip(), order, period_end, current_language())
    if isinstance(result, str):
        raise Unreadable(result)
    return result


@lru_cache(maxsize=8192)
def _date_from_text(
    text: str, order: DateOrder, period_end: bool = False, language: str = ""
) -> Read[date | None] | str:
    """A date cell read (or the refusal's message), cached by text, order and the language of its messages."""
    try:
        return _read_date_text(text, order, period_end)
    except Unreadable as exc:
        return str(exc)


@lru_cache(maxsize=1)
def _open_ended() -> frozenset[str]:
    return frozenset(" ".join(split_words(phrase)) for phrase in vocab.OPEN_ENDED)


def _period(text: str, first: date, last: date, kind: str, period_end: bool) -> Read[date | None]:
    day = last if period_end else first
    edge = "end" if period_end else "start"
    return Read(
        day,
        MESSAGES.gettext(
            "{text} is not a full date; read as {day} {day2:%B %Y}, the {edge} of that {kind}",
            text=repr(text),
            day=day.day,
            day2=day,
            edge=edge,
            kind=kind,
        ),
    )


def _month_period(text: str, year: int, month: int, period_end: bool) -> Read[date | None]:
    if not 1 <= month <= 12:
        raise Unreadable(MESSAGES.gettext("{text} is not a date (no such month)", text=repr(text)))
    last = calendar.monthrange(year, month)[1]
    return _period(text, date(year, month, 1), date(year, month, last), "month", period_end)


_QUARTER_WORDS = {
    "first": 1, "premier": 1, "primer": 1, "second": 2, "deuxieme": 2, "segundo": 2, "third": 3, "troisieme": 3,
    "tercer": 3, "fourth": 4, "quatrieme": 4, "cuarto": 4,
}  # fmt: skip
_QUARTER = re.compile(r"^([qt])([1-4])[ \-/.,]*(\d{4})$|^(\d{4})[ \-/.,]*([qt])([1-4])$")
_HALF = re.compile(r"^([hs])([12])[ \-/.,]*(\d{4})$|^(\d{4})[ \-/.,]*([hs])([12])$")
_QUARTER_IN_WORDS = re.compile(
    r"^(?:([1-4])\s*(?:st|nd|rd|th|er|e|eme|o)?|([a-z]+))\s+(?:quarter|trimestre)\s+(?:of |de |del )?(\d{4})$"
)
_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$|^(\d{4})[-/.](\d{1,2})$")
_NAMED_MONTH_YEAR = re.compile(r"^([a-z]+)\.?[ \-/.,']*(?:de |del )?(\d{4})$|^(\d{4})[ \-/.,]+([a-z]+)\.?$")


def _partial_date(text: str, lowered: str, period_end: bool) -> Read[date | None] | None:
    """A year, a half, a quarter or a month, read as its first (or last) day; ``None`` if the cell is none."""
    if re.fullmatch(r"\d{4}(?:\.0+)?", lowered) and int(lowered[:4]) in _YEARS:
        year = int(lowered[:4])
        return _period(text, date(year, 1, 1), date(year, 12, 31), "year", period_end)
    quarter = half = year = None
    if found := _QUARTER.match(lowered):
        quarter, year = int(found[2] or found[6]), int(found[3] or found[4])
    elif (found := _QUARTER_IN_WORDS.match(lowered)) and (found[1] or found[2] in _QUARTER_WORDS):
        quarter, year = int(found[1]) if found[1] else _QUARTER_WORDS[found[2]], int(found[3])
    elif found := _HALF.match(lowered):
        half, year = int(found[2] or found[6]), int(found[3] or found[4])
    if year is not None:
        months = 3 if quarter else 6
        first_month = ((quarter or half or 1) - 1) * months + 1
        last_month = first_month + months - 1
        last = date(year, last_month, calendar.monthrange(year, last_month)[1])
        return _period(text, date(year, first_month, 1), last, "quarter" if quarter else "half-year", period_end)
    if found := _MONTH_YEAR.match(lowered):
        month, year = (int(found[1]), int(found[2])) if found[1] else (int(found[4]), int(found[3]))
        return _month_period(text, year, month, period_end)
    if found := _NAMED_MONTH_YEAR.match(lowered):
        word, year = (found[1], int(found[2])) if found[1] else (found[4], int(found[3]))
        if (month := _month(word)) is not None:
            return _month_period(text, year, month, period_end)
    return None


def _read_date_text(text: str, order: DateOrder, period_end: bool = False) -> Read[date | None]:
    if not text:
        return Read(None)
    key = " ".join(split_words(text))
    if key in _open_ended():
        return Read(None, MESSAGES.gettext("{text} read as no end date", text=repr(text)))
    if says_nothing(text):
        return Read(None)
    lowered = " ".join(unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode().split())
    if re.fullmatch(r"\d{5}(?:\.\d+)?", lowered):
        return Read(_from_serial(float(lowered), text))
    if found := _ISO.match(lowered):
        return Read(_make(int(found[1]), int(found[2]), int(found[3]), text))
    if found := _NUMERIC.match(lowered):
        first, second, year = int(found[1]), int(found[2]), _year(found[3])
        if first > 12 or (order == "day_first" and second <= 12):
            return Read(_make(year, second, first, text))
        if second > 12 or order == "month_first":
            return Read(_make(year, first, second, text))
        if first == second:
            return Read(_make(year, first, second, text))
        day_first = _make(year, second, first, text)
        return Read(
            day_first,
            MESSAGES.gettext(
                "ambiguous date {text}: read as {day_first:%d %B %Y} (day first); "
                "use --day-first or --month-first (API: date_order=day_first or month_first) to decide",
                text=repr(text),
                day_first=day_first,
            ),
        )
    if (found := _DAY_MONTH_YEAR.match(lowered)) and (month := _month(found[2])) is not None:
        return Read(_make(_year(found[3]), month, int(found[1]), text))
    if (found := _MONTH_DAY_YEAR.match(lowered)) and (month := _month(found[1])) is not None:
        return Read(_make(int(found[3]), month, int(found[2]), text))
    partial = _partial_date(text, lowered, period_end)
    if partial is not None:
        return partial
    raise Unreadable(
        MESSAGES.gettext("{text} is not a date: write it as 2026-12-31, 31/12/2026 or 31 Dec 2026", text=repr(text))
    )


# Which way round a file writes its numeric dates ----------------------------------------------------------------------

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
            return MESSAGES.gettext("dates read {order}, as asked", order=_words(self.order))
        if self.mixed:
            return MESSAGES.gettext(
                "the file writes dates both ways: {day_first} day first (e.g. {day_first_examples}) "
                "and {month_first} month first (e.g. {month_first_examples}); "
                "ambiguous dates are read day first and flagged on their line; "
                "use --day-first or --month-first to decide",
                day_first=self.day_first_count,
                day_first_examples=_example(self.day_first),
                month_first=self.month_first_count,
                month_first_examples=_example(self.month_first),
            )
        if self.order == "day_first":
            return MESSAGES.gettext(
                "dates read day first: {count} date(s) can only be read so (e.g. {examples})",
                count=self.day_first_count,
                examples=_example(self.day_first),
            )
        if self.order == "month_first":
            return MESSAGES.gettext(
                "dates read month first: {count} date(s) can only be read so (e.g. {examples})",
                count=self.month_first_count,
                examples=_example(self.month_first),
            )
        return MESSAGES.gettext(
            "no date shows the order of day and month; ambiguous dates are read day first and flagged"
        )

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
            (self.month_first, _words("month_first"))
            if self.day_first_count >= self.month_first_count
            else (self.day_first, _words("day_first"))
        )
        for number, text in minority:
            if number == line:
                reason = MESSAGES.gettext(
                    "the date {text} can only be read {words}, unlike most dates in the file",
                    text=repr(text),
                    words=words,
                )
                return self.fields.get((number, text), "start_date"), reason
        return None


def _words(order: DateOrder) -> str:
    if order == "day_first":
        return MESSAGES.gettext("day first")
    if order == "month_first":
        return MESSAGES.gettext("month first")
    return MESSAGES.gettext("day first where ambiguous")


def _example(found: list[tuple[int, str]]) -> str:
    return ", ".join(
        MESSAGES.gettext("{text} on line {line}", text=repr(text), line=line) for line, text in found[:EXAMPLES]
    )


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
