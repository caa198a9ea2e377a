"""Guessing the field a header names: exactly, by alias, by meaning (each word names a concept — "e-mail", "focal
point", "end" — and rules say which concepts make which field), and last by a fuzzy comparison with the aliases
for typos. Pure functions, no database.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from app.imports.header_fields import FIELDS, FUZZY_MARGIN, FUZZY_THRESHOLD, LEXICON, header_key, header_words

# field, the concepts it needs, the concepts it also tolerates (the most specific matching rule wins).
RULES = (
    ("organisation_ref", "ORG ID", "NUMBER"),
    ("organisation_ref", "ORG NUMBER", ""),
    ("organisation_ref", "ID", "NUMBER"),
    ("organisation_name", "ORG", "NAME"),
    ("organisation_name", "NAME", ""),
    ("acronym", "ACRONYM", "ORG NAME"),
    ("acronym", "NAME SHORT", "ORG"),
    ("partner_type", "TYPE", "ORG"),
    ("country", "COUNTRY", "ORG ID NAME REG NUMBER AREA"),
    ("region", "REGION", "ORG AREA NAME"),
    ("registration_number", "REG", "NUMBER ID ORG"),
    ("website", "WEB", "ORG ADDR"),
    ("email", "EMAIL", "ORG ADDR"),
    ("contact_email", "EMAIL CONTACT", "ORG ADDR"),
    ("contact_phone", "PHONE", "CONTACT ORG NUMBER"),
    ("contact_phone", "CONTACT NUMBER", "PHONE"),
    ("contact_name", "CONTACT", "NAME ORG"),
    ("areas", "AREA", "DEAL ORG PROJECT ENGAGE"),
    ("partnership_ref", "DEAL ID", "NUMBER PROJECT"),
    ("partnership_ref", "DEAL NUMBER", "PROJECT"),
    ("partnership_ref", "PROJECT ID", "NUMBER"),
    ("partnership_ref", "PROJECT NUMBER", ""),
    ("partnership_title", "TITLE", "DEAL PROJECT NAME"),
    ("partnership_title", "DEAL NAME", "PROJECT"),
    ("partnership_title", "PROJECT", "NAME"),
    ("modality", "MODALITY", "DEAL ORG ENGAGE"),
    ("modality", "TYPE ENGAGE", "DEAL"),
    ("modality", "TYPE DEAL", "MODALITY"),
    ("role", "ROLE", "ORG DEAL"),
    ("start_date", "START", "DATE DEAL VALID PROJECT"),
    ("end_date", "END", "DATE DEAL VALID PROJECT"),
    ("signed_date", "SIGN", "DATE DEAL"),
    ("notice_period", "NOTICE", "PERIOD DEAL END"),
    ("owner_email", "OWNER", "EMAIL NAME PROJECT DEAL CONTACT ORG"),
    ("owner_email", "CONTACT INTERNAL", "EMAIL NAME"),
    ("notes", "NOTE", "DEAL ORG"),
)
RULE_TABLE = tuple(
    (name, frozenset(needed.split()), frozenset(needed.split()) | frozenset(tolerated.split()))
    for name, needed, tolerated in RULES
)

MAX_HEADER_WORDS = 10
MAX_HEADER_CHARS = 120


@lru_cache(maxsize=4096)
def closest_word(word: str) -> str | None:
    """The concept of the lexicon words a typo is closest to (1 edit, 2 for long words), if they agree on one."""
    if len(word) < 5 or word.isdigit():
        return None
    limit = 1 if len(word) <= 9 else 2
    best, concepts = limit + 1, set()
    for known, concept in LEXICON.items():
        if len(known) < 4 or known[0] != word[0]:  # typos seldom touch the first letter: "pending" is not "ending"
            continue
        distance = OSA.distance(word, known, score_cutoff=limit)
        if distance < best:
            best, concepts = distance, {concept}
        elif distance == best:
            concepts.add(concept)
    return concepts.pop() if best <= limit and len(concepts) == 1 else None


def field_by_meaning(words: tuple[str, ...]) -> tuple[str, int] | None:
    concepts: list[str] = []
    unknown = corrected = 0
    for word in words:
        concept = LEXICON.get(word)
        if concept is None:
            concept = closest_word(word)
            corrected += concept is not None
        if concept is None:
            unknown += 1
        else:
            concepts.append(concept)
    said = frozenset(concepts)
    if not said or "OTHER" in said or unknown > (2 if len(concepts) >= 3 else 1):
        return None
    matching = [(len(needed), name) for name, needed, allowed in RULE_TABLE if needed <= said <= allowed]
    if not matching:
        return None
    specificity, name = max(matching, key=lambda found: found[0])  # max() keeps the first of equals
    return name, min(85, 60 + 6 * specificity + 2 * len(concepts) - 8 * unknown - 3 * corrected)


# Exact, alias and fuzzy tables ---------------------------------------------------------------------------------


def _tables() -> tuple[dict[str, str], dict[str, str], list[tuple[str, str]]]:
    exact: dict[str, str] = {}
    alias: dict[str, str] = {}
    for spec in FIELDS.values():
        for text in (spec.name, spec.label):
            exact[header_key(text)] = spec.name
    for spec in FIELDS.values():
        for text in spec.aliases:
            alias.setdefault(header_key(text), spec.name)
    corpus = [(key, name) for table in (exact, alias) for key, name in table.items()]
    return exact, alias, corpus


EXACT_NAMES, ALIAS_NAMES, ALIAS_CORPUS = _tables()


def fuzzy_field(key: str) -> tuple[str, int] | None:
    best: dict[str, float] = {}
    for known, name in ALIAS_CORPUS:
        score = max(fuzz.ratio(key, known), fuzz.token_sort_ratio(key, known))
        if score > best.get(name, 0):
            best[name] = score
    ranked = sorted(best.items(), key=lambda item: -item[1])
    if not ranked or ranked[0][1] < FUZZY_THRESHOLD:
        return None
    if len(ranked) > 1 and ranked[0][1] - ranked[1][1] < FUZZY_MARGIN:
        return None  # two fields equally close: no guess
    return ranked[0][0], int(ranked[0][1] * 0.8)


_BRACKETED = re.compile(r"\([^)]*\)|\[[^\]]*\]")


@lru_cache(maxsize=4096)
def guess_field(header: str) -> tuple[str, str, int] | None:
    """The field a header names, how it was found and a score (higher is surer), or ``None``.

    A header that names nothing is tried again without its brackets: "Role (lead, implementing, donor)".
    """
    found = guess_field_by_words(header)
    if found is None and _BRACKETED.search(header):
        found = guess_field_by_words(_BRACKETED.sub(" ", header))
    return found


def guess_field_by_words(header: str) -> tuple[str, str, int] | None:
    if not header or len(header) > MAX_HEADER_CHARS or "@" in header or "://" in header:
        return None
    words = header_words(header)
    if not words or len(words) > MAX_HEADER_WORDS:
        return None
    key = " ".join(words)
    if key in EXACT_NAMES:
        return EXACT_NAMES[key], "exact", 100
    if key in ALIAS_NAMES:
        return ALIAS_NAMES[key], "alias", 90 + min(len(words), 5)
    found = field_by_meaning(words) or fuzzy_field(key)
    return (found[0], "meaning", found[1]) if found else None
