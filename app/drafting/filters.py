"""The filters agreement templates use: dates written out in the document's language, and Markdown-safe text."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import jinja2

_MONTHS = {
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
    "fr": [
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ],
    "es": [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ],
}


def as_date(value: Any) -> date:
    """A date from a ``date``, a ``datetime`` or an ISO string; ``ValueError`` or ``TypeError`` otherwise."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def format_date(value: Any, language: str = "en") -> str:
    """``2027-12-31`` as "31 December 2027" (French "31 décembre 2027", Spanish "31 de diciembre de 2027")."""
    if value is None or value == "":
        return ""
    day = as_date(value)
    base = language.split("-")[0]
    months = _MONTHS.get(base, _MONTHS["en"])
    month = months[day.month - 1]
    if base == "es":
        return f"{day.day} de {month} de {day.year}"
    if base == "fr" and day.day == 1:
        return f"1er {month} {day.year}"
    return f"{day.day} {month} {day.year}"


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
