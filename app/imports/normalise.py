"""Tolerant reading of messy inventory values: countries, partner types, modalities, areas, roles, dates, contacts.

Pure functions, no database. Each reader returns ``Read(value, doubt, exact)``: ``doubt`` says in words why the value
was guessed (a typo corrected, an ambiguous date); ``exact`` is false whenever the cell was not the canonical code or
name (a synonym, a phrase, a translation, a short form, a typo), so an import can list every mapping it made. A value
that cannot be read raises ``Unreadable`` with the reason.

The words come from ``vocabulary`` (English, French, Spanish) and, for countries, from pycountry and Babel. Near
matches are found by rapidfuzz and **never cross a negation**: every phrase, of the vocabulary and of the cell alike,
is read into *markers* — the pole each polar word takes on an axis of meaning (formal/informal, signed/unsigned or
draft, written/verbal…), a negation ("not", "sans", "sin", "non-", "in-", "un-") turning a pole into its opposite.
Whatever is found other than by the phrase itself (spelling, spacing, word order, a typo) is taken only when its
markers equal the cell's; a near phrase whose markers differ is refused with the reason, never read.
"""

from __future__ import annotations

import calendar
import functools
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from numbers import Real
from typing import Any, Generic, Literal, TypeVar

import pycountry
from babel import Locale, localedata
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, DamerauLevenshtein, Levenshtein

from app.imports import vocabulary as vocab
from app.organisations.models import OrganisationKind, organisation_name_key, plain_words, registration_key
from app.partnerships.models import PartyRole

T = TypeVar("T")
V = TypeVar("V")
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
    "is_note_row",
    "is_placeholder",
    "is_total_row",
    "match_headers",
    "modality_stage",
    "notice_days",
    "organisation_kind",
    "organisation_name_key",
    "parse_date",
    "party_role",
    "phone_number",
    "registration_key",
    "website_address",
]


class Unreadable(ValueError):
    """A value that cannot be read; the message says why, in words the user can act on."""


@dataclass(frozen=True)
class Read(Generic[T]):
    """A value read from a cell, why it is doubtful if it was guessed, and whether the cell named it exactly."""

    value: T
    doubt: str | None = None
    exact: bool = True


def _key(value: str) -> str:
    """Lower case, no accents or punctuation, single spaces; British spelling of 'organisation'."""
    return " ".join(plain_words(value)).replace("organization", "organisation").replace("labor", "labour")


def _reader(maxsize: int) -> Callable[[Callable[[str], Read[Any]]], Callable[[str], Read[Any]]]:
    """``lru_cache`` for a reader that may refuse: refusals are remembered too, as a file repeats its bad values."""

    def wrap(function: Callable[[str], Read[Any]]) -> Callable[[str], Read[Any]]:
        @lru_cache(maxsize=maxsize)
        def outcome(value: str) -> Read[Any] | str:
            try:
                return function(value)
            except Unreadable as exc:
                return str(exc)  # the message, not the exception: a cached traceback would keep its frames alive

        @functools.wraps(function)
        def read(value: str) -> Read[Any]:
            result = outcome(value)
            if isinstance(result, str):
                raise Unreadable(result)
            return result

        read.cache_clear = outcome.cache_clear  # type: ignore[attr-defined]
        read.cache_info = outcome.cache_info  # type: ignore[attr-defined]
        return read

    return wrap


# Phrases, their markers, and near matches ---------------------------------------------------------------------------

_SPELLING = {"organization": "organisation", "organizations": "organisations", "labor": "labour", "center": "centre"}
_IZE = re.compile(r"iz(e|ed|es|ing|ation|ations)$")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def _words(text: str) -> list[str]:
    """The words of a cell in lower case without accents, in British spelling ("organization" → organisation)."""
    return [_SPELLING.get(word) or _IZE.sub(r"is\1", word) for word in plain_words(text.translate(_LIGATURES))]


def _typo_limit(length: int) -> int:
    """How many edits a typo of a phrase this long may hold: none below 4 letters, up to 3 in long phrases."""
    return 0 if length < 4 else 1 if length <= 7 else 2 if length <= 14 else 3


@dataclass(frozen=True)
class _Pole:
    axis: str
    sign: str  # "+", "-", or "?" when a misspelt word could be either
    negated: bool = False  # the word carries its own negation ("informal", "unsigned")
    near: tuple[str, ...] = ()  # the polar words a misspelling is equally close to


def _flip(sign: str) -> str:
    return {"+": "-", "-": "+"}.get(sign, sign)


class _Lexicon:
    """The polar words of one kind of value, their negated forms ("in" + formal), and near spellings of them."""

    def __init__(self, axes: Mapping[str, vocab.Axis]) -> None:
        self.axes = dict(axes)
        self.poles: dict[str, _Pole] = {}
        for name, axis in axes.items():
            for sign, group in (("+", axis.positive), ("-", axis.negative)):
                self.poles.update({word: _Pole(name, sign) for word in group})
        for name, axis in axes.items():
            for sign, group in (("+", axis.positive), ("-", axis.negative)):
                for word in group if axis.negatable else ():
                    for prefix in vocab.NEGATING_PREFIXES:
                        self.poles.setdefault(prefix + word, _Pole(name, _flip(sign), negated=True))
        self.forms = [word for word in self.poles if len(word) >= 4]
        self.negatable = any(axis.negatable for axis in axes.values())
        self._near: dict[str, _Pole | None] = {}
        self._begun: dict[str, str | None] = {}

    def pole(self, word: str, fuzzy: bool = True) -> _Pole | None:
        """The pole ``word`` takes; a misspelling counts only if it keeps the first letter and is clearly nearer
        one pole than the other (by two edits), else its pole is "?"."""
        found = self.poles.get(word)
        if found is not None or not fuzzy or len(word) < 4:
            return found
        if word not in self._near:
            self._near[word] = self._nearest_pole(word)
        return self._near[word]

    def _nearest_pole(self, word: str) -> _Pole | None:
        limit = 1 if len(word) <= 8 else 2
        hits = process.extract(word, self.forms, scorer=DamerauLevenshtein.distance, score_cutoff=limit + 1, limit=None)
        close = [(d, self.poles[form]) for form, d, _ in hits if d <= limit and form[0] == word[0]]
        if not close:
            return None
        best, pole = min(close, key=lambda hit: hit[0])
        group = (pole.axis, pole.sign)
        rivals = [(d, other) for other, d, _ in hits if (self.poles[other].axis, self.poles[other].sign) != group]
        if rivals and min(rivals)[0] <= best + 1:  # any other pole, of any axis, must be two edits further
            return _Pole(pole.axis, "?", near=(self.name(pole), self.name(self.poles[min(rivals)[1]])))
        return pole

    def begins(self, word: str) -> str | None:
        """The axis of a polar word that ``word`` begins, two thirds of it or more ("form" of formal, "offic" of
        official), where the axis says beginnings count: such a word is not a typo of another phrase."""
        if len(word) < 4:
            return None
        if word not in self._begun:
            self._begun[word] = next(
                (pole.axis for form, pole in self.poles.items()
                 if self.axes[pole.axis].beginnings and not pole.negated and form.startswith(word)
                 and 3 * len(word) >= 2 * len(form)),
                None,
            )  # fmt: skip
        return self._begun[word]

    def name(self, pole: _Pole) -> str:
        """The plain word for a pole ("informal" for "ilformal"), as its axis names it in messages."""
        return self.axes[pole.axis].choice.split(" or ")[pole.sign == "-"]


@dataclass(frozen=True)
class _Phrase:
    words: tuple[str, ...]  # every word as written
    key: str  # the words that carry meaning: no articles, no numbers
    markers: frozenset[tuple[str, str]]
    unsure: tuple[str, ...] = ()  # why the pole of a word cannot be told
    beginnings: tuple[tuple[str, str], ...] = ()  # words that begin a polar word ("form"), and its axis


_NEGATIONS = tuple(word for word in (*vocab.NEGATION_WORDS, *vocab.NEGATING_PREFIXES) if len(word) > 1)


@lru_cache(maxsize=4096)
def _looks_negative(word: str) -> bool:
    """Whether an unknown word is one edit from a negation word or prefix ("noa", "mon", "u", "inf")."""
    return not word.isdigit() and any(OSA.distance(word, negation, score_cutoff=1) <= 1 for negation in _NEGATIONS)


def _word_by_word(written: str, candidate: str) -> bool:
    """Whether a typo stays within words: as many words, each within its own typo limit, short words untouched
    ("o-al agreement" is not "agreement", "ou signed" is not "MoU signed")."""
    pairs = list(zip(written.split(), candidate.split(), strict=False))
    return len(written.split()) == len(candidate.split()) and all(
        OSA.distance(mine, theirs, score_cutoff=_typo_limit(len(mine))) <= _typo_limit(len(mine))
        for mine, theirs in pairs
    )


def _edit_spells_negation(written: str, candidate: str) -> bool:
    """Whether turning ``written`` into ``candidate`` adds or removes letters that spell a negation: a correction
    may fix letters, never drop the "no" of "acuerdono firmado"."""
    removed: dict[int, str] = {}
    added: dict[int, str] = {}
    for operation in Levenshtein.editops(written, candidate):
        if operation.tag in ("delete", "replace"):
            removed[operation.src_pos] = written[operation.src_pos]
        if operation.tag in ("insert", "replace"):
            added[operation.dest_pos] = candidate[operation.dest_pos]
    for letters in (removed, added):
        runs = "".join(char if index - 1 in letters or index == min(letters) else f" {char}"
                       for index, char in sorted(letters.items()))  # fmt: skip
        if any(negation in run for run in runs.split() for negation in _NEGATIONS):
            return True
    return False


_DATED = re.compile(r"\b(?:on|le|el|du|del|dated|since|depuis|desde)?\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b", re.I)


def _read_phrase(text: str, lexicon: _Lexicon, known: frozenset[str], stop: frozenset[str]) -> _Phrase:
    raw = _words(_DATED.sub(" ", text))  # "MoU signed on 12/03/2021" is "MoU signed"
    joined: list[str] = []
    index = 0
    while index < len(raw):
        word = raw[index]
        following = raw[index + 1] if index + 1 < len(raw) else None
        if word in vocab.DETACHED_PREFIXES and following and following not in known:
            pole = lexicon.pole(word + following)
            if pole is not None and (pole.negated or pole.sign == "?"):
                joined.append(word + following)
                index += 2
                continue
        joined.append(word)
        index += 1
    markers: set[tuple[str, str]] = set()
    unsure: list[str] = []
    beginnings: list[tuple[str, str]] = []
    negate = False
    for word in joined:
        if word in vocab.NEGATION_WORDS:
            negate = True
            continue
        pole = lexicon.pole(word, fuzzy=word not in known)
        if pole is None and word not in known and (axis := lexicon.begins(word)) is not None:
            beginnings.append((word, axis))
        if pole is None:
            if lexicon.negatable and word not in known and word not in stop and _looks_negative(word):
                unsure.append(f"{word!r} is a negation (no, non, not, sin…)")  # a misspelt "non" must not vanish
                markers.add(("negation", "?"))
            continue
        sign = pole.sign
        if negate and sign != "?":
            sign = "?" if pole.negated else _flip(sign)  # "not unsigned": no guess
            if sign == "?":
                unsure.append(f"{word!r} after a negation means {lexicon.axes[pole.axis].choice}")
        elif sign == "?":
            unsure.append(f"{word!r} means {' or '.join(pole.near)}")
        negate = False
        markers.add((pole.axis, sign))
    if negate:
        markers.add(("negation", "-"))
    # The key joins a detached negating prefix to its stem ("in formal" → informal) and leaves out articles and numbers.
    key = " ".join(word for word in joined if word not in stop and not word.isdigit())
    return _Phrase(tuple(raw), key, frozenset(markers), tuple(unsure), tuple(beginnings))


@dataclass(frozen=True)
class _Entry(Generic[V]):
    phrase: str
    value: V
    words: tuple[str, ...]
    markers: frozenset[tuple[str, str]]
    canonical: bool
    level: int


@dataclass(frozen=True)
class _Found(Generic[V]):
    value: V
    exact: bool
    phrase: str | None = None  # the vocabulary phrase a typo was read as


class _Table(Generic[V]):
    """The phrases of one kind of value by key, by letters without spaces and by words in any order."""

    def __init__(self, phrases: list[tuple[str, V, bool, int]], axes: Mapping[str, vocab.Axis],
                 stop: frozenset[str] = vocab.STOPWORDS) -> None:  # fmt: skip
        self.lexicon = _Lexicon(axes)
        self.stop = stop
        self.known = frozenset(word for phrase, *_ in phrases for word in _words(phrase)) - self.lexicon.poles.keys()
        self.by_key: dict[str, list[_Entry[V]]] = {}
        self.by_letters: dict[str, list[_Entry[V]]] = {}
        self.by_words: dict[str, list[_Entry[V]]] = {}
        for phrase, value, canonical, level in phrases:
            read = self.read(phrase)
            if not read.key:
                continue
            entry = _Entry(phrase, value, read.words, read.markers, canonical, level)
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

    def _keys(self, read: _Phrase) -> list[tuple[dict[str, list[_Entry[V]]], str]]:
        words = read.key.split()
        return [(self.by_key, read.key), (self.by_letters, "".join(words)), (self.by_words, " ".join(sorted(words)))]

    def read(self, text: str) -> _Phrase:
        """The cell's words, key and markers, read as this table reads its own phrases."""
        return _read_phrase(text, self.lexicon, self.known, self.stop)

    def exact(self, read: _Phrase) -> tuple[list[V], bool]:
        """The values the phrase names (several when it is ambiguous) and whether it is a canonical name."""
        for index, key in self._keys(read):
            entries = [entry for entry in index.get(key, ()) if entry.markers == read.markers]
            if entries:
                level = min(entry.level for entry in entries)
                values = list(dict.fromkeys(entry.value for entry in entries if entry.level == level))
                canonical = index is self.by_key and any(e.canonical and e.words == read.words for e in entries)
                return values, canonical
        return [], False

    def singular(self, read: _Phrase) -> _Phrase | None:
        """The phrase with its unknown plurals made singular ("NGOs", "IGOs", "ONG locales"), if it has any: a
        plural is no typo of another phrase ("ONGs" is not "ONGI")."""
        words = list(read.words)
        for index, word in enumerate(words):
            single = word[:-1]
            if (len(word) >= 4 and word.endswith("s") and word not in self.known and word not in self.lexicon.poles
                    and (single in self.known or single in self.lexicon.poles) and single not in _NEGATIONS
                    and single not in vocab.NEGATION_WORDS):  # fmt: skip
                words[index] = single
        return self.read(" ".join(words)) if words != list(read.words) else None

    def near(self, read: _Phrase) -> list[tuple[int, _Entry[V], bool]]:
        """Entries within a typo of the phrase (in order or not), their edit distance, and whether the edit adds or
        removes a negation (which makes the entry mean something else, whatever its markers)."""
        limit = _typo_limit(len(read.key))
        if not limit:
            return []
        found: dict[int, tuple[int, _Entry[V], bool]] = {}
        searches = [(self.by_key, read.key, self.near_keys)]
        if " " in read.key:
            searches.append((self.by_words, " ".join(sorted(read.key.split())), self.near_unordered))
        for index, key, choices in searches:
            hits = process.extract(key, choices, scorer=OSA.distance, score_cutoff=limit, limit=None)
            for candidate, distance, _ in hits:
                if not _word_by_word(key, candidate):
                    continue
                negation = self.lexicon.negatable and _edit_spells_negation(key, candidate)
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


def _choice(lexicon: _Lexicon, axis: str, hint: str) -> str:
    return lexicon.axes[axis].choice if axis in lexicon.axes else hint


def _unsure(label: str, text: str, read: _Phrase, lexicon: _Lexicon, hint: str) -> Unreadable:
    axis = next(axis for axis, sign in sorted(read.markers) if sign == "?")
    advice = "it plainly" if axis == "negation" else _choice(lexicon, axis, hint)
    return Unreadable(f"{label} {text!r}: cannot tell whether {read.unsure[0]}; write {advice}")


def _opposite(label: str, text: str, read: _Phrase, entry: _Entry[Any], lexicon: _Lexicon, hint: str) -> Unreadable:
    axis = min((axis for axis, _ in read.markers ^ entry.markers if axis != "negation"), default="negation")
    if read.markers == entry.markers:  # the letters a typo would add or drop spell a negation ("acuerdono")
        return Unreadable(f"{label} {text!r} is close to {entry.phrase!r}, but a negation would be lost; write {hint}")
    mine, theirs = dict(read.markers).get(axis), dict(entry.markers).get(axis)
    if axis == "negation" or (mine in ("+", "-") and theirs == _flip(mine)):
        return Unreadable(
            f"{label} {text!r} is close to {entry.phrase!r}, which means the opposite; "
            f"write {_choice(lexicon, axis, hint)}"
        )
    choice = _choice(lexicon, axis, hint)
    return Unreadable(
        f"{label} {text!r} is close to {entry.phrase!r}, but does not plainly say {choice}; write {choice}"
    )


def _match(table: _Table[V], text: str, label: str, hint: str, fuzzy: bool = True) -> _Found[V] | list[V] | None:
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
        return _Found(values[0], canonical)
    if values or not fuzzy:
        return values or None
    near = table.near(read)
    for word, axis in read.beginnings:  # "form l" is not "forum": only a phrase saying formal or informal may do
        if any(axis not in dict(entry.markers) for _distance, entry, _negation in near):
            choice = _choice(table.lexicon, axis, hint)
            raise Unreadable(f"{label} {text!r}: cannot tell whether {word!r} means {choice}; write {choice}")
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
    return _Found(alike[0][1].value, False, alike[0][1].phrase)


def _placeholder(text: str) -> bool:
    """Whether a cell says nothing: empty, punctuation only, or "n/a", "unknown", "sans objet", "no aplica"…"""
    key = " ".join(_words(text))
    return not key or key in vocab.PLACEHOLDERS


@lru_cache(maxsize=4096)
def is_placeholder(text: str) -> bool:
    """Whether a cell says nothing: empty, punctuation only ("-", "—", "?"), or a word that stands for no value
    ("N/A", "n.a.", "TBD", "unknown", "none", "nil", "à préciser", "por definir", "s/o", "sans objet").

    Not for the country column, where "NA" is Namibia's code.
    """
    return _placeholder(str(text))


Merge = Callable[[str, list[tuple[str, V | None]]], Read[V] | None]
"""How the parts of a cell are read together: each part and its value (``None`` when the part names nothing)."""


def _term(
    table: _Table[V],
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
        found = _match(table, text, label, hint, fuzzy)
    except Unreadable:
        # The whole is near a phrase of other meaning ("Informal - no MoU" is near "no formal MoU"); its parts,
        # each read exactly, may still say plainly what it is.
        parts = _in_parts(table, text, label, hint, name, merge) if fuzzy else None
        if parts is None:
            raise
        return parts
    if isinstance(found, list):
        raise Unreadable(f"{label} {text!r} could be {' or '.join(map(name, found))}; write one of them")
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
    table: _Table[V], text: str, label: str, hint: str, name: Callable[[V], str], merge: Merge[V] | None = None
) -> Read[V] | None:
    """A cell saying one thing twice, each part read exactly: "Informal (verbal)", "MoU / LoA", "NGO - CSO"."""
    parts = [part.strip() for part in _PARTS.split(text) if part.strip()]
    if len(parts) < 2:
        return None
    found = [_match(table, part, label, hint, fuzzy=False) for part in parts]
    if any(isinstance(each, list) for each in found):
        return None  # a part that could be two things is not read beside the others
    if merge is not None:
        return merge(
            text,
            [(part, each.value if isinstance(each, _Found) else None) for part, each in zip(parts, found, strict=True)],
        )
    if not all(isinstance(each, _Found) for each in found):
        return None
    values = list(dict.fromkeys(each.value for each in found if isinstance(each, _Found)))
    if len(values) > 1:
        raise Unreadable(f"{label} {text!r} says both {' and '.join(map(name, values))}; write one")
    return Read(values[0], None, False)


def _vocabulary(phrases: Mapping[str, tuple[str, ...]], convert: Callable[[str], V],
                axes: Mapping[str, vocab.Axis], stop: frozenset[str] = vocab.STOPWORDS) -> _Table[V]:  # fmt: skip
    """A table of a vocabulary: the code and the first phrase of each value are canonical, the rest synonyms."""
    rows: list[tuple[str, V, bool, int]] = []
    for code, group in phrases.items():
        value = convert(code)
        rows += [(code, value, True, 0), (group[0], value, True, 0), *((phrase, value, False, 0) for phrase in group)]
    return _Table(rows, axes, stop)


# Countries ----------------------------------------------------------------------------------------------------------


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
def _countries() -> _Table[str]:
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
    return _Table(rows, vocab.COUNTRY_AXES, vocab.STOPWORDS | vocab.COUNTRY_ARTICLES)


@lru_cache(maxsize=1)
def _regions() -> frozenset[str]:
    """Babel's names of regions and territories that have no ISO 3166-1 code ("East Africa", "Europe", "Kosovo")."""
    codes = {country.alpha_2 for country in pycountry.countries}
    names = [name for language in ("en", "fr", "es") for code, name in Locale.parse(language).territories.items()
             if code not in codes]  # fmt: skip
    return frozenset(" ".join(_words(name)) for name in [*names, *vocab.REGIONS])


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
    return [tuple(word for word in _words(title) if word not in stop) for title in vocab.COUNTRY_TITLES]


def _without_title(table: _Table[str], words: list[str]) -> list[str]:
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


def _country_named(text: str) -> _Found[str] | None:
    """The country a cell names by code or name (any order of words, with or without a title), without guessing."""
    raw = text.strip()
    if re.fullmatch(r"[A-Za-z]{2}", raw) and (country := pycountry.countries.get(alpha_2=raw.upper())):
        return _Found(country.alpha_2, True)
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
        raise Unreadable(f"country {text!r} could be {choices}; write the country's ISO code")
    return _Found(values[0], canonical) if values else None


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
            raise Unreadable(f"country {text!r} names {len(codes)} countries, {listed}; write one")
        if codes and None not in found:
            return codes[0]
    return None


def _country_suggestions(table: _Table[str], read: _Phrase) -> list[str]:
    hits = process.extract(read.key, table.near_keys, scorer=fuzz.WRatio, score_cutoff=80, limit=40)
    entries = (entry for key, _score, _ in hits for entry in table.by_key[key])
    codes = dict.fromkeys(entry.value for entry in entries if entry.markers <= read.markers)
    return list(codes)[:3]


@lru_cache(maxsize=1)
def _country_short_names() -> dict[str, tuple[str, str]]:
    return {" ".join(_words(name)): reading for name, reading in vocab.COUNTRY_SHORT_NAMES.items()}


@lru_cache(maxsize=1)
def _countries_without_code() -> dict[str, tuple[str, str | None]]:
    """Each name of a country without an ISO 3166-1 code → the country, and its code if pycountry has one."""
    names: dict[str, tuple[str, str | None]] = {}
    for country, written in vocab.COUNTRIES_WITHOUT_CODE.items():
        codes = [name for name in written if len(name) == 2 and name.isupper()]
        listed = next((found.alpha_2 for code in codes if (found := pycountry.countries.get(alpha_2=code))), None)
        names.update({" ".join(_words(name)): (country, listed) for name in written})
    return names


def _country_without_code(text: str) -> Read[str] | None:
    """Kosovo ("Kosovo", "Kosovo*", "XK", "XKX"): read if pycountry lists it, else refused with the reason."""
    words = [word for word in _words(text) if word not in vocab.COUNTRY_ARTICLES]
    known = _countries_without_code()
    hit = known.get(" ".join(words)) or (known.get(words[0]) if words and len(words[0]) > 3 else None)
    if hit is None:
        return None
    country, code = hit
    if code is not None:
        return Read(code, None, False)
    raise Unreadable(
        f"country {text!r}: {country} has no ISO 3166-1 code in this product's list of countries, "
        "so it cannot be recorded as a country"
    )


@_reader(8192)
def country_code(value: str) -> Read[str]:
    """An ISO 3166-1 alpha-2 code from a code (KE, KEN) or a name in English, French, Spanish or the country's own
    languages, short forms included; a clear typo is read and doubtful, anything else refused with suggestions.

    A name two countries share ("Congo", "Korea") is read as the one usually meant, and doubtful.
    """
    text = value.strip()
    if _placeholder(text) and not re.fullmatch(r"[A-Za-z]{2}", text):  # "NA" is Namibia's code
        raise Unreadable("the country is missing")
    short = _country_short_names().get(" ".join(w for w in _words(text) if w not in vocab.COUNTRY_ARTICLES))
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
    near = _match(table, text, "country", "the country's name or ISO code")
    if isinstance(near, _Found):
        doubt = f"country {text!r} is not a known name; read as {_country_label(near.value)} ({near.value})"
        return Read(near.value, doubt, False)
    if " ".join(_words(text)) in _regions():
        raise Unreadable(f"country {text!r} is a region or a territory without an ISO country code; write a country")
    suggestions = near or _country_suggestions(table, table.read(text))
    if not suggestions:
        raise Unreadable(f"country {text!r} is not a country; write its name or its ISO code (e.g. KE)")
    names = [_country_label(code) for code in suggestions]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    raise Unreadable(f"country {text!r} is not a country — did you mean {listed}?")


# Partner types, modalities, roles -----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _kinds() -> _Table[OrganisationKind]:
    """The partner types; "UN" is a word here, not the French article it is elsewhere ("UN agency")."""
    return _vocabulary(vocab.KIND_PHRASES, OrganisationKind, vocab.KIND_AXES, vocab.STOPWORDS - {"un"})


_NO_AGREEMENT = "no_agreement"  # "No MoU", "sin convenio": informal, or the stage another part of the cell names
_TERMINATED = "terminated"  # "Terminated", "Résilié": refused


@lru_cache(maxsize=1)
def _modalities() -> _Table[str]:
    """The modality phrases, and every document (or event) with every status word ("convenio sin firmar"); every
    relationship with a stage word ("partenariat ponctuel"); every document after an absence word ("sin convenio")
    or before or after a word that ends it ("MoU terminated")."""
    phrases = {stage: list(group) for stage, group in vocab.MODALITY_PHRASES.items()}
    phrases["ad_hoc"] += vocab.MODALITY_EVENTS
    for stage, (before, after) in vocab.MODALITY_STATUS.items():
        for document in vocab.MODALITY_EVENTS if stage == "ad_hoc" else vocab.MODALITY_DOCUMENTS:
            phrases[stage] += [f"{status} {document}" for status in before]
            phrases[stage] += [f"{document} {status}" for status in after]
    for stage, (before, after) in vocab.MODALITY_RELATION_STATUS.items():
        for relation in vocab.MODALITY_RELATIONS:
            phrases[stage] += [f"{status} {relation}" for status in before]
            phrases[stage] += [f"{relation} {status}" for status in after]
    absent, formal, taking = vocab.MODALITY_ABSENCE
    none = phrases[_NO_AGREEMENT] = list(vocab.MODALITY_NO_AGREEMENT)
    ended = phrases[_TERMINATED] = list(vocab.MODALITY_TERMINATED)
    for document in vocab.MODALITY_DOCUMENTS:
        none += [f"{word} {document}" for word in absent]
        none += [f"{word} {document} {after}" for word in taking for after in formal]
        ended += [f"{document} {word}" for word in vocab.MODALITY_TERMINATED]
        ended += [f"{word} {document}" for word in vocab.MODALITY_TERMINATED_BEFORE]
    return _vocabulary({stage: tuple(group) for stage, group in phrases.items()}, str, vocab.MODALITY_AXES)


def _stage_label(stage: str) -> str:
    return {_NO_AGREEMENT: "informal (no formal agreement)"}.get(stage) or plain_label(stage)


def _merge_modality(text: str, parts: list[tuple[str, str | None]]) -> Read[str] | None:
    """The stage of a cell in parts ("MoU (expired)", "Informal - no MoU", "Joint workplan (no MoU)").

    The parts must agree; a part saying there is no formal agreement gives way to a stage that has none (ad hoc,
    informal, formalising) and lets a part that names no stage go unread (the cell is then doubtful).
    """
    values = list(dict.fromkeys(value for _part, value in parts if value is not None))
    unread = [part for part, value in parts if value is None]
    if _TERMINATED in values:
        return Read(_TERMINATED, None, False)
    stages = [value for value in values if value != _NO_AGREEMENT]
    if len(stages) > 1 or (_NO_AGREEMENT in values and "formal" in stages):
        named = " and ".join(_stage_label(value) for value in values)
        raise Unreadable(f"modality {text!r} says both {named}; write one")
    if _NO_AGREEMENT not in values:
        return Read(stages[0], None, False) if stages and not unread else None
    stage = stages[0] if stages else "informal"
    doubt = None
    if unread:
        left = ", ".join(repr(part) for part in unread)
        doubt = f"modality {text!r} read as {plain_label(stage)} (no formal agreement); {left} not read"
    return Read(stage, doubt, False)


@lru_cache(maxsize=1)
def _roles() -> _Table[PartyRole]:
    return _vocabulary(vocab.ROLE_PHRASES, PartyRole, {})


_ACRONYMS = {"cso": "CSO", "un": "UN", "ngo": "NGO", "mou": "MoU"}


def plain_label(value: object) -> str:
    """A code as a clerk reads it: "national_cso" → "national CSO", "ad_hoc" → "ad hoc"."""
    text = str(getattr(value, "value", value))
    return " ".join(_ACRONYMS.get(word, word) for word in text.replace("_", " ").split())


@lru_cache(maxsize=1)
def _kind_heads() -> tuple[tuple[str, ...], ...]:
    return tuple(sorted({tuple(_words(head)) for head in vocab.KIND_HEADS}, key=len, reverse=True))


def _government_body(text: str) -> bool:
    """Whether a cell names a government body by what it heads: "Ministry of Health", "Mairie de Dakar",
    "Ministerio del Interior", "Health Ministry". A negation anywhere leaves it to the vocabulary."""
    words = _words(text)
    if any(word in vocab.NEGATION_WORDS for word in words):
        return False
    for head in _kind_heads():
        size = len(head)
        if len(words) > size + 1 and tuple(words[:size]) == head and words[size] in vocab.KIND_HEAD_LINKS:
            return True
        if len(words) > size and tuple(words[-size:]) == head:
            return True
    return False


@_reader(1024)
def organisation_kind(value: str) -> Read[OrganisationKind]:
    """The kind of partner from words such as "NGO", "ONG internationale", "universidad"; a clear typo is doubtful."""
    text = value.strip()
    if _placeholder(text):
        raise Unreadable("the partner type is missing")
    kinds = ", ".join(plain_label(kind) for kind in OrganisationKind)
    if _government_body(text) and not _kinds().exact(_kinds().read(text))[0]:
        return Read(OrganisationKind.GOVERNMENT, None, False)
    read = _term(_kinds(), text, "partner type", f"one of: {kinds}", plain_label)
    if read is None:
        raise Unreadable(f"unknown partner type {text!r}; use one of: {kinds} (or NGO, INGO, CBO, university, …)")
    return read


@_reader(1024)
def modality_stage(value: str) -> Read[str | None]:
    """The stage a modality names: formal, informal, formalising or ad_hoc; ``None`` when the cell does not say."""
    text = value.strip()
    if _placeholder(text):
        return Read(None)
    hint = "formal, informal, formalising or ad hoc"
    read = _term(_modalities(), text, "modality", hint, _stage_label, merge=_merge_modality)
    if read is None:
        raise Unreadable(
            f"unknown modality {text!r}; use MoU/agreement/formal, informal/verbal/letter of intent, "
            "ad hoc/event/one-off, or negotiating"
        )
    if read.value == _TERMINATED:
        raise Unreadable(
            f"modality {text!r} is a terminated agreement: record the partnership's stage instead ({hint})"
        )
    if read.value == _NO_AGREEMENT:
        return Read("informal", read.doubt, False)
    return read


@_reader(256)
def party_role(value: str) -> Read[PartyRole | None]:
    """The part a party plays ("lead", "chef de file", "socio implementador"…); empty means "decide from context"."""
    text = value.strip()
    if _placeholder(text):
        return Read(None)
    roles = ", ".join(plain_label(role) for role in PartyRole)
    read = _term(_roles(), text, "role", f"one of: {roles}", plain_label)
    if read is None:
        raise Unreadable(f"unknown role {text!r}; use one of: {roles}")
    return read


# Areas of engagement ------------------------------------------------------------------------------------------------

_AREA_LISTS = re.compile(r"[;|\n]+")
_AREA_ITEMS = re.compile(r"[,/]+")
_AREA_AND = re.compile(r"\s*[&+]\s*|\s+(?:and|et|y|e)\s+", re.IGNORECASE)


@lru_cache(maxsize=1)
def _areas() -> _Table[str]:
    return _vocabulary(vocab.AREA_PHRASES, str, vocab.AREA_AXES)


def _area(text: str, fuzzy: bool = True) -> tuple[str | None, bool, str | None]:
    """One area: its code (or ``None``), whether the cell named it exactly, and the doubt."""
    try:
        read = _term(_areas(), text, "area", "the area's name or code", plain_label, fuzzy)
    except Unreadable as exc:
        return None, False, f"{exc}; left out"
    if read is None:
        return None, False, f"unknown area of engagement {text!r} left out"
    return read.value, read.exact, read.doubt


def _area_items(chunk: str) -> list[tuple[str | None, bool, str | None]]:
    """The areas of one list item, split at commas or at "and" only when the whole is not itself an area."""
    whole = _area(chunk, fuzzy=not _AREA_ITEMS.search(chunk))
    if whole[0] is not None:
        return [whole]
    found: list[tuple[str | None, bool, str | None]] = []
    for item in (part.strip() for part in _AREA_ITEMS.split(chunk)):
        if not item:
            continue
        read = _area(item, fuzzy=False)
        pieces = [piece.strip() for piece in _AREA_AND.split(item) if piece.strip()] if read[0] is None else []
        each = [_area(piece) for piece in pieces] if len(pieces) > 1 else []
        if each and all(code is not None for code, _, _ in each):
            found += each
        else:
            found.append(_area(item) if read[0] is None else read)
    return found


@_reader(4096)
def area_codes(value: str) -> Read[tuple[str, ...]]:
    """Area codes from names, codes or synonyms in English, French or Spanish ("AVRR; trata de personas").

    Unknown words are left out and make the result doubtful; clear typos are read and doubtful.
    """
    codes: list[str] = []
    doubts: list[str] = []
    exact = True
    for chunk in _AREA_LISTS.split(value):
        if not chunk.strip() or _placeholder(chunk):
            continue
        for code, named, doubt in _area_items(chunk):
            exact = exact and named
            if doubt:
                doubts.append(doubt)
            if code is not None and code not in codes:
                codes.append(code)
    return Read(tuple(codes), "; ".join(doubts) or None, exact)


# Dates --------------------------------------------------------------------------------------------------------------

EXCEL_EPOCH = date(1899, 12, 30)
MONTHS = {
    **{name: number for names in vocab.MONTH_NAMES for number, name in enumerate(names.split(), start=1)},
    **vocab.MONTH_ABBREVIATIONS,
}
_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
_ISO = re.compile(rf"^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME}$")
_NUMERIC = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")
_ORDINAL = r"(?:st|nd|rd|th|er|re|o)?"
_DAY_MONTH_YEAR = re.compile(
    rf"^(\d{{1,2}}){_ORDINAL}[ \-/.]+(?:de )?([a-z]+)\.?,?[ \-/.]+(?:del? )?(\d{{2}}|\d{{4}})$"
)
_MONTH_DAY_YEAR = re.compile(rf"^([a-z]+)\.?[ \-/.]+(\d{{1,2}}){_ORDINAL},?[ \-/.]+(?:del? )?(\d{{4}})$")


def _month(word: str) -> int | None:
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


_YEARS = range(1900, 2200)
"""The years a bare four-digit number can be: below, it is not a year of an agreement; as a number, an Excel serial
in this range would be a day of 1905."""


def parse_date(value: Any, order: DateOrder = "auto", period_end: bool = False) -> Read[date | None]:
    """A calendar date from ISO text, d/m/y or m/d/y, month names (English, French, Spanish), an Excel serial number
    (a number or its text) or a real date cell.

    A numeric date that reads both ways (03/04/2026) is read day first and doubtful, unless ``order`` decides.
    A period ("2024", "Q3 2025", "T3 2025", "April 2024", "déc. 2027", "04/2024", "2024-04") is read as its first
    day, or its last with ``period_end``, and doubtful. A cell saying there is no end ("ongoing", "indéterminée",
    "vigente") or nothing ("N/A") is no date; the first is doubtful.
    """
    if value is None:
        return Read(None)
    if isinstance(value, datetime):
        return Read(value.date())
    if isinstance(value, date):
        return Read(value)
    if isinstance(value, Real) and not isinstance(value, bool):
        number = float(value)
        if number.is_integer() and int(number) in _YEARS:  # a year typed as a number, not a day of 1905
            return _period(str(int(number)), date(int(number), 1, 1), date(int(number), 12, 31), "year", period_end)
        return Read(_from_serial(number, str(value)))
    result = _date_from_text(str(value).strip(), order, period_end)
    if isinstance(result, str):
        raise Unreadable(result)
    return result


@lru_cache(maxsize=8192)
def _date_from_text(text: str, order: DateOrder, period_end: bool = False) -> Read[date | None] | str:
    try:
        return _read_date_text(text, order, period_end)
    except Unreadable as exc:
        return str(exc)


@lru_cache(maxsize=1)
def _open_ended() -> frozenset[str]:
    return frozenset(" ".join(_words(phrase)) for phrase in vocab.OPEN_ENDED)


def _period(text: str, first: date, last: date, kind: str, period_end: bool) -> Read[date | None]:
    day = last if period_end else first
    edge = "end" if period_end else "start"
    return Read(day, f"{text!r} is not a full date; read as {day.day} {day:%B %Y}, the {edge} of that {kind}")


def _month_period(text: str, year: int, month: int, period_end: bool) -> Read[date | None]:
    if not 1 <= month <= 12:
        raise Unreadable(f"{text!r} is not a date (no such month)")
    last = calendar.monthrange(year, month)[1]
    return _period(text, date(year, month, 1), date(year, month, last), "month", period_end)


_QUARTER_WORDS = {
    "first": 1, "premier": 1, "primer": 1, "second": 2, "deuxieme": 2, "segundo": 2, "third": 3, "troisieme": 3,
    "tercer": 3, "fourth": 4, "quatrieme": 4, "cuarto": 4,
}  # fmt: skip
_QUARTER = re.compile(r"^([qt])([1-4])[ \-/.,]*(\d{4})$|^(\d{4})[ \-/.,]*([qt])([1-4])$")
_HALF = re.compile(r"^([hs])([12])[ \-/.,]*(\d{4})$|^(\d{4})[ \-/.,]*([hs])([12])$")
_QUARTER_IN_WORDS = re.compile(
    r"^(?:([1-4])\s*(?:st|nd|rd|th|er|e|eme|o)?|([a-z]+))\s+(?:quarter|trimestre)\s+(?:of |de |del )?(\d{4})$"
)
_MONTH_YEAR = re.compile(r"^(\d{1,2})[-/.](\d{4})$|^(\d{4})[-/.](\d{1,2})$")
_NAMED_MONTH_YEAR = re.compile(r"^([a-z]+)\.?[ \-/.,']*(?:de |del )?(\d{4})$|^(\d{4})[ \-/.,]+([a-z]+)\.?$")


def _partial_date(text: str, lowered: str, period_end: bool) -> Read[date | None] | None:
    """A year, a half, a quarter or a month, read as its first (or last) day; ``None`` if the cell is none."""
    if re.fullmatch(r"\d{4}(?:\.0+)?", lowered) and int(lowered[:4]) in _YEARS:
        year = int(lowered[:4])
        return _period(text, date(year, 1, 1), date(year, 12, 31), "year", period_end)
    quarter = half = year = None
    if found := _QUARTER.match(lowered):
        quarter, year = int(found[2] or found[6]), int(found[3] or found[4])
    elif (found := _QUARTER_IN_WORDS.match(lowered)) and (found[1] or found[2] in _QUARTER_WORDS):
        quarter, year = int(found[1]) if found[1] else _QUARTER_WORDS[found[2]], int(found[3])
    elif found := _HALF.match(lowered):
        half, year = int(found[2] or found[6]), int(found[3] or found[4])
    if year is not None:
        months = 3 if quarter else 6
        first_month = ((quarter or half or 1) - 1) * months + 1
        last_month = first_month + months - 1
        last = date(year, last_month, calendar.monthrange(year, last_month)[1])
        return _period(text, date(year, first_month, 1), last, "quarter" if quarter else "half-year", period_end)
    if found := _MONTH_YEAR.match(lowered):
        month, year = (int(found[1]), int(found[2])) if found[1] else (int(found[4]), int(found[3]))
        return _month_period(text, year, month, period_end)
    if found := _NAMED_MONTH_YEAR.match(lowered):
        word, year = (found[1], int(found[2])) if found[1] else (found[4], int(found[3]))
        if (month := _month(word)) is not None:
            return _month_period(text, year, month, period_end)
    return None


def _read_date_text(text: str, order: DateOrder, period_end: bool = False) -> Read[date | None]:
    if not text:
        return Read(None)
    key = " ".join(_words(text))
    if key in _open_ended():
        return Read(None, f"{text!r} read as no end date")
    if _placeholder(text):
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
    if (found := _DAY_MONTH_YEAR.match(lowered)) and (month := _month(found[2])) is not None:
        return Read(_make(_year(found[3]), month, int(found[1]), text))
    if (found := _MONTH_DAY_YEAR.match(lowered)) and (month := _month(found[1])) is not None:
        return Read(_make(int(found[3]), month, int(found[2]), text))
    partial = _partial_date(text, lowered, period_end)
    if partial is not None:
        return partial
    raise Unreadable(f"{text!r} is not a date: write it as 2026-12-31, 31/12/2026 or 31 Dec 2026")


# Notice periods -----------------------------------------------------------------------------------------------------

_NOTICE_TOKENS = re.compile(r"\d+(?:[.,]\d+)?|[a-z]+")
_CONJUNCTIONS = frozenset({"and", "et", "y", "e", "plus"})
_ARTICLES_AS_ONE = frozenset({"a", "an"})
MAX_NOTICE_DAYS = 3650


@lru_cache(maxsize=1)
def _number_words() -> dict[tuple[str, ...], int]:
    return {tuple(_words(word)): number for number, words in vocab.NUMBER_WORDS.items() for word in words}


@lru_cache(maxsize=1)
def _notice_units() -> dict[tuple[str, ...], str]:
    return {tuple(_words(word)): unit for unit, words in vocab.NOTICE_UNITS.items() for word in words}


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


@_reader(2048)
def notice_days(value: str) -> Read[int | None]:
    """A notice period in days: "60", "60 days", "60 jours", "60 días", "two weeks", "deux semaines", "one month",
    "tres meses", "1 year", "un an", "60 days' prior written notice", "1 month and 15 days".

    A month is 30 days and a whole year 365 ("12 months" is 365, "18 months" 545). Working days are counted as
    calendar days, and doubtful. A cell that says nothing ("N/A", "-") is ``None``.
    """
    text = value.strip()
    if _placeholder(text):
        return Read(None)
    lowered = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    tokens = [token for token in _NOTICE_TOKENS.findall(lowered) if token not in vocab.NOTICE_FILLERS]
    plain = f"{text!r} is not a notice period: write a number of days (60), or weeks, months or years (3 months)"
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
                raise Unreadable(f"{text!r} gives more than one number; write the notice period in days")
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
        raise Unreadable(f"{text!r} is more than ten years; write the notice period in days")
    doubt = f"{text!r}: working days counted as calendar days ({total} days)" if working else None
    return Read(total, doubt, not working)


# Contacts and addresses ---------------------------------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s<>(),;:\"\[\]]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+$")
_PHONE = re.compile(r"^([\d\s+\-()./]+?)(?:\s*(?:ext|x)\.?\s*(\d{1,6}))?$", re.IGNORECASE)


def email_address(value: str) -> Read[str | None]:
    """An email address in lower case, or ``None`` (and a doubt) when it is not one."""
    text = value.strip().removeprefix("mailto:").strip()
    if not text:
        return Read(None)
    if len(text) > 254 or not _EMAIL.match(text):
        return Read(None, f"{text!r} is not an email address; left out")
    return Read(text.lower())


_PHONE_LABEL = re.compile(
    r"^(?:t[eé]l[eé]?(?:phone|fono)|t[eé]l|phone|mob(?:ile)?|cell(?:ular)?|cel(?:ular)?|m[oó]vil|portable|port|gsm|whatsapp|"
    r"fixe|fijo|office|bureau|oficina|t|m|p)\.?\s*[:.]?\s*(?=[\d+(])",
    re.IGNORECASE,
)
_PHONE_SEPARATORS = re.compile(r"\s*(?:[,;|\n]|\s/\s|\s+(?:or|ou|o|and|et|y)\s+)\s*", re.IGNORECASE)
_EMAIL_IN_TEXT = re.compile(r"[^@\s<>(),;:/\"\[\]]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
PHONE_LENGTH = 50


def emails_in(value: str) -> list[str]:
    """The e-mail addresses written anywhere in a cell ("+254 700 123456 / grace@lakefishers.ug")."""
    return _EMAIL_IN_TEXT.findall(value)


def _one_phone(text: str) -> str | None:
    found = _PHONE.match(_PHONE_LABEL.sub("", text.strip()))
    if found is None or not 5 <= sum(char.isdigit() for char in found[1]) <= 40:
        return None
    number = found[1].strip()
    return f"{number} ext. {found[2]}" if found[2] else number


def phone_number(value: str) -> Read[str | None]:
    """The phone numbers of a cell as written (digits, spaces, + - ( ) . / and "ext. 12"), without their labels
    ("Tel:", "Mob.", "Cel:") and without an e-mail address written beside them (``emails_in`` finds it); several
    numbers are kept together ("0700 123456 / 0711 222333"). ``None`` and a doubt when no number is readable."""
    text = " ".join(_EMAIL_IN_TEXT.sub(" ", value).split()).strip(" -/,;")
    if not text:
        return Read(None)
    parts = [part for part in _PHONE_SEPARATORS.split(text) if part and part.strip(" -/")]
    numbers = [_one_phone(part) for part in parts]
    readable = [number for number in numbers if number]
    if not readable or len(value) > 200:
        return Read(None, f"{' '.join(value.split())!r} is not a phone number; left out")
    kept: list[str] = []
    for number in readable:
        if len(" / ".join([*kept, number])) > PHONE_LENGTH:
            break
        kept.append(number)
    left = [part for part, number in zip(parts, numbers, strict=True) if number not in kept]
    doubt = f"phone: {', '.join(repr(part) for part in left)} left out" if left else None
    return Read(" / ".join(kept), doubt)


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


# Totals -------------------------------------------------------------------------------------------------------------

_TOTAL = re.compile(rf"^(?:{'|'.join(sorted(vocab.TOTAL_WORDS, key=len, reverse=True))})\b(.*)$")
_NUMBER = re.compile(r"^[\s\d.,%$€£+\-()']*\d[\s\d.,%$€£+\-()']*$")
_COUNT = re.compile(r"^\W*\d[\d\s.,]*\b\D*$")  # "142", "8 partners", "1,204 organisations"


def _is_number(cell: object) -> bool:
    if isinstance(cell, Real) and not isinstance(cell, bool):
        return True
    return bool(_NUMBER.match(str(cell)))


def _total_label(cell: object) -> bool:
    """Whether a cell is a total's label: a total word followed by nothing, counts or words like "partners"."""
    found = _TOTAL.match(" ".join(_words(str(cell))))
    return found is not None and all(
        word.isdigit() or word in vocab.TOTAL_QUALIFIERS or word in vocab.STOPWORDS for word in found[1].split()
    )  # "Total Energies" names something


def _names_a_country_or_type(cell: object) -> bool:
    """Whether a cell reads as a country or a partner type: what makes a line an organisation's."""
    text = str(cell).strip()
    for reader in (country_code, organisation_kind):
        try:
            reader(text)
        except Unreadable:
            continue
        return True
    return False


def is_total_row(cells: list[object]) -> bool:
    """Whether a line is a sheet's total or summary ("TOTAL", "Sous-total", "Totales", "Count: 142"), not data.

    One of its texts starts with a total word followed by nothing, a count or words like "général" or "partners"
    ("TOTAL: 12 parceiros"); the rest is counts, with at most one other word ("TOTAL", "organisations", 142). An
    organisation called "Total Energies", or "Total" with a country or a type, is data.
    """
    filled = [cell for cell in cells if cell is not None and str(cell).strip()]
    texts = [cell for cell in filled if not _is_number(cell)]  # a leading line number is not the label
    label = next((cell for cell in texts if _total_label(cell)), None)
    if label is None:
        return False
    counted = any(word.isdigit() for word in _words(str(label))) or any(
        _is_number(cell) or _COUNT.match(str(cell)) for cell in filled if cell is not label
    )
    words = [cell for cell in texts if cell is not label and not _COUNT.match(str(cell))]
    if len(words) == 1 and counted:
        return not _names_a_country_or_type(words[0])  # "Total", "Kenya", 12 is an organisation's line
    return not words


@lru_cache(maxsize=1)
def _note_markers() -> tuple[tuple[str, ...], ...]:
    return tuple(sorted({tuple(_words(marker)) for marker in vocab.NOTE_MARKERS}, key=len, reverse=True))


_NOTE_SYMBOL = re.compile(r"^\s*(?:[*\u2020\u2021\u00a7\u00b9\u00b2\u00b3]+|\(\d{1,2}\)|\[\d{1,2}\]|\d{1,2}\))")
_NOTE_WORD = re.compile(r"^\s*([^\W\d_]+(?:\.[^\W\d_]+)*\.?)(.*)$", re.DOTALL)


def _starts_with_note_marker(text: str) -> bool:
    """ "Note: …", "N.B. …", "Fuente: DTM", "* …", "(1) …", "† …", "Note that …", "Source of data: …"; not "Source of
    Hope Foundation" (a name goes on in capitals)."""
    if _NOTE_SYMBOL.match(text):
        return True
    words = _words(text)
    for marker in _note_markers():
        if tuple(words[: len(marker)]) != marker:
            continue
        rest = text.strip()
        for _ in marker:  # the marker's words as written, then what follows them
            found = _NOTE_WORD.match(rest)
            rest = found[2] if found else ""
        if not rest.strip() or rest.lstrip()[0] in ":.;-\u2013\u2014)=>":
            return True
        following = [word for word in rest.split() if " ".join(_words(word)) not in vocab.NAME_PARTICLES]
        if not following:  # "Note de la", "Source of"
            return True
        return following[0][0].islower() or following[0][0].isdigit() or text.isupper()
    return False


def _is_sentence(text: str) -> bool:
    """Six words or more, or four or more ending with a full stop; not a name in capitals ("Association pour la
    Promotion des Droits des Femmes du Sénégal")."""
    words = [word for word in text.split() if any(char.isalpha() for char in word)]
    if not (len(words) >= 6 or (len(words) >= 4 and text.rstrip().endswith("."))):
        return False
    if text.isupper():
        return True
    content = [word for word in words if " ".join(_words(word)) not in vocab.NAME_PARTICLES]
    return not all(word[0].isupper() or not word[0].isalpha() for word in content)


def is_note_row(cells: list[object]) -> bool:
    """Whether a line is a remark under (or over) a table, not a partner: one filled cell, anywhere, that starts with
    a note marker ("Note:", "NB", "Obs.", "Source:", "Fuente:", "*", "(1)", "†") or is a sentence.

    A line with a name and a country or a type has two cells: never a note.
    """
    filled = [cell for cell in cells if cell is not None and str(cell).strip()]
    if len(filled) != 1 or _is_number(filled[0]):
        return False
    text = str(filled[0]).strip()
    return _starts_with_note_marker(text) or _is_sentence(text)


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
