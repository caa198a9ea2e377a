"""Tables of the phrases that name a column's values, and the matching of a cell against them.

Whatever is found other than by the phrase itself (spelling, spacing, word order, a typo) is taken only when its
markers (see ``phrases``) equal the cell's; a near phrase whose markers differ is refused with the reason, never
read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic

from rapidfuzz import process
from rapidfuzz.distance import OSA

from app.i18n import MESSAGES
from app.imports import vocabulary as vocab
from app.imports.phrases import (
    NEGATIONS,
    Lexicon,
    Phrase,
    edit_spells_negation,
    flip_sign,
    read_phrase,
    split_words,
    typo_limit,
    word_by_word,
)
from app.imports.reading import Read, Unreadable, V, plain_label


@dataclass(frozen=True)
class Entry(Generic[V]):
    phrase: str
    value: V
    words: tuple[str, ...]
    markers: frozenset[tuple[str, str]]
    canonical: bool
    level: int


@dataclass(frozen=True)
class Found(Generic[V]):
    value: V
    exact: bool
    phrase: str | None = None  # the vocabulary phrase a typo was read as


class PhraseTable(Generic[V]):
    """The phrases of one kind of value by key, by letters without spaces and by words in any order."""

    def __init__(self, phrases: list[tuple[str, V, bool, int]], axes: Mapping[str, vocab.Axis],
                 stop: frozenset[str] = vocab.STOPWORDS) -> None:  # fmt: skip
        self.lexicon = Lexicon(axes)
        self.stop = stop
        self.known = (
            frozenset(word for phrase, *_ in phrases for word in split_words(phrase)) - self.lexicon.poles.keys()
        )
        self.by_key: dict[str, list[Entry[V]]] = {}
        self.by_letters: dict[str, list[Entry[V]]] = {}
        self.by_words: dict[str, list[Entry[V]]] = {}
        for phrase, value, canonical, level in phrases:
            read = self.read(phrase)
            if not read.key:
                continue
            entry = Entry(phrase, value, read.words, read.markers, canonical, level)
            for index, key in self._keys(read):
                entries = index.setdefault(key, [])
                same = [other for other in entries if other.value == value and other.markers == read.markers]
                if same and (same[0].level, not same[0].canonical) > (level, not canonical):
                    entries.remove(same[0])  # the same name from a better source: keep that one
                    same = []
                if not same:
                    entries.append(entry)
        self.near_keys = [key for key in self.by_key if len(key) >= 4]
        self.exact_only = {
            id(entry) for key in self.near_keys if self._extends_another(key) for entry in self.by_key[key]
        }
        self.near_unordered = [key for key in self.by_words if len(key) >= 4 and " " in key]

    def _extends_another(self, key: str) -> bool:
        """Whether a short word is another value's word and one letter ("ONGI" is "ONG" and I, "INGO" I and "NGO"):
        read when written, never as the typo of something else ("ONGN" is not "ONGI"), though a rival to one."""
        if " " in key or len(key) > 5:
            return False
        mine = {entry.value for entry in self.by_key[key]}
        return any({entry.value for entry in self.by_key.get(shorter, ())} - mine for shorter in (key[1:], key[:-1]))

    def _keys(self, read: Phrase) -> list[tuple[dict[str, list[Entry[V]]], str]]:
        words = read.key.split()
        return [(self.by_key, read.key), (self.by_letters, "".join(words)), (self.by_words, " ".join(sorted(words)))]

    def read(self, text: str) -> Phrase:
        """The cell's words, key and markers, read as this table reads its own phrases."""
        return read_phrase(text, self.lexicon, self.known, self.stop)

    def exact(self, read: Phrase) -> tuple[list[V], bool]:
        """The values the phrase names (several when it is ambiguous) and whether it is a canonical name."""
        for index, key in self._keys(read):
            entries = [entry for entry in index.get(key, ()) if entry.markers == read.markers]
            if entries:
                level = min(entry.level for entry in entries)
                values = list(dict.fromkeys(entry.value for entry in entries if entry.level == level))
                canonical = index is self.by_key and any(e.canonical and e.words == read.words for e in entries)
                return values, canonical
        return [], False

    def singular(self, read: Phrase) -> Phrase | None:
        """The phrase with its unknown plurals made singular ("NGOs", "IGOs", "ONG locales"), if it has any: a
        plural is no typo of another phrase ("ONGs" is not "ONGI")."""
        words = list(read.words)
        for index, word in enumerate(words):
            single = word[:-1]
            if (len(word) >= 4 and word.endswith("s") and word not in self.known and word not in self.lexicon.poles
                    and (single in self.known or single in self.lexicon.poles) and single not in NEGATIONS
                    and single not in vocab.NEGATION_WORDS):  # fmt: skip
                words[index] = single
        return self.read(" ".join(words)) if words != list(read.words) else None

    def near(self, read: Phrase) -> list[tuple[int, Entry[V], bool]]:
        """Entries within a typo of the phrase (in order or not), their edit distance, and whether the edit adds or
        removes a negation (which makes the entry mean something else, whatever its markers)."""
        limit = typo_limit(len(read.key))
        if not limit:
            return []
        found: dict[int, tuple[int, Entry[V], bool]] = {}
        searches = [(self.by_key, read.key, self.near_keys)]
        if " " in read.key:
            searches.append((self.by_words, " ".join(sorted(read.key.split())), self.near_unordered))
        for index, key, choices in searches:
            hits = process.extract(key, choices, scorer=OSA.distance, score_cutoff=limit, limit=None)
            for candidate, distance, _ in hits:
                if not word_by_word(key, candidate):
                    continue
                negation = self.lexicon.negatable and edit_spells_negation(key, candidate)
                for entry in index[candidate]:
                    if id(entry) not in found or distance < found[id(entry)][0]:
                        found[id(entry)] = (int(distance), entry, negation)
        return sorted(found.values(), key=lambda hit: hit[0])

    def conflicts(self) -> list[str]:
        """Keys that name two values with the same meaning markers (a vocabulary mistake)."""
        clashes = []
        for index in (self.by_key, self.by_letters, self.by_words):
            for key, entries in index.items():
                groups: dict[tuple[frozenset[tuple[str, str]], int], set[Any]] = {}
                for entry in entries:
                    groups.setdefault((entry.markers, entry.level), set()).add(entry.value)
                clashes += [f"{key!r}: {sorted(map(str, values))}" for values in groups.values() if len(values) > 1]
        return clashes


def _choice(lexicon: Lexicon, axis: str, hint: str) -> str:
    return lexicon.axes[axis].choice if axis in lexicon.axes else hint


def _unsure(label: str, text: str, read: Phrase, lexicon: Lexicon, hint: str) -> Unreadable:
    axis = next(axis for axis, sign in sorted(read.markers) if sign == "?")
    advice = "it plainly" if axis == "negation" else _choice(lexicon, axis, hint)
    return Unreadable(
        MESSAGES.gettext(
            "{label} {text}: cannot tell whether {value}; write {advice}",
            label=label,
            text=repr(text),
            value=read.unsure[0],
            advice=advice,
        )
    )


def _opposite(label: str, text: str, read: Phrase, entry: Entry[Any], lexicon: Lexicon, hint: str) -> Unreadable:
    axis = min((axis for axis, _ in read.markers ^ entry.markers if axis != "negation"), default="negation")
    if read.markers == entry.markers:  # the letters a typo would add or drop spell a negation ("acuerdono")
        return Unreadable(
            MESSAGES.gettext(
                "{label} {text} is close to {phrase}, but a negation would be lost; write {hint}",
                label=label,
                text=repr(text),
                phrase=repr(entry.phrase),
                hint=hint,
            )
        )
    mine, theirs = dict(read.markers).get(axis), dict(entry.markers).get(axis)
    if axis == "negation" or (mine in ("+", "-") and theirs == flip_sign(mine)):
        return Unreadable(
            MESSAGES.gettext(
                "{label} {text} is close to {phrase}, which means the opposite; write {choice}",
                label=label,
                text=repr(text),
                phrase=repr(entry.phrase),
                choice=_choice(lexicon, axis, hint),
            )
        )
    choice = _choice(lexicon, axis, hint)
    return Unreadable(
        MESSAGES.gettext(
            "{label} {text} is close to {phrase}, but does not plainly say {choice}; write {choice}",
            label=label,
            text=repr(text),
            phrase=repr(entry.phrase),
            choice=choice,
        )
    )


def match_phrase(
    table: PhraseTable[V], text: str, label: str, hint: str, fuzzy: bool = True
) -> Found[V] | list[V] | None:
    """The value a cell names exactly or through one clear typo; the values it is equally close to; or nothing.

    Raises ``Unreadable`` when the cell is ambiguous, when a polar word cannot be told, or when the nearest phrase
    would read the opposite of what the cell says.
    """
    read = table.read(text)
    if read.unsure:
        raise _unsure(label, text, read, table.lexicon, hint)
    values, canonical = table.exact(read)
    if not values and (single := table.singular(read)) is not None and not single.unsure:
        values, canonical = table.exact(single)[0], False
    if len(values) == 1:
        return Found(values[0], canonical)
    if values or not fuzzy:
        return values or None
    near = table.near(read)
    for word, axis in read.beginnings:  # "form l" is not "forum": only a phrase saying formal or informal may do
        if any(axis not in dict(entry.markers) for _distance, entry, _negation in near):
            choice = _choice(table.lexicon, axis, hint)
            raise Unreadable(
                MESSAGES.gettext(
                    "{label} {text}: cannot tell whether {word} means {choice}; write {choice}",
                    label=label,
                    text=repr(text),
                    word=repr(word),
                    choice=choice,
                )
            )
    alike = [(distance, entry) for distance, entry, negation in near if entry.markers == read.markers and not negation]
    unlike = [(distance, entry) for distance, entry, negation in near if entry.markers != read.markers or negation]
    rivals = [(distance, entry) for distance, entry in alike if id(entry) in table.exact_only]
    alike = [(distance, entry) for distance, entry in alike if id(entry) not in table.exact_only]
    best = alike[0][0] if alike else None
    chosen = {entry.value for distance, entry in alike if distance == best}
    if best is not None and any(distance <= best and entry.value not in chosen for distance, entry in rivals):
        return list(dict.fromkeys([*chosen, *(entry.value for distance, entry in rivals if distance <= best)]))
    for distance, entry in unlike:
        if best is None or (distance <= best and chosen != {entry.value}):
            raise _opposite(label, text, read, entry, table.lexicon, hint)
    if not alike:
        return None
    if len(chosen) > 1:
        return list(dict.fromkeys(entry.value for distance, entry in alike if distance == best))
    return Found(alike[0][1].value, False, alike[0][1].phrase)


def says_nothing(text: str) -> bool:
    """Whether a cell says nothing: empty, punctuation only, or "n/a", "unknown", "sans objet", "no aplica"…"""
    key = " ".join(split_words(text))
    return not key or key in vocab.PLACEHOLDERS


@lru_cache(maxsize=4096)
def is_placeholder(text: str) -> bool:
    """Whether a cell says nothing: empty, punctuation only ("-", "—", "?"), or a word that stands for no value
    ("N/A", "n.a.", "TBD", "unknown", "none", "nil", "à préciser", "por definir", "s/o", "sans objet").

    Not for the country column, where "NA" is Namibia's code.
    """
    return says_nothing(str(text))


Merge = Callable[[str, list[tuple[str, V | None]]], Read[V] | None]
"""How the parts of a cell are read together: each part and its value (``None`` when the part names nothing)."""


def read_term(
    table: PhraseTable[V],
    value: str,
    label: str,
    hint: str,
    name: Callable[[V], str],
    fuzzy: bool = True,
    merge: Merge[V] | None = None,
) -> Read[V] | None:
    """Read one word or phrase of a vocabulary: exact, a synonym, or a clear typo (doubtful); ``None`` if unknown."""
    text = value.strip()
    try:
        found = match_phrase(table, text, label, hint, fuzzy)
    except Unreadable:
        # The whole is near a phrase of other meaning ("Informal - no MoU" is near "no formal MoU"); its parts,
        # each read exactly, may still say plainly what it is.
        parts = _in_parts(table, text, label, hint, name, merge) if fuzzy else None
        if parts is None:
            raise
        return parts
    if isinstance(found, list):
        raise Unreadable(
            MESSAGES.gettext(
                "{label} {text} could be {values}; write one of them",
                label=label,
                text=repr(text),
                values=" or ".join(map(name, found)),
            )
        )
    if found is None:
        return _in_parts(table, text, label, hint, name, merge) if fuzzy else None
    doubt = (
        f"{label} {text!r} read as {name(found.value)} (closest: {plain_label(found.phrase)!r})"
        if found.phrase
        else None
    )
    return Read(found.value, doubt, found.exact)


_PARTS = re.compile(r"[()\[\]{}/|;:,+]+|\s[-\u2013\u2014]+\s")  # hyphen, en and em dash between spaces


def _in_parts(
    table: PhraseTable[V], text: str, label: str, hint: str, name: Callable[[V], str], merge: Merge[V] | None = None
) -> Read[V] | None:
    """A cell saying one thing twice, each part read exactly: "Informal (verbal)", "MoU / LoA", "NGO - CSO"."""
    parts = [part.strip() for part in _PARTS.split(text) if part.strip()]
    if len(parts) < 2:
        return None
    found = [match_phrase(table, part, label, hint, fuzzy=False) for part in parts]
    if any(isinstance(each, list) for each in found):
        return None  # a part that could be two things is not read beside the others
    if merge is not None:
        return merge(
            text,
            [(part, each.value if isinstance(each, Found) else None) for part, each in zip(parts, found, strict=True)],
        )
    if not all(isinstance(each, Found) for each in found):
        return None
    values = list(dict.fromkeys(each.value for each in found if isinstance(each, Found)))
    if len(values) > 1:
        raise Unreadable(
            MESSAGES.gettext(
                "{label} {text} says both {values}; write one",
                label=label,
                text=repr(text),
                values=" and ".join(map(name, values)),
            )
        )
    return Read(values[0], None, False)


def phrase_table(phrases: Mapping[str, tuple[str, ...]], convert: Callable[[str], V],
                axes: Mapping[str, vocab.Axis], stop: frozenset[str] = vocab.STOPWORDS) -> PhraseTable[V]:  # fmt: skip
    """A table of a vocabulary: the code and the first phrase of each value are canonical, the rest synonyms."""
    rows: list[tuple[str, V, bool, int]] = []
    for code, group in phrases.items():
        value = convert(code)
        rows += [(code, value, True, 0), (group[0], value, True, 0), *((phrase, value, False, 0) for phrase in group)]
    return PhraseTable(rows, axes, stop)
