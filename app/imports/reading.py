"""What every cell reader returns or raises (``Read``, ``Unreadable``), the cache they share, and the key and
label a value is compared and shown by.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from app.i18n import current_language
from app.organisations.models import plain_words

T = TypeVar("T")
V = TypeVar("V")


class Unreadable(ValueError):
    """A value that cannot be read; the message says why, in words the user can act on."""


@dataclass(frozen=True)
class Read(Generic[T]):
    """A value read from a cell, why it is doubtful if it was guessed, and whether the cell named it exactly."""

    value: T
    doubt: str | None = None
    exact: bool = True


def plain_key(value: str) -> str:
    """Lower case, no accents or punctuation, single spaces; British spelling of 'organisation'."""
    return " ".join(plain_words(value)).replace("organization", "organisation").replace("labor", "labour")


def cached_reader(maxsize: int) -> Callable[[Callable[[str], Read[Any]]], Callable[[str], Read[Any]]]:
    """``lru_cache`` for a reader that may refuse: refusals are remembered too, as a file repeats its bad values."""

    def wrap(function: Callable[[str], Read[Any]]) -> Callable[[str], Read[Any]]:
        @lru_cache(maxsize=maxsize)
        def outcome(value: str, language: str) -> Read[Any] | str:  # the language: its messages are in it
            try:
                return function(value)
            except Unreadable as exc:
                return str(exc)  # the message, not the exception: a cached traceback would keep its frames alive

        @functools.wraps(function)
        def read(value: str) -> Read[Any]:
            result = outcome(value, current_language())
            if isinstance(result, str):
                raise Unreadable(result)
            return result

        read.cache_clear = outcome.cache_clear  # type: ignore[attr-defined]
        read.cache_info = outcome.cache_info  # type: ignore[attr-defined]
        return read

    return wrap


_ACRONYMS = {"cso": "CSO", "un": "UN", "ngo": "NGO", "mou": "MoU"}


def plain_label(value: object) -> str:
    """A code as a clerk reads it: "national_cso" → "national CSO", "ad_hoc" → "ad hoc"."""
    text = str(getattr(value, "value", value))
    return " ".join(_ACRONYMS.get(word, word) for word in text.replace("_", " ").split())
