"""The filters agreement templates use: dates written out in the document's language, and Markdown-safe text."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import jinja2

from app import i18n


def as_date(value: Any) -> date:
    """A date from a ``date``, a ``datetime`` or an ISO string; ``ValueError`` or ``TypeError`` otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def format_date(value: Any, language: str = "en") -> str:
    """``2027-12-31`` as "31 December 2027" (French "31 décembre 2027", Spanish "31 de diciembre de 2027"), by Babel.

    French legal usage writes the first of the month as an ordinal: "1er janvier 2027".
    """
    if value is None or value == "":
        return ""
    day = as_date(value)
    base = i18n.normalise(language)
    text = i18n.format_date(day, language=base)
    if base == "fr" and day.day == 1 and text.startswith("1 "):
        return "1er " + text[2:]
    return text


@jinja2.pass_context
def localised_date(context: jinja2.runtime.Context, value: Any) -> str:
    """The ``date`` filter: ``format_date`` in the language the template renders in."""
    return format_date(value, str(context.get("language") or "en"))


def inline(value: Any) -> str:
    """Free text made safe for one line of the Markdown subset: newlines collapsed, a leading # - * | escaped."""
    if value is None:
        return ""
    text = re.sub(r"\s+", " ", str(value)).strip()
    if text[:1] in {"#", "-", "*", "|"}:  # the converters read "* " as a bullet too
        text = "\\" + text
    return text


def cell(value: Any) -> str:
    """Free text made safe for a pipe-table cell: on one line, every ``|`` escaped as ``\\|``."""
    if value is None:
        return ""
    return re.sub(r"\s+", " ", str(value)).strip().replace("|", "\\|")
