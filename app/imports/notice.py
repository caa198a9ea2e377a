"""Reading a notice period ("60 days' prior written notice", "préavis de 3 mois", "tres meses") as days."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from functools import lru_cache

from app.i18n import MESSAGES
from app.imports import vocabulary as vocab
from app.imports.phrase_tables import says_nothing
from app.imports.phrases import split_words
from app.imports.reading import Read, T, Unreadable, cached_reader

_NOTICE_TOKENS = re.compile(r"\d+(?:[.,]\d+)?|[a-z]+")
_CONJUNCTIONS = frozenset({"and", "et", "y", "e", "plus"})
_ARTICLES_AS_ONE = frozenset({"a", "an"})
MAX_NOTICE_DAYS = 3650


@lru_cache(maxsize=1)
def _number_words() -> dict[tuple[str, ...], int]:
    return {tuple(split_words(word)): number for number, words in vocab.NUMBER_WORDS.items() for word in words}


@lru_cache(maxsize=1)
def _notice_units() -> dict[tuple[str, ...], str]:
    return {tuple(split_words(word)): unit for unit, words in vocab.NOTICE_UNITS.items() for word in words}


def _longest(tokens: list[str], start: int, table: Mapping[tuple[str, ...], T]) -> tuple[T | None, int]:
    """The longest run of tokens from ``start`` that the table names, and where it ends."""
    for end in range(min(len(tokens), start + 4), start, -1):
        if tuple(tokens[start:end]) in table:
            return table[tuple(tokens[start:end])], end
    return None, start


def _notice_number(tokens: list[str], index: int) -> tuple[float | None, int]:
    """A number in digits ("60", "1.5") or words ("six", "deux", "tres"), or "sixty (60)" saying it twice."""
    token = tokens[index]
    if token[0].isdigit():
        return float(token.replace(",", ".")), index + 1
    number, end = _longest(tokens, index, _number_words())
    if number is None and token in _ARTICLES_AS_ONE and _longest(tokens, index + 1, _notice_units())[0]:
        return 1.0, index + 1  # "a month", "an year"
    if number is not None and end < len(tokens) and tokens[end][0].isdigit():  # "sixty (60) days"
        if float(tokens[end].replace(",", ".")) != number:
            return None, index
        end += 1
    return (float(number), end) if number is not None else (None, index)


@cached_reader(2048)
def notice_days(value: str) -> Read[int | None]:
    """A notice period in days: "60", "60 days", "60 jours", "60 días", "two weeks", "deux semaines", "one month",
    "tres meses", "1 year", "un an", "60 days' prior written notice", "1 month and 15 days".

    A month is 30 days and a whole year 365 ("12 months" is 365, "18 months" 545). Working days are counted as
    calendar days, and doubtful. A cell that says nothing ("N/A", "-") is ``None``.
    """
    text = value.strip()
    if says_nothing(text):
        return Read(None)
    lowered = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    tokens = [token for token in _NOTICE_TOKENS.findall(lowered) if token not in vocab.NOTICE_FILLERS]
    plain = MESSAGES.gettext(
        "{text} is not a notice period: write a number of days (60), or weeks, months or years (3 months)",
        text=repr(text),
    )
    days = weeks = months = years = 0.0
    working = False
    index, parts = 0, 0
    while index < len(tokens):
        if parts and tokens[index] in _CONJUNCTIONS:
            index += 1
            continue
        number, index = _notice_number(tokens, index)
        if number is None:
            raise Unreadable(plain)
        unit, index = _longest(tokens, index, _notice_units())
        if unit is None:
            if index < len(tokens) and tokens[index][0].isdigit():
                raise Unreadable(
                    MESSAGES.gettext(
                        "{text} gives more than one number; write the notice period in days", text=repr(text)
                    )
                )
            if index < len(tokens) or parts:
                raise Unreadable(plain)
            unit = "day"  # a bare number is a number of days
        parts += 1
        working = working or unit == "working day"
        if unit in ("day", "working day"):
            days += number
        elif unit in ("week", "fortnight"):
            weeks += number * (2 if unit == "fortnight" else 1)
        elif unit == "month":
            months += number
        else:
            years += number
    if not parts:
        raise Unreadable(plain)
    whole_years, rest = divmod(months, 12)
    total = round(days + weeks * 7 + (years + whole_years) * 365 + rest * 30)
    if total > MAX_NOTICE_DAYS:
        raise Unreadable(
            MESSAGES.gettext("{text} is more than ten years; write the notice period in days", text=repr(text))
        )
    doubt = f"{text!r}: working days counted as calendar days ({total} days)" if working else None
    return Read(total, doubt, not working)
