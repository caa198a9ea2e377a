"""Languages: which one a person or a document is in, its gettext catalogs, and facts written the reader's way.

English is the source language of every message; French and Spanish come from the catalogs under ``app/locale``
(``<language>/LC_MESSAGES/<domain>.po``, compiled to ``.mo``). Each part of the product has its own domain so its
catalog is extracted from its own files (see ``app/locale/<domain>.cfg`` and :mod:`app.i18n.catalogs`):

- ``web``: pages (``app/web``), flashes and page words;
- ``mail``: e-mail templates, subjects and calendar entries;
- ``documents``: the words a rendered agreement prints around its clauses (tables, headers, footers);
- ``reports``: the portfolio report and data-quality words;
- ``messages``: command-line output, problem+json titles and details, service refusals, import reports;
- ``vocab``: workflow state and transition labels, areas, partner kinds, modalities, roles.

The language in use is a context variable: a request, a job or a command sets it with :func:`use_language` and
every ``gettext`` below it reads it, so a service raising a refusal needs no language argument.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from gettext import NullTranslations
from typing import Any

import pycountry
from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.lists import format_list
from babel.support import LazyProxy, Translations
from babel.units import format_unit

from app.resources import data_directory

LANGUAGES: tuple[str, ...] = ("en", "fr", "es")
"""The languages the product speaks, English first (the source language of every message)."""
DEFAULT_LANGUAGE = "en"
DOMAINS: tuple[str, ...] = ("web", "mail", "documents", "reports", "messages", "vocab")

_current: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)


def normalise(language: str | None) -> str:
    """The supported language nearest to ``language`` ("fr-CA" → "fr", "pt" or None → "en")."""
    if not language:
        return DEFAULT_LANGUAGE
    base = language.replace("_", "-").split("-")[0].strip().lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


def is_supported(language: str | None) -> bool:
    """Whether ``language`` (a code like "fr" or "es-MX") is one the product speaks."""
    return bool(language) and language.replace("_", "-").split("-")[0].strip().lower() in LANGUAGES


def negotiate(accept_language: str | None) -> str | None:
    """The supported language an ``Accept-Language`` header prefers most, or None when it names none of them."""
    if not accept_language:
        return None
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept_language.split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0 and tag and tag != "*" and is_supported(tag):
            ranked.append((-quality, position, normalise(tag)))
    return min(ranked)[2] if ranked else None


def current_language() -> str:
    """The language of whatever is being done now (a request, a job, a command)."""
    return _current.get()


@contextmanager
def use_language(language: str | None) -> Iterator[str]:
    """Speak ``language`` (normalised) inside the block; the previous language comes back after it."""
    chosen = normalise(language)
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def set_language(language: str | None) -> str:
    """Speak ``language`` from now on in this context (a request's own context; prefer :func:`use_language`)."""
    chosen = normalise(language)
    _current.set(chosen)
    return chosen


@lru_cache(maxsize=64)
def translations(language: str, domain: str) -> NullTranslations:
    """The compiled catalog of ``domain`` in ``language`` (English, or a missing catalog, translates nothing)."""
    if domain not in DOMAINS:
        raise ValueError(f"unknown message domain {domain!r}; one of: {', '.join(DOMAINS)}")
    if normalise(language) == DEFAULT_LANGUAGE:
        return NullTranslations()
    return Translations.load(str(data_directory("locale")), [normalise(language)], domain)


class Domain:
    """The messages of one part of the product: ``WEB.gettext("Sign in")`` in the current language."""

    def __init__(self, name: str) -> None:
        if name not in DOMAINS:
            raise ValueError(f"unknown message domain {name!r}")
        self.name = name

    def gettext(self, message: str, language: str | None = None, /, **values: Any) -> str:
        """``message`` in ``language`` (the current one by default), ``{name}`` fields filled from ``values``."""
        text = translations(language or current_language(), self.name).gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, language: str | None = None, /, **values: Any) -> str:
        """The singular or plural form for ``n`` in ``language``; ``{n}`` and ``values`` filled in."""
        text = translations(language or current_language(), self.name).ngettext(singular, plural, n)
        return text.format(n=n, **values)

    def pgettext(self, context: str, message: str, language: str | None = None, /, **values: Any) -> str:
        """``message`` as meant in ``context`` (the same English word, two meanings), in ``language``."""
        text = translations(language or current_language(), self.name).pgettext(context, message)
        return text.format(**values) if values else text

    def lazy(self, message: str, **values: Any) -> LazyProxy:
        """``message``, translated only when shown (for module-level constants read in many languages)."""
        return LazyProxy(lambda: self.gettext(message, **values), enable_cache=False)

    def jinja_callables(self) -> tuple[Callable[[str], str], Callable[[str, str, int], str]]:
        """``gettext`` and ``ngettext`` for ``Environment.install_gettext_callables(..., newstyle=True)``.

        Jinja fills ``%(name)s`` fields itself, so a template writes ``{{ _("Hello %(name)s", name=user.name) }}``;
        both read the current language on each call, so one environment serves every language.
        """

        def gettext(message: str) -> str:
            return translations(current_language(), self.name).gettext(message)

        def ngettext(singular: str, plural: str, n: int) -> str:
            return translations(current_language(), self.name).ngettext(singular, plural, n)

        return gettext, ngettext


WEB = Domain("web")
MAIL = Domain("mail")
DOCUMENTS = Domain("documents")
REPORTS = Domain("reports")
MESSAGES = Domain("messages")
VOCAB = Domain("vocab")


def record_noun(entity_name: str) -> str:
    """A kind of record named inside a sentence, in the current language ("agreement", "accord", "acuerdo")."""
    nouns = {
        "agreement": MESSAGES.gettext("agreement"),
        "partnership": MESSAGES.gettext("partnership"),
        "organisation": MESSAGES.gettext("organisation"),
        "obligation": MESSAGES.gettext("obligation"),
        "reminder": MESSAGES.gettext("reminder"),
        "user": MESSAGES.gettext("user"),
        "contact": MESSAGES.gettext("contact"),
        "sign-in counter": MESSAGES.gettext("sign-in counter"),
    }
    return nouns.get(entity_name, entity_name)


def _locale(language: str | None) -> Locale:
    chosen = normalise(language or current_language())
    # International English ("31 December 2027"), as the organisation writes it, rather than the US default.
    return Locale.parse("en_001" if chosen == "en" else chosen)


def format_date(value: date | datetime | str | None, format: str = "long", language: str | None = None) -> str:
    """A date the reader's way: "31 December 2027", "31 décembre 2027", "31 de diciembre de 2027" ("" for none)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return babel_dates.format_date(value, format=format, locale=_locale(language))


def format_datetime(
    value: datetime | None, format: str = "medium", language: str | None = None, zone: Any = None
) -> str:
    """A moment the reader's way, in ``zone`` when given ("" for none)."""
    if value is None:
        return ""
    return babel_dates.format_datetime(value, format=format, tzinfo=zone, locale=_locale(language))


def format_number(value: int | float | Decimal | None, language: str | None = None) -> str:
    """A number the reader's way: 1,234.5 / 1 234,5 / 1234,5 ("" for none)."""
    if value is None:
        return ""
    return babel_numbers.format_decimal(value, locale=_locale(language))


def format_percent(value: float | None, language: str | None = None) -> str:
    """A share (0.42) the reader's way: 42%, 42 %."""
    if value is None:
        return ""
    return babel_numbers.format_percent(value, locale=_locale(language))


def format_duration(days: float | None, language: str | None = None) -> str:
    """A length of time as people read it: whole days up to two months, then months, then years and months.

    628.0 → "1 year, 8 months" / "1 an et 8 mois"; 12 → "12 days"; None → "—".
    """
    if days is None:
        return "—"
    locale = _locale(language)
    whole = round(days)
    if whole < 61:
        return format_unit(whole, "duration-day", length="long", locale=locale)
    months = round(whole / 30.4375)
    years, months = divmod(months, 12)
    parts = []
    if years:
        parts.append(format_unit(years, "duration-year", length="long", locale=locale))
    if months or not years:
        parts.append(format_unit(months, "duration-month", length="long", locale=locale))
    return format_list(parts, locale=locale)


def format_relative(until: timedelta | int, language: str | None = None) -> str:
    """How far away a moment is, the reader's way: "in 3 weeks", "dans 3 semaines", "hace 2 días"."""
    delta = timedelta(days=until) if isinstance(until, int) else until
    return babel_dates.format_timedelta(delta, add_direction=True, threshold=1.0, locale=_locale(language))


def country_name(code: str | None, language: str | None = None) -> str:
    """A country's name in the reader's language from its ISO code ("KE" → "Kenya"); the code when unknown."""
    if not code:
        return ""
    upper = code.upper()
    name = _locale(language).territories.get(upper)
    if name:
        return name
    country = pycountry.countries.get(alpha_2=upper)
    return country.name if country else upper


def language_name(code: str, language: str | None = None) -> str:
    """A language's own name in the reader's language ("fr" → "French", "français", "francés")."""
    try:
        return Locale.parse(normalise(code) if is_supported(code) else code).get_display_name(_locale(language)) or code
    except (UnknownLocaleError, ValueError):
        return code


def autonym(code: str) -> str:
    """A language's name in itself, for a language switch ("fr" → "Français")."""
    name = Locale.parse(normalise(code)).get_display_name(Locale.parse(normalise(code))) or code
    return name[:1].upper() + name[1:]
