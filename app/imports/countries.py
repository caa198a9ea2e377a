"""Reading a country cell: ISO codes and names from pycountry and Babel (English, French, Spanish and native
names), with the vocabulary's short and political names, regions and titles.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry
from babel import Locale, localedata
from rapidfuzz import fuzz, process

from app.i18n import MESSAGES
from app.imports import vocabulary as vocab
from app.imports.phrase_tables import Found, PhraseTable, match_phrase, says_nothing
from app.imports.phrases import Phrase, split_words
from app.imports.reading import Read, Unreadable, cached_reader


def _native_names() -> dict[str, set[str]]:
    """Each country's name in its own languages, from every Babel locale tied to a country (de_CH → Schweiz)."""
    names: dict[str, set[str]] = {}
    for identifier in localedata.locale_identifiers():
        parts = identifier.split("_")
        territory = parts[-1]
        if len(parts) < 2 or len(territory) != 2 or not territory.isupper():
            continue
        for source in dict.fromkeys("_".join(parts[:index]) for index in range(len(parts), 0, -1)):
            name = localedata.load(source, merge_inherited=False).get("territories", {}).get(territory)
            if name:
                names.setdefault(territory, set()).add(name)
                break
    return names


@lru_cache(maxsize=1)
def _countries() -> PhraseTable[str]:
    """Every country's names: pycountry's and Babel's English ones (canonical), French, Spanish, variants, native."""
    rows: list[tuple[str, str, bool, int]] = []
    english = _english_names()
    for country in pycountry.countries:
        code = country.alpha_2
        if code in english:
            rows.append((english[code], code, True, 0))
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                rows.append((name, code, True, 0))
                if "," in name:  # "Tanzania, United Republic of" is also written "Tanzania"
                    rows.append((name.split(",", 1)[0], code, False, 2))
        rows.append((country.alpha_3, code, True, 0))
    codes = {code for _name, code, _canonical, _level in rows}
    for language in ("fr", "es"):
        rows += [(name, code, False, 1) for code, name in Locale.parse(language).territories.items() if code in codes]
    rows += [(name, code, False, 1) for code, names in vocab.COUNTRY_VARIANTS.items() for name in names]
    rows += [(name, code, False, 3) for code, names in _native_names().items() if code in codes for name in names]
    return PhraseTable(rows, vocab.COUNTRY_AXES, vocab.STOPWORDS | vocab.COUNTRY_ARTICLES)


@lru_cache(maxsize=1)
def _regions() -> frozenset[str]:
    """Babel's names of regions and territories that have no ISO 3166-1 code ("East Africa", "Europe", "Kosovo")."""
    codes = {country.alpha_2 for country in pycountry.countries}
    names = [name for language in ("en", "fr", "es") for code, name in Locale.parse(language).territories.items()
             if code not in codes]  # fmt: skip
    return frozenset(" ".join(split_words(name)) for name in [*names, *vocab.REGIONS])


@lru_cache(maxsize=1)
def _english_names() -> dict[str, str]:
    return dict(Locale.parse("en").territories)


def _country_label(code: str) -> str:
    """The country's English name as Babel writes it ("South Korea"), for messages."""
    return _english_names().get(code) or code


_COARSE_PARTS = re.compile(r"[()\[\]{}/|;,:]+|\s[-\u2013\u2014]+\s")  # hyphen, en and em dash
_FINE_PARTS = re.compile(r"[()\[\]{}/|;,:\-\u2013\u2014]+")


@lru_cache(maxsize=1)
def _titles() -> list[tuple[str, ...]]:
    stop = vocab.STOPWORDS | vocab.COUNTRY_ARTICLES
    return [tuple(word for word in split_words(title) if word not in stop) for title in vocab.COUNTRY_TITLES]


def _without_title(table: PhraseTable[str], words: list[str]) -> list[str]:
    """The countries named once a title is dropped ("Republic of Kenya", "Kenya, Republic of", "Reino de España")."""
    for title in _titles():
        size = len(title)
        if len(words) <= size:
            continue
        for rest in (
            words[size:] if tuple(words[:size]) == title else [],
            words[:-size] if tuple(words[-size:]) == title else [],
        ):
            values = table.exact(table.read(" ".join(rest)))[0] if rest else []
            if values:
                return values
    return []


def _country_named(text: str) -> Found[str] | None:
    """The country a cell names by code or name (any order of words, with or without a title), without guessing."""
    raw = text.strip()
    if re.fullmatch(r"[A-Za-z]{2}", raw) and (country := pycountry.countries.get(alpha_2=raw.upper())):
        return Found(country.alpha_2, True)
    table = _countries()
    read = table.read(raw)
    values, canonical = table.exact(read)
    if not values:
        values, canonical = _without_title(table, read.key.split()), False
    if not values:  # "Dominican Rep.", "Central African Rep.", "Solomon Is."
        expanded = [vocab.COUNTRY_ABBREVIATIONS.get(word, word) for word in read.words]
        if expanded != list(read.words):
            again = table.read(" ".join(expanded))
            values = table.exact(again)[0] or _without_title(table, again.key.split())
    if len(values) > 1:
        choices = " or ".join(f"{_country_label(code)} ({code})" for code in values)
        raise Unreadable(
            MESSAGES.gettext(
                "country {text} could be {choices}; write the country's ISO code", text=repr(text), choices=choices
            )
        )
    return Found(values[0], canonical) if values else None


def _country_in_parts(text: str) -> str | None:
    """The country of a cell giving it twice, as a code and a name that agree: "Kenya (KE)", "KE - Kenya"."""
    for pattern in (_COARSE_PARTS, _FINE_PARTS):
        parts = [part.strip() for part in pattern.split(text) if part.strip()]
        if len(parts) < 2:
            continue
        try:
            found = [_country_named(part) for part in parts]
        except Unreadable:
            continue
        codes = list(dict.fromkeys(each.value for each in found if each is not None))
        if len(codes) > 1:
            named = [f"{_country_label(code)} ({code})" for code in codes]
            listed = f"{', '.join(named[:-1])} and {named[-1]}"
            raise Unreadable(
                MESSAGES.gettext(
                    "country {text} names {len} countries, {listed}; write one",
                    text=repr(text),
                    len=len(codes),
                    listed=listed,
                )
            )
        if codes and None not in found:
            return codes[0]
    return None


def _country_suggestions(table: PhraseTable[str], read: Phrase) -> list[str]:
    hits = process.extract(read.key, table.near_keys, scorer=fuzz.WRatio, score_cutoff=80, limit=40)
    entries = (entry for key, _score, _ in hits for entry in table.by_key[key])
    codes = dict.fromkeys(entry.value for entry in entries if entry.markers <= read.markers)
    return list(codes)[:3]


@lru_cache(maxsize=1)
def _country_short_names() -> dict[str, tuple[str, str]]:
    return {" ".join(split_words(name)): reading for name, reading in vocab.COUNTRY_SHORT_NAMES.items()}


@lru_cache(maxsize=1)
def _countries_without_code() -> dict[str, tuple[str, str | None]]:
    """Each name of a country without an ISO 3166-1 code → the country, and its code if pycountry has one."""
    names: dict[str, tuple[str, str | None]] = {}
    for country, written in vocab.COUNTRIES_WITHOUT_CODE.items():
        codes = [name for name in written if len(name) == 2 and name.isupper()]
        listed = next((found.alpha_2 for code in codes if (found := pycountry.countries.get(alpha_2=code))), None)
        names.update({" ".join(split_words(name)): (country, listed) for name in written})
    return names


def _country_without_code(text: str) -> Read[str] | None:
    """Kosovo ("Kosovo", "Kosovo*", "XK", "XKX"): read if pycountry lists it, else refused with the reason."""
    words = [word for word in split_words(text) if word not in vocab.COUNTRY_ARTICLES]
    known = _countries_without_code()
    hit = known.get(" ".join(words)) or (known.get(words[0]) if words and len(words[0]) > 3 else None)
    if hit is None:
        return None
    country, code = hit
    if code is not None:
        return Read(code, None, False)
    raise Unreadable(
        MESSAGES.gettext(
            "country {text}: {country} has no ISO 3166-1 code in this product's list of countries, "
            "so it cannot be recorded as a country",
            text=repr(text),
            country=country,
        )
    )


@cached_reader(8192)
def country_code(value: str) -> Read[str]:
    """An ISO 3166-1 alpha-2 code from a code (KE, KEN) or a name in English, French, Spanish or the country's own
    languages, short forms included; a clear typo is read and doubtful, anything else refused with suggestions.

    A name two countries share ("Congo", "Korea") is read as the one usually meant, and doubtful.
    """
    text = value.strip()
    if says_nothing(text) and not re.fullmatch(r"[A-Za-z]{2}", text):  # "NA" is Namibia's code
        raise Unreadable(MESSAGES.gettext("the country is missing"))
    short = _country_short_names().get(" ".join(w for w in split_words(text) if w not in vocab.COUNTRY_ARTICLES))
    if short is not None:
        return Read(short[0], short[1], False)
    unlisted = _country_without_code(text)
    if unlisted is not None:
        return unlisted
    found = _country_named(text)
    if found is not None:
        return Read(found.value, None, found.exact)
    code = _country_in_parts(text)
    if code is not None:
        return Read(code, None, False)
    table = _countries()
    near = match_phrase(table, text, "country", "the country's name or ISO code")
    if isinstance(near, Found):
        doubt = MESSAGES.gettext(
            "country {text} is not a known name; read as {country_label} ({value})",
            text=repr(text),
            country_label=_country_label(near.value),
            value=near.value,
        )
        return Read(near.value, doubt, False)
    if " ".join(split_words(text)) in _regions():
        raise Unreadable(
            MESSAGES.gettext(
                "country {text} is a region or a territory without an ISO country code; write a country",
                text=repr(text),
            )
        )
    suggestions = near or _country_suggestions(table, table.read(text))
    if not suggestions:
        raise Unreadable(
            MESSAGES.gettext(
                "country {text} is not a country; write its name or its ISO code (e.g. KE)", text=repr(text)
            )
        )
    names = [_country_label(code) for code in suggestions]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    raise Unreadable(
        MESSAGES.gettext("country {text} is not a country — did you mean {listed}?", text=repr(text), listed=listed)
    )
