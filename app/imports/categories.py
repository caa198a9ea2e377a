"""Reading the cells a vocabulary names: partner types, modalities (partnership stages), party roles and areas of
engagement.
"""

from __future__ import annotations

import re
from functools import lru_cache

from app.i18n import MESSAGES
from app.imports import vocabulary as vocab
from app.imports.phrase_tables import PhraseTable, phrase_table, read_term, says_nothing
from app.imports.phrases import split_words
from app.imports.reading import Read, Unreadable, cached_reader, plain_label
from app.organisations.models import OrganisationKind
from app.partnerships.models import PartyRole
from app.workflow.definition import states


@lru_cache(maxsize=1)
def _kinds() -> PhraseTable[OrganisationKind]:
    """The partner types; "UN" is a word here, not the French article it is elsewhere ("UN agency")."""
    return phrase_table(vocab.KIND_PHRASES, OrganisationKind, vocab.KIND_AXES, vocab.STOPWORDS - {"un"})


_NO_AGREEMENT = "no_agreement"  # "No MoU", "sin convenio": informal, or the stage another part of the cell names
_TERMINATED = "ended_early"  # "Terminated", "Résilié": refused


@lru_cache(maxsize=1)
def _modalities() -> PhraseTable[str]:
    """The modality phrases, and every document (or event) with every status word ("convenio sin firmar"); every
    relationship with a stage word ("partenariat ponctuel"); every document after an absence word ("sin convenio")
    or before or after a word that ends it ("MoU terminated")."""
    phrases = {stage: list(group) for stage, group in vocab.MODALITY_PHRASES.items()}
    phrases[vocab.EVENTS_READ_AS] += vocab.MODALITY_EVENTS
    for stage, (before, after) in vocab.MODALITY_STATUS.items():
        for document in vocab.MODALITY_EVENTS if stage == vocab.EVENTS_READ_AS else vocab.MODALITY_DOCUMENTS:
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
    return phrase_table({stage: tuple(group) for stage, group in phrases.items()}, str, vocab.MODALITY_AXES)


def _stage_label(stage: str) -> str:
    if stage == _NO_AGREEMENT:
        return f"{plain_label(vocab.NO_AGREEMENT_READ_AS)} (no formal agreement)"
    if stage == _TERMINATED:
        return vocab.MODALITY_TERMINATED[0]
    return plain_label(stage)


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
    if len(stages) > 1 or (_NO_AGREEMENT in values and set(stages) & states("partnership", group="in_force")):
        named = " and ".join(_stage_label(value) for value in values)
        raise Unreadable(MESSAGES.gettext("modality {text} says both {named}; write one", text=repr(text), named=named))
    if _NO_AGREEMENT not in values:
        return Read(stages[0], None, False) if stages and not unread else None
    stage = stages[0] if stages else vocab.NO_AGREEMENT_READ_AS
    doubt = None
    if unread:
        left = ", ".join(repr(part) for part in unread)
        doubt = MESSAGES.gettext(
            "modality {text} read as {plain_label} (no formal agreement); {left} not read",
            text=repr(text),
            plain_label=plain_label(stage),
            left=left,
        )
    return Read(stage, doubt, False)


@lru_cache(maxsize=1)
def _roles() -> PhraseTable[PartyRole]:
    return phrase_table(vocab.ROLE_PHRASES, PartyRole, {})


@lru_cache(maxsize=1)
def _kind_heads() -> tuple[tuple[str, ...], ...]:
    return tuple(sorted({tuple(split_words(head)) for head in vocab.KIND_HEADS}, key=len, reverse=True))


def _government_body(text: str) -> bool:
    """Whether a cell names a government body by what it heads: "Ministry of Health", "Mairie de Dakar",
    "Ministerio del Interior", "Health Ministry". A negation anywhere leaves it to the vocabulary."""
    words = split_words(text)
    if any(word in vocab.NEGATION_WORDS for word in words):
        return False
    for head in _kind_heads():
        size = len(head)
        if len(words) > size + 1 and tuple(words[:size]) == head and words[size] in vocab.KIND_HEAD_LINKS:
            return True
        if len(words) > size and tuple(words[-size:]) == head:
            return True
    return False


@cached_reader(1024)
def organisation_kind(value: str) -> Read[OrganisationKind]:
    """The kind of partner from words such as "NGO", "ONG internationale", "universidad"; a clear typo is doubtful."""
    text = value.strip()
    if says_nothing(text):
        raise Unreadable(MESSAGES.gettext("the partner type is missing"))
    kinds = ", ".join(plain_label(kind) for kind in OrganisationKind)
    if _government_body(text) and not _kinds().exact(_kinds().read(text))[0]:
        return Read(OrganisationKind.GOVERNMENT, None, False)
    read = read_term(_kinds(), text, "partner type", f"one of: {kinds}", plain_label)
    if read is None:
        raise Unreadable(
            MESSAGES.gettext(
                "unknown partner type {text}; use one of: {kinds} (or NGO, INGO, CBO, university, …)",
                text=repr(text),
                kinds=kinds,
            )
        )
    return read


@cached_reader(1024)
def modality_stage(value: str) -> Read[str | None]:
    """The stage a modality names: formal, informal, formalising or ad_hoc; ``None`` when the cell does not say."""
    text = value.strip()
    if says_nothing(text):
        return Read(None)
    hint = "formal, informal, formalising or ad hoc"
    read = read_term(_modalities(), text, "modality", hint, _stage_label, merge=_merge_modality)
    if read is None:
        raise Unreadable(
            MESSAGES.gettext(
                "unknown modality {text}; use MoU/agreement/formal, informal/verbal/letter of intent, "
                "ad hoc/event/one-off, or negotiating",
                text=repr(text),
            )
        )
    if read.value == _TERMINATED:
        raise Unreadable(
            MESSAGES.gettext(
                "modality {text} is a terminated agreement: record the partnership's stage instead ({hint})",
                text=repr(text),
                hint=hint,
            )
        )
    if read.value == _NO_AGREEMENT:
        return Read(vocab.NO_AGREEMENT_READ_AS, read.doubt, False)
    return read


@cached_reader(256)
def party_role(value: str) -> Read[PartyRole | None]:
    """The part a party plays ("lead", "chef de file", "socio implementador"…); empty means "decide from context"."""
    text = value.strip()
    if says_nothing(text):
        return Read(None)
    roles = ", ".join(plain_label(role) for role in PartyRole)
    read = read_term(_roles(), text, "role", f"one of: {roles}", plain_label)
    if read is None:
        raise Unreadable(MESSAGES.gettext("unknown role {text}; use one of: {roles}", text=repr(text), roles=roles))
    return read


# Areas of engagement ------------------------------------------------------------------------------------------------

_AREA_LISTS = re.compile(r"[;|\n]+")
_AREA_ITEMS = re.compile(r"[,/]+")
_AREA_AND = re.compile(r"\s*[&+]\s*|\s+(?:and|et|y|e)\s+", re.IGNORECASE)


@lru_cache(maxsize=1)
def _areas() -> PhraseTable[str]:
    return phrase_table(vocab.AREA_PHRASES, str, vocab.AREA_AXES)


def _area(text: str, fuzzy: bool = True) -> tuple[str | None, bool, str | None]:
    """One area: its code (or ``None``), whether the cell named it exactly, and the doubt."""
    try:
        read = read_term(_areas(), text, "area", "the area's name or code", plain_label, fuzzy)
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


@cached_reader(4096)
def area_codes(value: str) -> Read[tuple[str, ...]]:
    """Area codes from names, codes or synonyms in English, French or Spanish ("AVRR; trata de personas").

    Unknown words are left out and make the result doubtful; clear typos are read and doubtful.
    """
    codes: list[str] = []
    doubts: list[str] = []
    exact = True
    for chunk in _AREA_LISTS.split(value):
        if not chunk.strip() or says_nothing(chunk):
            continue
        for code, named, doubt in _area_items(chunk):
            exact = exact and named
            if doubt:
                doubts.append(doubt)
            if code is not None and code not in codes:
                codes.append(code)
    return Read(tuple(codes), "; ".join(doubts) or None, exact)
