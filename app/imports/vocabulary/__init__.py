"""The words inventories use, in English, French and Spanish, loaded from the YAML files beside this module.

The files are data only (``normalise`` and its readers key and read them). Phrases are written as people write them
(accents, capitals, hyphens); the readers reduce every phrase and every cell the same way before comparing, so a
phrase is listed once. The first phrase of each value is its canonical name: a cell that names it (or the value's
code) is an exact read, anything else a reported mapping.

Modality words are keyed by partnership stage: every stage they name is checked at load against
``app/workflows/partnership.yaml``, and an unknown one raises ``VocabularyError`` (the import cannot start).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any, NamedTuple

import yaml

from app.workflow.definition import states

STAGE_WORKFLOW = "partnership"
"""The workflow whose states the modality words name."""


class VocabularyError(Exception):
    """A vocabulary file is malformed or names a stage the partnership workflow does not have."""


class Axis(NamedTuple):
    """Two opposite poles of meaning, and how to name the choice in a message ("formal or informal").

    A negation ("not", "non-", "sin") turns one pole into the other when ``negatable``.
    """

    choice: str
    positive: tuple[str, ...]
    negative: tuple[str, ...] = ()
    negatable: bool = True
    beginnings: bool = False
    """Whether a word that only begins one of the axis's words ("form", "offic") is unsure, never a typo of another
    phrase ("form l" is not "forum")."""


def _load(name: str) -> dict[str, Any]:
    text = resources.files(__package__).joinpath(f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(data, dict):
        raise VocabularyError(f"app/imports/vocabulary/{name}.yaml: expected a mapping of names to words")
    return data


def _words(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _phrases(table: Mapping[str, Iterable[str]]) -> dict[str, tuple[str, ...]]:
    return {str(key): tuple(values or ()) for key, values in table.items()}


def _axes(table: Mapping[str, Mapping[str, Any]]) -> dict[str, Axis]:
    return {
        name: Axis(
            axis["choice"],
            tuple(axis["positive"]),
            tuple(axis.get("negative", ())),
            axis.get("negatable", True),
            axis.get("beginnings", False),
        )
        for name, axis in table.items()
    }


def _before_after(table: Mapping[str, Mapping[str, Iterable[str]]]) -> dict[str, tuple[tuple[str, ...], ...]]:
    return {stage: (tuple(words["before"]), tuple(words["after"])) for stage, words in table.items()}


def _check_stages(file: str, named: Iterable[str]) -> None:
    """Fail loudly on a stage the partnership workflow does not declare."""
    known = states(STAGE_WORKFLOW)
    unknown = sorted(set(named) - known)
    if unknown:
        raise VocabularyError(
            f"app/imports/vocabulary/{file}.yaml names {', '.join(unknown)}, which is not a state of workflow "
            f"{STAGE_WORKFLOW!r} (its states: {', '.join(sorted(known))})"
        )


_W = _load("words")
NEGATION_WORDS = frozenset(_W["negation_words"])
NEGATING_PREFIXES = _words(_W["negating_prefixes"])
DETACHED_PREFIXES = frozenset(_W["detached_prefixes"])
STOPWORDS = frozenset(_W["stopwords"])
PLACEHOLDERS = frozenset(_W["placeholders"])
TOTAL_WORDS = _words(_W["total_words"])
TOTAL_QUALIFIERS = frozenset(_W["total_qualifiers"])
NOTE_MARKERS = _words(_W["note_markers"])
NAME_PARTICLES = frozenset(_W["name_particles"])
MONTH_NAMES = _words(_W["month_names"])
MONTH_ABBREVIATIONS: dict[str, int] = dict(_W["month_abbreviations"])
OPEN_ENDED = _words(_W["open_ended"])
NUMBER_WORDS: dict[int, tuple[str, ...]] = {int(n): tuple(words) for n, words in _W["number_words"].items()}
NOTICE_UNITS = _phrases(_W["notice_units"])
NOTICE_FILLERS = frozenset(_W["notice_fillers"])

_M = _load("modalities")
MODALITY_AXES = _axes(_M["modality_axes"])
MODALITY_PHRASES = _phrases(_M["modality_phrases"])
MODALITY_NO_AGREEMENT = _words(_M["modality_no_agreement"])
MODALITY_ABSENCE = (
    _words(_M["modality_absence"]["words"]),
    _words(_M["modality_absence"]["formal_after"]),
    _words(_M["modality_absence"]["taking_formal_after"]),
)
MODALITY_TERMINATED = _words(_M["modality_terminated"])
MODALITY_TERMINATED_BEFORE = _words(_M["modality_terminated_before"])
MODALITY_RELATIONS = _words(_M["modality_relations"])
MODALITY_RELATION_STATUS = _before_after(_M["modality_relation_status"])
MODALITY_DOCUMENTS = _words(_M["modality_documents"])
MODALITY_EVENTS = _words(_M["modality_events"])
MODALITY_STATUS = _before_after(_M["modality_status"])
EVENTS_READ_AS: str = _M["events_read_as"]
"""The stage a one-off happening reads as ("single workshop")."""
NO_AGREEMENT_READ_AS: str = _M["no_agreement_read_as"]
"""The stage a relationship with no formal agreement reads as ("No MoU") when nothing else names one."""

_K = _load("kinds")
KIND_AXES = _axes(_K["kind_axes"])
KIND_PHRASES = _phrases(_K["kind_phrases"])
KIND_HEADS = _words(_K["kind_heads"])
KIND_HEAD_LINKS = frozenset(_K["kind_head_links"])

_A = _load("areas")
AREA_AXES = _axes(_A["area_axes"])
AREA_PHRASES = _phrases(_A["area_phrases"])

ROLE_PHRASES = _phrases(_load("roles")["role_phrases"])

_C = _load("countries")
COUNTRY_AXES = _axes(_C["country_axes"])
COUNTRY_VARIANTS = _phrases(_C["country_variants"])
COUNTRY_SHORT_NAMES: dict[str, tuple[str, str]] = {
    name: (entry["code"], entry["note"]) for name, entry in _C["country_short_names"].items()
}
COUNTRIES_WITHOUT_CODE = _phrases(_C["countries_without_code"])
REGIONS = _words(_C["regions"])
COUNTRY_ARTICLES = frozenset(_C["country_articles"])
COUNTRY_ABBREVIATIONS: dict[str, str] = dict(_C["country_abbreviations"])
COUNTRY_TITLES = _words(_C["country_titles"])

del _W, _M, _K, _A, _C


def check_against_workflows() -> None:
    """Fail loudly if a vocabulary file names a stage the partnership workflow does not declare (run at start-up,
    once the workflows can be loaded)."""
    _check_stages(
        "modalities",
        [*MODALITY_PHRASES, *MODALITY_RELATION_STATUS, *MODALITY_STATUS, EVENTS_READ_AS, NO_AGREEMENT_READ_AS],
    )
