"""Phrases, their markers, and near matches.

Every phrase, of the vocabulary and of the cell alike, is read into *markers*: the pole each polar word takes on
an axis of meaning (formal/informal, signed/unsigned or draft, written/verbal…), a negation ("not", "sans", "sin",
"non-", "in-", "un-") turning a pole into its opposite. Near matches are found by rapidfuzz and **never cross a
negation**.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA, DamerauLevenshtein, Levenshtein

from app.imports import vocabulary as vocab
from app.organisations.models import plain_words

_SPELLING = {"organization": "organisation", "organizations": "organisations", "labor": "labour", "center": "centre"}
_IZE = re.compile(r"iz(e|ed|es|ing|ation|ations)$")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def split_words(text: str) -> list[str]:
    """The words of a cell in lower case without accents, in British spelling ("organization" → organisation)."""
    return [_SPELLING.get(word) or _IZE.sub(r"is\1", word) for word in plain_words(text.translate(_LIGATURES))]


def typo_limit(length: int) -> int:
    """How many edits a typo of a phrase this long may hold: none below 4 letters, up to 3 in long phrases."""
    return 0 if length < 4 else 1 if length <= 7 else 2 if length <= 14 else 3


@dataclass(frozen=True)
class Pole:
    axis: str
    sign: str  # "+", "-", or "?" when a misspelt word could be either
    negated: bool = False  # the word carries its own negation ("informal", "unsigned")
    near: tuple[str, ...] = ()  # the polar words a misspelling is equally close to


def flip_sign(sign: str) -> str:
    return {"+": "-", "-": "+"}.get(sign, sign)


class Lexicon:
    """The polar words of one kind of value, their negated forms ("in" + formal), and near spellings of them."""

    def __init__(self, axes: Mapping[str, vocab.Axis]) -> None:
        self.axes = dict(axes)
        self.poles: dict[str, Pole] = {}
        for name, axis in axes.items():
            for sign, group in (("+", axis.positive), ("-", axis.negative)):
                self.poles.update({word: Pole(name, sign) for word in group})
        for name, axis in axes.items():
            for sign, group in (("+", axis.positive), ("-", axis.negative)):
                for word in group if axis.negatable else ():
                    for prefix in vocab.NEGATING_PREFIXES:
                        self.poles.setdefault(prefix + word, Pole(name, flip_sign(sign), negated=True))
        self.forms = [word for word in self.poles if len(word) >= 4]
        self.negatable = any(axis.negatable for axis in axes.values())
        self._near: dict[str, Pole | None] = {}
        self._begun: dict[str, str | None] = {}

    def pole(self, word: str, fuzzy: bool = True) -> Pole | None:
        """The pole ``word`` takes; a misspelling counts only if it keeps the first letter and is clearly nearer
        one pole than the other (by two edits), else its pole is "?"."""
        found = self.poles.get(word)
        if found is not None or not fuzzy or len(word) < 4:
            return found
        if word not in self._near:
            self._near[word] = self._nearest_pole(word)
        return self._near[word]

    def _nearest_pole(self, word: str) -> Pole | None:
        limit = 1 if len(word) <= 8 else 2
        hits = process.extract(word, self.forms, scorer=DamerauLevenshtein.distance, score_cutoff=limit + 1, limit=None)
        close = [(d, self.poles[form]) for form, d, _ in hits if d <= limit and form[0] == word[0]]
        if not close:
            return None
        best, pole = min(close, key=lambda hit: hit[0])
        group = (pole.axis, pole.sign)
        rivals = [(d, other) for other, d, _ in hits if (self.poles[other].axis, self.poles[other].sign) != group]
        if rivals and min(rivals)[0] <= best + 1:  # any other pole, of any axis, must be two edits further
            return Pole(pole.axis, "?", near=(self.name(pole), self.name(self.poles[min(rivals)[1]])))
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

    def name(self, pole: Pole) -> str:
        """The plain word for a pole ("informal" for "ilformal"), as its axis names it in messages."""
        return self.axes[pole.axis].choice.split(" or ")[pole.sign == "-"]


@dataclass(frozen=True)
class Phrase:
    words: tuple[str, ...]  # every word as written
    key: str  # the words that carry meaning: no articles, no numbers
    markers: frozenset[tuple[str, str]]
    unsure: tuple[str, ...] = ()  # why the pole of a word cannot be told
    beginnings: tuple[tuple[str, str], ...] = ()  # words that begin a polar word ("form"), and its axis


NEGATIONS = tuple(word for word in (*vocab.NEGATION_WORDS, *vocab.NEGATING_PREFIXES) if len(word) > 1)


@lru_cache(maxsize=4096)
def _looks_negative(word: str) -> bool:
    """Whether an unknown word is one edit from a negation word or prefix ("noa", "mon", "u", "inf")."""
    return not word.isdigit() and any(OSA.distance(word, negation, score_cutoff=1) <= 1 for negation in NEGATIONS)


def word_by_word(written: str, candidate: str) -> bool:
    """Whether a typo stays within words: as many words, each within its own typo limit, short words untouched
    ("o-al agreement" is not "agreement", "ou signed" is not "MoU signed")."""
    pairs = list(zip(written.split(), candidate.split(), strict=False))
    return len(written.split()) == len(candidate.split()) and all(
        OSA.distance(mine, theirs, score_cutoff=typo_limit(len(mine))) <= typo_limit(len(mine))
        for mine, theirs in pairs
    )


def edit_spells_negation(written: str, candidate: str) -> bool:
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
        if any(negation in run for run in runs.split() for negation in NEGATIONS):
            return True
    return False


_DATED = re.compile(r"\b(?:on|le|el|du|del|dated|since|depuis|desde)?\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b", re.I)


def read_phrase(text: str, lexicon: Lexicon, known: frozenset[str], stop: frozenset[str]) -> Phrase:
    raw = split_words(_DATED.sub(" ", text))  # "MoU signed on 12/03/2021" is "MoU signed"
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
            sign = "?" if pole.negated else flip_sign(sign)  # "not unsigned": no guess
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
    return Phrase(tuple(raw), key, frozenset(markers), tuple(unsure), tuple(beginnings))
