"""Which organisations a signed copy names, and its signature blocks: matched against the organisations known here.

Exact mentions anywhere in the preamble or the signature pages; near ones (rapidfuzz) for the partnership's own
parties and for the names written after "between … and …" or "For …" in a signature block. Pure functions.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from rapidfuzz import fuzz, process

from app.agreements import proposal_words as words

HEAD, TAIL = 12_000, 8_000  # the preamble and the signature blocks, where parties are named
FUZZY_CUTOFF = 88.0


@dataclass(frozen=True)
class KnownOrganisation:
    """An organisation the text may name: a party of the partnership, the organisation itself, or another known one."""

    organisation_id: int | None
    name: str
    short_name: str | None = None
    party_id: int | None = None
    is_self: bool = False


@dataclass(frozen=True)
class PartyProposal:
    """An organisation named in the text, matched (or not) with one known here."""

    name_in_text: str
    organisation_id: int | None
    organisation_name: str | None
    party_id: int | None
    is_self: bool
    score: float
    snippet: str


@dataclass(frozen=True)
class SignatoryProposal:
    """A signature block: for which organisation, who signed, with what title, on what day."""

    organisation_id: int | None
    party_id: int | None
    is_self: bool
    organisation_text: str
    name: str | None
    title: str | None
    signed_on: date | None
    snippet: str


# finding them -----------------------------------------------------------------------------------------------------


def _folded(text: str) -> str:
    """Lower case with every non-alphanumeric character a space, the same length as ``text`` (offsets kept)."""
    return "".join(c.lower() if c.isalnum() and len(c.lower()) == 1 else " " for c in text)


def _clean_name(raw: str) -> str:
    cut = words.PARTY_END.search(raw)
    name = raw[: cut.start()] if cut else raw
    name = words.LEADING_ARTICLE.sub("", " ".join(name.split())).strip(" ,.;:“”\"'")
    return name


def _key(name: str) -> str:
    """A name compared without case, punctuation, spacing or a leading article ("The Organisation" = "Organisation")."""
    return " ".join(_folded(words.LEADING_ARTICLE.sub("", " ".join(name.split()))).split())


def _looks_like_a_name(candidate: str, matched: list[str]) -> bool:
    """Worth showing as "not known here": name-like, and not a piece of a name already matched."""
    key = _key(candidate)
    if not key or any(key in other or other in key for other in matched):
        return False
    return (
        candidate[:1].isupper()
        and len(candidate.split()) <= 10
        and not words.TITLE_WORDS.search(candidate)
        and not words.NOT_A_NAME.search(candidate)
    )


def _between_candidates(text: str) -> list[tuple[str, int, bool]]:
    """Names after "between … and …": (name, position, whether it may be shown unmatched)."""
    head = text[:HEAD]
    found = words.BETWEEN.search(head)
    if found is None:
        return []
    rest = head[found.end() : found.end() + 1500]
    stop = words.CLAUSE_END.search(rest)
    clause = (rest[: stop.start()] if stop else rest).replace("\n", " ")  # lines of a PDF wrap, same length
    parts = [p for p in words.PARTY_SPLIT.split(clause) if p.strip()]
    candidates = [(_clean_name(part), found.end() + clause.find(part), True) for part in parts]
    for first, second in itertools.pairwise(parts):  # names with "and" in them, matched but never shown alone
        candidates.append((_clean_name(f"{first} and {second}"), found.end() + clause.find(first), False))
    return [(name, at, shown) for name, at, shown in candidates if 3 <= len(name) <= 200]


@dataclass(frozen=True)
class _Block:
    organisation_text: str
    at: int
    name: str | None
    title: str | None
    signed_on: date | None
    words_there: str


def _signature_blocks(text: str) -> list[_Block]:
    """ "For X" lines near the end followed by name, title or date lines (or naming X alone on a short line)."""
    offset = max(0, len(text) - TAIL)
    lines = text[offset:].split("\n")
    starts, position = [], offset
    for line in lines:
        starts.append(position)
        position += len(line) + 1
    blocks = []
    for index, line in enumerate(lines):
        heading = words.ON_BEHALF.match(line.strip())
        if not heading or len(line) > 150 or re.search(r"[.;]\s", line) or line.rstrip().endswith(","):
            continue
        name = title = signed_on = None
        block = []
        for following in lines[index + 1 : index + 9]:
            stripped = following.strip()
            if words.ON_BEHALF.match(stripped) and block:
                break
            block.append(stripped)
            if (m := words.SIGNATORY_NAME.match(stripped)) and name is None:
                name = m.group("value").strip(" _.") or None
            elif (m := words.SIGNATORY_TITLE.match(stripped)) and title is None:
                title = m.group("value").strip(" _.") or None
            elif (m := words.SIGNATURE_DATE.match(stripped)) and signed_on is None:
                day = words.DATE_PATTERN.search(m.group("value"))
                signed_on = words.date_of(day) if day else None
        at = starts[index] + line.find(heading.group("name"))
        shown = " · ".join(part for part in [line.strip(), *block] if part)[:400]
        blocks.append(_Block(_clean_name(heading.group("name")), at, name, title, signed_on, shown))
    return blocks


def _match(candidate: str, known: list[KnownOrganisation]) -> tuple[KnownOrganisation, float] | None:
    if not candidate or not known:
        return None
    for org in known:
        if org.short_name and candidate.strip().upper() == org.short_name.strip().upper():
            return org, 100.0
    choices = {index: org.name for index, org in enumerate(known)}
    best = process.extractOne(candidate, choices, scorer=fuzz.token_sort_ratio, score_cutoff=FUZZY_CUTOFF,
                              processor=_key)  # fmt: skip
    return (known[best[2]], float(best[1])) if best else None


def _mention(folded: str, name: str, regions: list[tuple[int, int]], tokens: set[str]) -> int | None:
    """Where ``name`` is written in the text (any case, punctuation and spacing), or ``None``."""
    needle = _folded(name).split()
    if not needle or needle[0] not in tokens:
        return None
    pattern = re.compile(r"\b" + r"\s+".join(map(re.escape, needle)) + r"\b")
    for left, right in regions:
        found = pattern.search(folded, left, right)
        if found:
            return found.start()
    return None


def find_parties(text: str, known: list[KnownOrganisation]) -> list[PartyProposal]:
    """Organisations named in the preamble or the signature blocks, matched against ``known`` (fuzzy, rapidfuzz)."""
    folded = _folded(text)
    regions = [(0, min(len(text), HEAD)), (max(0, len(text) - TAIL), len(text))]
    tokens = set(folded[:HEAD].split()) | set(folded[regions[1][0] :].split())
    results: dict[Any, PartyProposal] = {}

    def note(org: KnownOrganisation | None, name_in_text: str, score: float, at: int, length: int) -> None:
        key = (org.organisation_id, org.is_self) if org else ("unknown", name_in_text.lower())
        if key not in results or results[key].score < score:
            results[key] = PartyProposal(
                " ".join(name_in_text.split()), org.organisation_id if org else None, org.name if org else None,
                org.party_id if org else None, bool(org and org.is_self), round(score, 1),
                words.snippet(text, at, at + length),
            )  # fmt: skip

    for org in known:
        at = _mention(folded, org.name, regions, tokens)
        if at is not None:
            note(org, text[at : at + len(org.name)], 100.0, at, len(org.name))
            continue
        if org.party_id is None and not org.is_self:
            continue  # near matches and acronyms only for the partnership's own parties
        if org.short_name and (short := re.search(rf"\b{re.escape(org.short_name)}\b", text[:HEAD])):
            note(org, org.short_name, 95.0, short.start(), len(org.short_name))
        for left, right in regions:
            aligned = fuzz.partial_ratio_alignment(" ".join(_folded(org.name).split()), folded[left:right])
            if aligned and aligned.score >= 90:
                start = left + aligned.dest_start
                note(org, text[start : left + aligned.dest_end], aligned.score, start, len(org.name))
                break
    candidates = _between_candidates(text) + [(b.organisation_text, b.at, True) for b in _signature_blocks(text)]
    unmatched = []
    for candidate, at, shown in candidates:
        matched = _match(candidate, known)
        if matched:
            note(matched[0], candidate, min(matched[1], 99.0), at, len(candidate))
        elif shown:
            unmatched.append((candidate, at))
    names = [_key(found.name_in_text) for found in results.values()] + [_key(found.organisation_name or "")
                                                                         for found in results.values()]  # fmt: skip
    for candidate, at in unmatched:
        if _looks_like_a_name(candidate, [name for name in names if name]):
            note(None, candidate, 0.0, at, len(candidate))
    return sorted(
        results.values(), key=lambda p: (not p.is_self and p.party_id is None, p.organisation_id is None, -p.score)
    )


def find_signatories(text: str, known: list[KnownOrganisation]) -> list[SignatoryProposal]:
    """The signature blocks: "For X" followed by name, title and date lines."""
    found = []
    for block in _signature_blocks(text):
        matched = _match(block.organisation_text, known)
        if matched is None and not (block.name or block.title or block.signed_on):
            continue
        org = matched[0] if matched else None
        found.append(
            SignatoryProposal(
                org.organisation_id if org else None,
                org.party_id if org else None,
                bool(org and org.is_self),
                block.organisation_text,
                block.name,
                block.title,
                block.signed_on,
                block.words_there,
            )
        )
    return found
