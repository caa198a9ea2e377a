"""Tolerant reading of messy inventory values: countries, partner types, modalities, areas, roles, dates, names.

Pure functions, no database. Each reader returns ``Read(value, doubt)`` — ``doubt`` says in words why the
value was guessed (a typo corrected, an ambiguous date) — or raises ``Unreadable`` with the reason.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Generic, Literal, TypeVar

import pycountry

from app.organisations.models import OrganisationKind, organisation_name_key, plain_words, registration_key
from app.partnerships.models import PartyRole

T = TypeVar("T")
DateOrder = Literal["auto", "day_first", "month_first"]

__all__ = [
    "COLUMNS",
    "REQUIRED_COLUMNS",
    "DateOrder",
    "Read",
    "Unreadable",
    "area_codes",
    "country_code",
    "email_address",
    "match_headers",
    "modality_stage",
    "organisation_kind",
    "organisation_name_key",
    "parse_date",
    "party_role",
    "registration_key",
    "website_address",
]


class Unreadable(ValueError):
    """A value that cannot be read; the message says why, in words the user can act on."""


@dataclass(frozen=True)
class Read(Generic[T]):
    """A value read from a cell, and why it is doubtful if it was guessed."""

    value: T
    doubt: str | None = None


def _key(value: str) -> str:
    """Lower case, no accents or punctuation, single spaces; British spelling of 'organisation'."""
    return " ".join(plain_words(value)).replace("organization", "organisation").replace("labor", "labour")


def edit_distance(a: str, b: str, limit: int) -> int:
    """Edits (insert, delete, replace, swap two neighbours) from ``a`` to ``b``; ``limit + 1`` once beyond ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return previous[-1]


def _closest(key: str, table: dict[str, T]) -> tuple[str, T] | None:
    """The one entry of ``table`` within a small edit distance of ``key`` (1 for short words, 2 for longer)."""
    if len(key) < 4:
        return None
    limit = 1 if len(key) <= 7 else 2
    best: dict[T, str] = {}
    best_distance = limit + 1
    for candidate, value in table.items():
        if len(candidate) < 4:
            continue
        distance = edit_distance(key, candidate, limit)
        if distance < best_distance:
            best_distance, best = distance, {value: candidate}
        elif distance == best_distance and distance <= limit:
            best.setdefault(value, candidate)
    if best_distance > limit or len(best) != 1:
        return None  # nothing close, or several different answers equally close: no guess
    value, candidate = next(iter(best.items()))
    return candidate, value


# Countries ---------------------------------------------------------------------------------------------------

COUNTRY_VARIANTS = {
    "ivory coast": "CI",
    "cote d ivoire": "CI",
    "cote divoire": "CI",
    "drc": "CD",
    "dr congo": "CD",
    "d r congo": "CD",
    "rdc": "CD",
    "congo dem rep": "CD",
    "congo democratic republic": "CD",
    "democratic republic of congo": "CD",
    "democratic republic of the congo": "CD",
    "congo kinshasa": "CD",
    "republic of congo": "CG",
    "republic of the congo": "CG",
    "congo rep": "CG",
    "congo brazzaville": "CG",
    "uk": "GB",
    "u k": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "royaume uni": "GB",
    "usa": "US",
    "u s a": "US",
    "us": "US",
    "united states": "US",
    "united states of america": "US",
    "america": "US",
    "etats unis": "US",
    "turkiye": "TR",
    "turkey": "TR",
    "russia": "RU",
    "south korea": "KR",
    "korea": "KR",
    "korea rep": "KR",
    "north korea": "KP",
    "iran": "IR",
    "syria": "SY",
    "laos": "LA",
    "lao pdr": "LA",
    "vietnam": "VN",
    "bolivia": "BO",
    "venezuela": "VE",
    "tanzania": "TZ",
    "moldova": "MD",
    "palestine": "PS",
    "state of palestine": "PS",
    "opt": "PS",
    "occupied palestinian territory": "PS",
    "czech republic": "CZ",
    "swaziland": "SZ",
    "burma": "MM",
    "cape verde": "CV",
    "the gambia": "GM",
    "gambia the": "GM",
    "macedonia": "MK",
    "holland": "NL",
    "the netherlands": "NL",
    "uae": "AE",
    "emirates": "AE",
    "micronesia": "FM",
    "vatican": "VA",
    "brunei": "BN",
    "maroc": "MA",
    "tunisie": "TN",
    "algerie": "DZ",
    "mauritanie": "MR",
    "tchad": "TD",
    "cameroun": "CM",
    "guinee": "GN",
    "allemagne": "DE",
    "espagne": "ES",
    "suisse": "CH",
    "belgique": "BE",
    "egypte": "EG",
    "ethiopie": "ET",
    "libye": "LY",
    "irak": "IQ",
    "liban": "LB",
    "jordanie": "JO",
    "somalie": "SO",
    "soudan": "SD",
    "italie": "IT",
    "grece": "GR",
}


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    names: dict[str, str] = {}
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            value = getattr(country, attribute, None)
            if value:
                names[_key(value)] = country.alpha_2
                # "Congo, The Democratic Republic of the" is also written without its inverted part.
                if "," in value:
                    head, tail = value.split(",", 1)
                    names[_key(f"{tail} {head}")] = country.alpha_2
                    names.setdefault(_key(head), country.alpha_2)
    names.update(COUNTRY_VARIANTS)
    return names


@lru_cache(maxsize=4096)
def country_code(value: str) -> Read[str]:
    """An ISO 3166-1 alpha-2 code from a code (KE, KEN) or a name in several spellings; a close typo is doubtful."""
    text = value.strip()
    if not text:
        raise Unreadable("the country is missing")
    key = _key(text)
    if len(text) == 2 and text.isalpha():
        found = pycountry.countries.get(alpha_2=text.upper())
        if found is not None:
            return Read(found.alpha_2)
    if len(text) == 3 and text.isalpha() and key not in COUNTRY_VARIANTS:
        found = pycountry.countries.get(alpha_3=text.upper())
        if found is not None:
            return Read(found.alpha_2)
    names = _country_names()
    if key in names:
        return Read(names[key])
    close = _closest(key, names)
    if close is not None:
        _candidate, code = close
        return Read(code, f"country {text!r} is not a known name; read as {_country_label(code)} ({code})")
    raise Unreadable(f"unknown country {text!r}: give an ISO code (e.g. KE) or the country's name")


def _country_label(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or country.name if country else code


# Partner types ------------------------------------------------------------------------------------------------

KIND_WORDS: dict[str, OrganisationKind] = {
    **{_key(kind.value): kind for kind in OrganisationKind},
    "international ngo": OrganisationKind.INTERNATIONAL_CSO,
    "ingo": OrganisationKind.INTERNATIONAL_CSO,
    "international cso": OrganisationKind.INTERNATIONAL_CSO,
    "international non governmental organisation": OrganisationKind.INTERNATIONAL_CSO,
    "international civil society organisation": OrganisationKind.INTERNATIONAL_CSO,
    "ngo": OrganisationKind.NATIONAL_CSO,
    "nngo": OrganisationKind.NATIONAL_CSO,
    "national ngo": OrganisationKind.NATIONAL_CSO,
    "local ngo": OrganisationKind.NATIONAL_CSO,
    "cso": OrganisationKind.NATIONAL_CSO,
    "national cso": OrganisationKind.NATIONAL_CSO,
    "civil society": OrganisationKind.NATIONAL_CSO,
    "civil society organisation": OrganisationKind.NATIONAL_CSO,
    "non governmental organisation": OrganisationKind.NATIONAL_CSO,
    "ong": OrganisationKind.NATIONAL_CSO,
    "association": OrganisationKind.NATIONAL_CSO,
    "cbo": OrganisationKind.COMMUNITY_BASED,
    "community based": OrganisationKind.COMMUNITY_BASED,
    "community based organisation": OrganisationKind.COMMUNITY_BASED,
    "community group": OrganisationKind.COMMUNITY_BASED,
    "community organisation": OrganisationKind.COMMUNITY_BASED,
    "grassroots": OrganisationKind.COMMUNITY_BASED,
    "igo": OrganisationKind.INTERGOVERNMENTAL,
    "intergovernmental": OrganisationKind.INTERGOVERNMENTAL,
    "intergovernmental organisation": OrganisationKind.INTERGOVERNMENTAL,
    "inter governmental": OrganisationKind.INTERGOVERNMENTAL,
    "regional": OrganisationKind.REGIONAL,
    "regional organisation": OrganisationKind.REGIONAL,
    "regional body": OrganisationKind.REGIONAL,
    "regional economic community": OrganisationKind.REGIONAL,
    "rec": OrganisationKind.REGIONAL,
    "university": OrganisationKind.ACADEMIC,
    "academic": OrganisationKind.ACADEMIC,
    "academia": OrganisationKind.ACADEMIC,
    "academic institution": OrganisationKind.ACADEMIC,
    "research institute": OrganisationKind.ACADEMIC,
    "college": OrganisationKind.ACADEMIC,
    "think tank": OrganisationKind.THINK_TANK,
    "thinktank": OrganisationKind.THINK_TANK,
    "policy institute": OrganisationKind.THINK_TANK,
    "private sector": OrganisationKind.PRIVATE_SECTOR,
    "private": OrganisationKind.PRIVATE_SECTOR,
    "company": OrganisationKind.PRIVATE_SECTOR,
    "business": OrganisationKind.PRIVATE_SECTOR,
    "corporate": OrganisationKind.PRIVATE_SECTOR,
    "enterprise": OrganisationKind.PRIVATE_SECTOR,
    "government": OrganisationKind.GOVERNMENT,
    "govt": OrganisationKind.GOVERNMENT,
    "gov": OrganisationKind.GOVERNMENT,
    "ministry": OrganisationKind.GOVERNMENT,
    "public authority": OrganisationKind.GOVERNMENT,
    "local authority": OrganisationKind.GOVERNMENT,
    "municipality": OrganisationKind.GOVERNMENT,
    "un": OrganisationKind.UN_AGENCY,
    "un agency": OrganisationKind.UN_AGENCY,
    "un entity": OrganisationKind.UN_AGENCY,
    "united nations": OrganisationKind.UN_AGENCY,
    "united nations agency": OrganisationKind.UN_AGENCY,
    "other": OrganisationKind.OTHER,
}


@lru_cache(maxsize=1024)
def organisation_kind(value: str) -> Read[OrganisationKind]:
    """The kind of partner from words such as "NGO", "INGO", "University", "UN agency"; a close typo is doubtful."""
    text = value.strip()
    if not text:
        raise Unreadable("the partner type is missing")
    key = _key(text)
    if key in KIND_WORDS:
        return Read(KIND_WORDS[key])
    close = _closest(key, KIND_WORDS)
    if close is not None:
        return Read(close[1], f"partner type {text!r} read as {close[1].value}")
    known = ", ".join(kind.value for kind in OrganisationKind)
    raise Unreadable(f"unknown partner type {text!r}; use one of: {known} (or NGO, INGO, CBO, university, …)")


# Modalities ---------------------------------------------------------------------------------------------------

MODALITY_WORDS = {
    "mou": "formal",
    "m o u": "formal",
    "memorandum": "formal",
    "memorandum of understanding": "formal",
    "agreement": "formal",
    "signed agreement": "formal",
    "contract": "formal",
    "contractual": "formal",
    "formal": "formal",
    "signed": "formal",
    "informal": "informal",
    "informal agreement": "informal",
    "verbal": "informal",
    "verbal agreement": "informal",
    "letter of intent": "informal",
    "loi": "informal",
    "in principle": "informal",
    "agreement in principle": "informal",
    "undertaking": "informal",
    "ad hoc": "ad_hoc",
    "adhoc": "ad_hoc",
    "ad hoc interaction": "ad_hoc",
    "event": "ad_hoc",
    "one off": "ad_hoc",
    "oneoff": "ad_hoc",
    "meeting": "ad_hoc",
    "negotiating": "formalising",
    "in negotiation": "formalising",
    "under negotiation": "formalising",
    "formalising": "formalising",
    "formalizing": "formalising",
    "drafting": "formalising",
    "mou in preparation": "formalising",
}


@lru_cache(maxsize=512)
def modality_stage(value: str) -> Read[str]:
    """The stage a modality word names: formal, informal, formalising or ad_hoc (empty means ad hoc)."""
    text = value.strip()
    if not text:
        return Read("ad_hoc")
    key = _key(text)
    if key in MODALITY_WORDS:
        return Read(MODALITY_WORDS[key])
    close = _closest(key, MODALITY_WORDS)
    if close is not None:
        return Read(close[1], f"modality {text!r} read as {close[1]}")
    raise Unreadable(
        f"unknown modality {text!r}; use MoU/agreement/formal, informal/verbal/letter of intent, "
        "ad hoc/event/one-off, or negotiating"
    )


# Areas of engagement ------------------------------------------------------------------------------------------

AREA_WORDS = {
    "counter_trafficking": [
        "ct",
        "counter trafficking",
        "anti trafficking",
        "trafficking",
        "human trafficking",
        "victims of trafficking",
        "vot",
        "counter trafficking and assistance to victims of trafficking",
    ],
    "assisted_voluntary_return": [
        "avr",
        "avrr",
        "assisted voluntary return",
        "assisted voluntary return and reintegration",
        "voluntary return",
        "return",
        "return and reintegration",
        "reintegration",
    ],
    "education_training": [
        "education",
        "training",
        "capacity building",
        "capacity development",
        "education and training",
        "education training and capacity building",
    ],
    "migrant_health": ["health", "migrant health", "migration health", "mhpss", "mental health"],
    "awareness_raising": [
        "awareness",
        "awareness raising",
        "public information",
        "information campaigns",
        "awareness raising and public information",
        "outreach",
    ],
    "migrants_rights": [
        "rights",
        "migrant rights",
        "migrants rights",
        "protection",
        "protection of migrants rights",
        "human rights",
    ],
    "labour_migration": ["labour", "labour migration", "employment", "recruitment", "labour mobility"],
    "humanitarian": [
        "humanitarian",
        "humanitarian activities",
        "drr",
        "disaster risk reduction",
        "disaster preparedness",
        "emergency",
        "emergency response",
        "cccm",
        "camp management",
        "camp coordination and camp management",
        "community stabilisation",
        "community stabilization",
    ],
    "community_development": [
        "community development",
        "livelihoods",
        "income generation",
        "infrastructure",
        "development",
    ],
    "research_data": [
        "research",
        "data",
        "data collection",
        "research and data",
        "research data collection and information dissemination",
        "dtm",
        "studies",
    ],
    "policy_dialogue": [
        "policy",
        "policy dialogue",
        "dialogue",
        "migration policy dialogue",
        "thematic consultations",
        "migration policy dialogue and thematic consultations",
        "governance",
    ],
    "resettlement_integration": [
        "resettlement",
        "integration",
        "migrant integration",
        "resettlement and migrant integration",
        "social cohesion",
        "inclusion",
    ],
}
AREA_SYNONYMS = {_key(word): code for code, words in AREA_WORDS.items() for word in [code, *words]}
_AREA_SEPARATORS = re.compile(r"[;,|/\n]+")


@lru_cache(maxsize=4096)
def area_codes(value: str) -> Read[tuple[str, ...]]:
    """Area codes from names, codes or synonyms separated by ``;`` or ``,`` ("AVRR; CT" → two areas).

    Unknown words are left out and make the result doubtful; close typos are read and doubtful.
    """
    codes: list[str] = []
    doubts: list[str] = []
    for part in _AREA_SEPARATORS.split(value):
        text = part.strip()
        if not text:
            continue
        key = _key(text)
        code = AREA_SYNONYMS.get(key)
        if code is None:
            close = _closest(key, AREA_SYNONYMS)
            if close is not None:
                code = close[1]
                doubts.append(f"area {text!r} read as {code}")
            else:
                doubts.append(f"unknown area of engagement {text!r} left out")
                continue
        if code not in codes:
            codes.append(code)
    return Read(tuple(codes), "; ".join(doubts) or None)


# Roles --------------------------------------------------------------------------------------------------------

ROLE_WORDS = {
    **{_key(role.value): role for role in PartyRole},
    "lead": PartyRole.LEAD_PARTNER,
    "lead partner": PartyRole.LEAD_PARTNER,
    "main partner": PartyRole.LEAD_PARTNER,
    "partner": PartyRole.CO_PARTNER,
    "co partner": PartyRole.CO_PARTNER,
    "copartner": PartyRole.CO_PARTNER,
    "co": PartyRole.CO_PARTNER,
    "implementing": PartyRole.IMPLEMENTING_PARTNER,
    "implementing partner": PartyRole.IMPLEMENTING_PARTNER,
    "ip": PartyRole.IMPLEMENTING_PARTNER,
    "donor": PartyRole.DONOR,
    "funder": PartyRole.DONOR,
    "observer": PartyRole.OBSERVER,
}


@lru_cache(maxsize=256)
def party_role(value: str) -> Read[PartyRole | None]:
    """The part a party plays ("lead", "implementing partner", "donor"…); empty means "decide from context"."""
    text = value.strip()
    if not text:
        return Read(None)
    key = _key(text)
    if key in ROLE_WORDS:
        return Read(ROLE_WORDS[key])
    close = _closest(key, ROLE_WORDS)
    if close is not None:
        return Read(close[1], f"role {text!r} read as {close[1].value}")
    known = ", ".join(role.value for role in PartyRole)
    raise Unreadable(f"unknown role {text!r}; use one of: {known}")


# Dates --------------------------------------------------------------------------------------------------------

EXCEL_EPOCH = date(1899, 12, 30)
ENGLISH_MONTHS = "january february march april may june july august september october november december"
FRENCH_MONTHS = "janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre"
MONTHS = {
    **{name: number for number, name in enumerate(ENGLISH_MONTHS.split(), start=1)},
    **{name: number for number, name in enumerate(FRENCH_MONTHS.split(), start=1)},
    "sept": 9,
}
_ISO = re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?[ \-/.]+([a-z]+)\.?,?[ \-/.]+(\d{2}|\d{4})$")
_MONTH_DAY_YEAR = re.compile(r"^([a-z]+)\.?[ \-/.]+(\d{1,2})(?:st|nd|rd|th)?,?[ \-/.]+(\d{4})$")


def _month(word: str) -> int | None:
    word = word.lower()
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
        raise Unreadable(f"{original!r} is not a date (no such day)") from None


def _from_serial(number: float, original: str) -> date:
    if not 1 <= number < 2958466:  # Excel's own range: 1900-01-01 to 9999-12-31
        raise Unreadable(f"{original!r} is not a date")
    return EXCEL_EPOCH + timedelta(days=int(number))


def parse_date(value: Any, order: DateOrder = "auto") -> Read[date | None]:
    """A calendar date from ISO text, d/m/y or m/d/y, month names, an Excel serial number or a real date cell.

    A numeric date that reads both ways (03/04/2026) is read day first and doubtful, unless ``order`` decides.
    """
    if value is None:
        return Read(None)
    if isinstance(value, datetime):
        return Read(value.date())
    if isinstance(value, date):
        return Read(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return Read(_from_serial(float(value), str(value)))
    text = str(value).strip()
    if not text:
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
            f"ambiguous date {text!r}: read as {day_first:%d %B %Y} (day first); "
            "use --day-first or --month-first (API: date_order=day_first or month_first) to decide",
        )
    if found := _DAY_MONTH_YEAR.match(lowered):
        month = _month(found[2])
        if month is not None:
            return Read(_make(_year(found[3]), month, int(found[1]), text))
    if found := _MONTH_DAY_YEAR.match(lowered):
        month = _month(found[1])
        if month is not None:
            return Read(_make(int(found[3]), month, int(found[2]), text))
    raise Unreadable(f"{text!r} is not a date: write it as 2026-12-31, 31/12/2026 or 31 Dec 2026")


# Contacts and addresses ---------------------------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")


def email_address(value: str) -> Read[str | None]:
    """An email address in lower case, or ``None`` (and a doubt) when it is not one."""
    text = value.strip().removeprefix("mailto:").strip()
    if not text:
        return Read(None)
    if len(text) > 254 or not _EMAIL.match(text):
        return Read(None, f"{text!r} is not an email address; left out")
    return Read(text.lower())


def website_address(value: str) -> Read[str | None]:
    """A web address with its scheme (``www.x.org`` → ``https://www.x.org``), or ``None`` and a doubt."""
    text = value.strip()
    if not text:
        return Read(None)
    if not text.lower().startswith(("http://", "https://")):
        text = f"https://{text}"
    host = text.split("//", 1)[1].split("/", 1)[0]
    if len(text) > 500 or " " in text or "." not in host:
        return Read(None, f"{value.strip()!r} is not a web address; left out")
    return Read(text)


# Headers ------------------------------------------------------------------------------------------------------

COLUMNS: dict[str, tuple[str, ...]] = {
    "organisation_ref": ("organisation ref", "org ref", "organisation id", "org id", "partner id", "partner ref",
                         "organisation reference", "external id", "ref organisation"),
    "organisation_name": ("organisation name", "organisation", "name", "legal name", "partner", "partner name",
                          "org name", "nom", "nom de l organisation", "organisme"),
    "acronym": ("acronym", "short name", "abbreviation", "sigle"),
    "partner_type": ("partner type", "kind", "type", "organisation type", "category", "type de partenaire",
                     "partner category"),
    "country": ("country", "country code", "pays", "iso", "iso2", "country name", "country iso"),
    "region": ("region", "sub region"),
    "registration_number": ("registration number", "registration no", "reg no", "registration", "reg number",
                            "registration id", "numero d enregistrement"),
    "website": ("website", "web", "url", "site web", "web site", "site"),
    "email": ("email", "e mail", "organisation email", "org email", "general email"),
    "contact_name": ("contact name", "contact", "focal point", "contact person", "focal point name"),
    "contact_email": ("contact email", "focal point email", "contact e mail"),
    "areas": ("areas", "area", "areas of engagement", "area of engagement", "thematic areas", "sectors", "themes",
              "domaines"),
    "partnership_ref": ("partnership ref", "partnership id", "partnership reference", "agreement ref"),
    "partnership_title": ("partnership title", "partnership", "title", "partnership name", "titre"),
    "modality": ("modality", "stage", "partnership type", "modalite", "type of partnership"),
    "role": ("role", "party role", "partner role"),
    "start_date": ("start date", "start", "from", "date start", "date de debut", "starts"),
    "end_date": ("end date", "end", "to", "date end", "until", "date de fin", "expiry date", "ends"),
    "owner_email": ("owner email", "owner", "project manager", "manager email", "project manager email"),
    "notes": ("notes", "note", "comments", "remarks", "observations"),
}  # fmt: skip
REQUIRED_COLUMNS = ("organisation_name", "country", "partner_type")
_HEADER_WORDS = {_key(alias): column for column, aliases in COLUMNS.items() for alias in (column, *aliases)}


def match_headers(headers: list[str]) -> tuple[dict[int, str], list[str], list[str]]:
    """Map header cells to columns: ``(index → column, missing required columns, ignored headers)``.

    Matching ignores case, accents, spaces and punctuation; the first cell naming a column wins.
    """
    mapping: dict[int, str] = {}
    ignored: list[str] = []
    for index, header in enumerate(headers):
        column = _HEADER_WORDS.get(_key(str(header or "")))
        if column is None or column in mapping.values():
            if str(header or "").strip():
                ignored.append(str(header).strip())
            continue
        mapping[index] = column
    missing = [column for column in REQUIRED_COLUMNS if column not in mapping.values()]
    return mapping, missing, ignored
