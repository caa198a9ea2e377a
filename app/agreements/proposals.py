"""What the text of a signed copy suggests: parties, title, kind, dates, term and notice — each with its snippet.

Nothing here is a fact: a person confirms or corrects every proposal before anything is recorded. Pure functions of
the text and of the organisations the caller knows (no database), in English, French and Spanish wording.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.agreements import proposal_words as words
from app.agreements.proposal_parties import (
    KnownOrganisation,
    PartyProposal,
    SignatoryProposal,
    find_parties,
    find_signatories,
)

SENTENCE_LOOKBACK = 220


@dataclass(frozen=True)
class DateProposal:
    """A date read in the text, what it seems to be, and why."""

    value: date
    reading: str  # effective, end, signature, or other
    basis: str
    snippet: str
    position: int = 0


@dataclass(frozen=True)
class NumberProposal:
    """A number of days (notice) or a term, with the words it came from."""

    value: int
    basis: str
    snippet: str


@dataclass(frozen=True)
class TextProposal:
    """A title or a kind of agreement, with the words it came from."""

    value: str
    snippet: str


@dataclass
class Proposals:
    """Everything proposed from one document; every field may be missing."""

    title: TextProposal | None = None
    kind: TextProposal | None = None
    effective_date: DateProposal | None = None
    end_date: DateProposal | None = None
    term: NumberProposal | None = None  # months
    notice_period_days: NumberProposal | None = None
    signature_dates: list[DateProposal] = field(default_factory=list)
    dates: list[DateProposal] = field(default_factory=list)
    parties: list[PartyProposal] = field(default_factory=list)
    signatories: list[SignatoryProposal] = field(default_factory=list)


# dates -------------------------------------------------------------------------------------------------------


def _sentence_start(text: str, position: int, floor: int) -> int:
    window_start = max(floor, position - SENTENCE_LOOKBACK)
    window = text[window_start:position]
    cut = max(window.rfind(". "), window.rfind("\n\n"), window.rfind(".\n"))
    return window_start + cut + 1 if cut >= 0 else window_start


def _reading(segment: str) -> tuple[str, str]:
    """The category of the nearest cue before a date (strong cues before weak ones), and the cue's words."""
    found: list[tuple[bool, int, str, str]] = []
    for category, pattern in words.CUES.items():
        for cue in pattern.finditer(segment):
            strong = not words.WEAK_CUES.match(cue.group(0).strip())
            found.append((strong, cue.end(), category, " ".join(cue.group(0).split())))
    if not found:
        return "other", ""
    strong, _end, category, cue = max(found)
    return category, cue


def find_dates(text: str) -> list[DateProposal]:
    """Every date written in the text, each read as effective, end, signature or other by the words before it."""
    found: list[DateProposal] = []
    previous_end = 0
    for match in words.DATE_PATTERN.finditer(text):
        value = words.date_of(match)
        if value is None or not 1900 <= value.year <= 2200:
            continue
        start = _sentence_start(text, match.start(), previous_end)
        reading, cue = _reading(text[start : match.start()])
        basis = f"“{cue}” before the date" if cue else "no word says what this date is"
        found.append(
            DateProposal(value, reading, basis, words.snippet(text, match.start(), match.end()), match.start())
        )
        previous_end = match.end()
    return found


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, on the same day of the month or the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError(f"cannot add {months} months to {day}")


def _quantity(match: re.Match[str]) -> tuple[int, str, int] | None:
    """(count, unit, days per unit) of a QUANTITY match; digits in parentheses win over the words."""
    groups = match.groupdict()
    raw = groups.get("paren") or groups.get("digits")
    count = int(raw) if raw else words.NUMBERS.get(" ".join((groups.get("word") or "").lower().split()))
    unit = words.UNITS.get((groups.get("unit") or "").lower())
    if not count or unit is None:
        return None
    return count, unit[0], unit[1]


def find_term(text: str) -> tuple[NumberProposal | None, tuple[int, int] | None]:
    """The term in months ("for a period of three (3) years" → 36), and the span it was read from."""
    for match in words.DURATION_PATTERN.finditer(text):
        quantity = _quantity(match)
        if quantity is None:
            continue
        count, unit, _days = quantity
        months = {"year": 12 * count, "month": count}.get(unit)
        if months is None or not 0 < months <= 600:
            continue
        basis = f"a term of {count} {unit}{'s' if count > 1 else ''}"
        return NumberProposal(months, basis, words.snippet(text, match.start(), match.end())), match.span()
    return None, None


def find_notice(text: str) -> NumberProposal | None:
    """The notice period in days: the quantity nearest a notice word in the same sentence (a month = 30 days)."""
    best: tuple[int, NumberProposal] | None = None
    for cue in words.NOTICE_CUE.finditer(text):
        left, right = max(0, cue.start() - 90), min(len(text), cue.end() + 90)
        for match in words.QUANTITY_PATTERN.finditer(text, left, right):
            between = text[min(match.end(), cue.start()) : max(match.start(), cue.end())]
            if re.search(r"[.;]\s", between):
                continue  # another sentence
            quantity = _quantity(match)
            if quantity is None or (quantity[1] == "year" and quantity[0] > 1):
                continue
            count, unit, days = quantity
            distance = max(cue.start() - match.end(), match.start() - cue.end(), 0)
            basis = f"{count} {unit}{'s' if count > 1 else ''} of notice" + (
                " (a month counts 30 days)" * (unit == "month")
            )
            proposal = NumberProposal(count * days, basis, words.snippet(text, match.start(), match.end()))
            if best is None or distance < best[0]:
                best = (distance, proposal)
    return best[1] if best else None


# title and kind ----------------------------------------------------------------------------------------------


def _title_case(line: str) -> str:
    """A title in capitals as a sentence ("MEMORANDUM OF UNDERSTANDING" → "Memorandum of understanding")."""
    return line[:1] + line[1:].lower() if line.isupper() else line


def find_title(text: str) -> TextProposal | None:
    """The first line near the top that names an instrument (Memorandum of Understanding, Accord, Convenio…)."""
    lines = [line.strip(" #*") for line in text[:3000].split("\n") if line.strip(" #*")]
    for index, line in enumerate(lines[:12]):
        if words.TITLE_WORDS.search(line) and len(line) <= 300:
            for following in lines[index + 1 : index + 3]:  # a heading in capitals wrapped over lines (PDF)
                if not (line.isupper() and following.isupper()):
                    break
                line = f"{line} {following}"
            return TextProposal(_title_case(line)[:300], line[:300])
    return TextProposal(_title_case(lines[0])[:300], lines[0][:300]) if lines else None


def find_kind(text: str) -> TextProposal | None:
    """An amendment, extension or renewal when the opening says so; otherwise an MOU."""
    head = text[:1500]
    for kind, pattern in words.KIND_WORDS.items():
        found = pattern.search(head)
        if found:
            return TextProposal(kind, words.snippet(text, found.start(), found.end()))
    return TextProposal("mou", words.snippet(text, 0, 0)) if text else None


# everything --------------------------------------------------------------------------------------------------


def propose(text: str, known: list[KnownOrganisation]) -> Proposals:
    """Every proposal the text supports; ``known`` are the organisations it may name."""
    result = Proposals(title=find_title(text), kind=find_kind(text))
    result.dates = find_dates(text)
    effective = [d for d in result.dates if d.reading == "effective"]
    ends = [d for d in result.dates if d.reading == "end"]
    result.signature_dates = [d for d in result.dates if d.reading == "signature"]
    result.effective_date = effective[0] if effective else None
    result.term, term_span = find_term(text)
    if ends:
        result.end_date = (
            ends[-1]
            if result.effective_date is None
            else next((d for d in ends if d.value > result.effective_date.value), None)
        )
    if result.end_date is None and result.term is not None and result.effective_date is not None:
        start = result.effective_date.value
        value = add_months(start, result.term.value) - timedelta(days=1)
        basis = (
            f"{result.term.basis} from the effective date {start.isoformat()}, ending the day before the anniversary"
        )
        result.end_date = DateProposal(value, "end", basis, result.term.snippet, term_span[0] if term_span else 0)
    result.notice_period_days = find_notice(text)
    result.parties = find_parties(text, known)
    result.signatories = find_signatories(text, known)
    return result
