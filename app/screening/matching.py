"""Fuzzy matching of organisation names against a sanctions list's names and aliases (rapidfuzz).

A name is normalised (transliterated to Latin with anyascii, accents stripped, case folded, punctuation and
legal-form words dropped) and compared with every name of every entry. The name score is the best of
``token_sort_ratio`` and, when both names have two words or more and the shorter has at least half the words of the
longer (the length guard: "Al Qaida" must not match every name that contains it), ``token_set_ratio`` less 30
points times the share of words the shorter lacks. A
one-word name (an acronym) matches only another one-word name, by plain ``ratio``. A weak alias (QUALITY Low)
loses a few points; a shared country adds a few, a country on both sides that differs takes a few away. Every
component is kept so the reviewer reads why a hit scored what it did.

Each name is compared only with the list names that share a word key with it (blocking: first letter and
consonant skeleton, so transliteration variants share it), by ``rapidfuzz.process.extract`` with a cut-off below
the threshold; only those pairs are scored in full (bench/bench_screening.py: 160,000 organisations against
1,000 entries in under a minute on two cores; tests check blocking loses nothing on the labelled names).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from anyascii import anyascii
from rapidfuzz import fuzz, process

DEFAULT_THRESHOLD = 88.0
"""Measured on tests/fixtures/screening/labelled.yaml (bench/bench_screening.py prints precision and recall at
several thresholds): 88 finds every labelled match (recall 1.0) with one false hit in 26 (precision 0.96); 92
loses no match there either but leaves less room for a variant the labels lack, and sanctions screening errs on
the side of a reviewer seeing one more candidate."""

LEGAL_FORMS = frozenset({
    "ltd", "limited", "llc", "llp", "inc", "incorporated", "corp", "corporation", "co", "company", "plc", "gmbh",
    "ag", "sa", "sarl", "sas", "srl", "bv", "nv", "jsc", "ojsc", "pjsc", "cjsc", "ooo", "zao", "oao", "pte", "pvt",
    "fze", "fzco", "est", "establishment",
})  # fmt: skip
"""Legal-form words: they say how a body is registered, not which body it is."""

FILLER_WORDS = frozenset({"the", "of", "and", "for", "al", "el", "ul", "bin", "ibn", "de", "la", "le", "du", "des"})
"""Articles and particles written or left out at will across transliterations ("Al-Haramain", "Haramain")."""

WEAK_ALIAS_PENALTY = 5.0
COUNTRY_BONUS = 4.0
COUNTRY_PENALTY = 6.0
SET_RATIO_MIN_WORDS = 2
SET_RATIO_MIN_SHARE = 0.5
SET_RATIO_MISSING_WORDS = 30.0
_prefilter = fuzz.token_set_ratio
"""Cheap and generous: a pair :func:`name_score` could score high also scores high here (C, cdist)."""


def normalise(name: str) -> str:
    """The comparable form of a name: Latin letters, no accents, case folded, words only, no legal forms."""
    text = unicodedata.normalize("NFKC", name)
    text = anyascii(text)  # Cyrillic, Arabic, Greek, CJK… to Latin letters
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = re.sub(r"(?<=\w)['`](?=\w)", "", text)  # "Ba'ath" is "baath"
    text = re.sub(r"(?<=\b\w)\.(?=\w\b)", "", text)  # "U.N." is "un"
    words = re.findall(r"[a-z0-9]+", text.replace("&", " and "))
    kept = [word for word in words if word not in LEGAL_FORMS and word not in FILLER_WORDS]
    return " ".join(kept or words)


@dataclass(frozen=True)
class ListName:
    """One name of one entry, normalised."""

    entry: int  # index into Matcher.entries
    name: str
    quality: str
    normal: str


@dataclass(frozen=True)
class EntryInfo:
    """What the matcher needs of a list entry."""

    data_id: str
    countries: tuple[str, ...]
    kind: str


@dataclass
class Match:
    """A list entry matching an organisation, with its score and the reasons for it."""

    data_id: str
    score: float
    components: dict[str, Any] = field(default_factory=dict)


def name_score(query: str, candidate: str) -> tuple[float, str]:
    """The score of two normalised names and the method that gave it (see the module's docstring)."""
    if not query or not candidate:
        return 0.0, "none"
    query_words, candidate_words = query.split(), candidate.split()
    if len(query_words) == 1 or len(candidate_words) == 1:
        if len(query_words) == len(candidate_words):
            return float(fuzz.ratio(query, candidate)), "ratio"
        # one word against several: only the words run together ("alqaida" / "al qaida") can be one name
        return float(fuzz.ratio(query.replace(" ", ""), candidate.replace(" ", ""))), "ratio (joined)"
    best, method = float(fuzz.token_sort_ratio(query, candidate)), "token_sort_ratio"
    shorter, longer = sorted((len(query_words), len(candidate_words)))
    if shorter >= SET_RATIO_MIN_WORDS and shorter / longer >= SET_RATIO_MIN_SHARE:
        # a name inside a longer one scores 100 by token_set_ratio: the words the shorter lacks take points away
        set_score = float(fuzz.token_set_ratio(query, candidate)) - (1 - shorter / longer) * SET_RATIO_MISSING_WORDS
        if set_score > best:
            best, method = set_score, "token_set_ratio"
    return best, method


class Matcher:
    """Every name of a list, ready to be compared with organisations' names."""

    def __init__(self, entries: Sequence[tuple[str, Iterable[dict[str, str]], Iterable[str], str]]) -> None:
        self.entries: list[EntryInfo] = []
        self.names: list[ListName] = []
        for index, (data_id, names, countries, kind) in enumerate(entries):
            self.entries.append(EntryInfo(data_id, tuple(countries), kind))
            seen: set[str] = set()
            for item in names:
                normal = normalise(item["name"])
                if normal and normal not in seen:
                    seen.add(normal)
                    self.names.append(ListName(index, item["name"], item.get("quality", ""), normal))
        self.normals = [name.normal for name in self.names]
        self.blocks: dict[str, list[int]] = {}
        for position, name in enumerate(self.names):
            for key in word_keys(name.normal):
                self.blocks.setdefault(key, []).append(position)

    def _score(self, org_name: tuple[str, str, str], list_name: ListName, country: str | None) -> dict[str, Any]:
        label, original, normal = org_name
        base, method = name_score(normal, list_name.normal)
        score = base
        components: dict[str, Any] = {
            "organisation_name": original, "organisation_name_field": label,
            "entry_name": list_name.name, "entry_name_quality": list_name.quality,
            "compared": [normal, list_name.normal], "name_score": round(base, 1), "method": method,
        }  # fmt: skip
        if list_name.quality.casefold() == "low":
            score -= WEAK_ALIAS_PENALTY
            components["weak_alias"] = -WEAK_ALIAS_PENALTY
        entry_countries = self.entries[list_name.entry].countries
        if country and entry_countries:
            if country in entry_countries:
                score += COUNTRY_BONUS
                components["country"] = COUNTRY_BONUS
            else:
                score -= COUNTRY_PENALTY
                components["country"] = -COUNTRY_PENALTY
            components["countries"] = [country, list(entry_countries)]
        score = max(0.0, min(100.0, score))
        components["score"] = round(score, 1)
        return components

    def screen(
        self,
        names: Sequence[tuple[str, str]],
        country: str | None,
        threshold: float = DEFAULT_THRESHOLD,
        *,
        exhaustive: bool = False,
    ) -> list[Match]:
        """The entries matching any of ``names`` (``(field, name)`` pairs) at ``threshold`` or above, best first.

        Each name is compared with the list names sharing a word key with it (:func:`word_key`: transliteration
        variants such as Rasheed/Rashid, Baykal/Baikal, Yousef/Yusuf share one), or with every list name when
        ``exhaustive`` (the tests check that blocking loses no labelled match).
        """
        if not self.names:
            return []
        cutoff = max(0.0, threshold - COUNTRY_BONUS - 1)
        best: dict[int, dict[str, Any]] = {}
        for label, name in names:
            normal = normalise(name) if name and name.strip() else ""
            if not normal:
                continue
            if exhaustive:
                candidates = list(range(len(self.names)))
            else:
                candidates = sorted({position for key in word_keys(normal) for position in self.blocks.get(key, ())})
            found = process.extract(
                normal, [self.normals[position] for position in candidates], scorer=_prefilter, score_cutoff=cutoff,
                limit=None,
            )  # fmt: skip
            for _normal, _score, index in found:
                self._keep(best, (label, name, normal), self.names[candidates[index]], country)
        return self._matches(best, threshold)

    def _keep(self, best: dict[int, dict[str, Any]], query: tuple[str, str, str], name: ListName,
              country: str | None) -> None:  # fmt: skip
        components = self._score(query, name, country)
        current = best.get(name.entry)
        if current is None or components["score"] > current["score"]:
            best[name.entry] = components

    def _matches(self, best: dict[int, dict[str, Any]], threshold: float) -> list[Match]:
        matches = [
            Match(self.entries[entry].data_id, components["score"], components)
            for entry, components in best.items()
            if components["score"] >= threshold
        ]
        return sorted(matches, key=lambda match: (-match.score, match.data_id))

    def screen_many(
        self,
        organisations: Sequence[tuple[int, Sequence[tuple[str, str]], str | None]],
        threshold: float = DEFAULT_THRESHOLD,
    ) -> dict[int, list[Match]]:
        """:meth:`screen` for many organisations (``(id, names, country)``): their matches by id."""
        return {org_id: self.screen(names, country, threshold) for org_id, names, country in organisations}


def word_key(word: str) -> str:
    """A key two spellings of one word share: its first letter, then up to three consonants, doubles collapsed."""
    if word.isdigit() or len(word) < 2:
        return word
    consonants = [char for char in word[1:] if char not in "aeiouyhw"]
    collapsed = [char for number, char in enumerate(consonants) if number == 0 or consonants[number - 1] != char]
    return word[0] + "".join(collapsed)[:3]


def word_keys(normal: str) -> set[str]:
    """The keys of a normalised name's words (and of the name written as one word)."""
    words = normal.split()
    keys = {word_key(word) for word in words if len(word) >= 3 or len(words) == 1}
    if len(words) > 1:
        keys.add(word_key("".join(words)))
    return keys
