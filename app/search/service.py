"""Free-text search: which documents match a query, and how relevant each is — one contract on both databases.

A document matches when it holds every word of the query, the last one possibly unfinished (accents and case
ignored: "Societe" finds "Société", "kenya red cr" finds "Kenya Red Cross"), or, for a one-word query without
digits, when it holds the query inside a word as typed ("water" in "Bluewater", "r_p" in "Solar_Power").
Misspellings ("Interntional") are found too: on PostgreSQL by replacing a word with the known words ``pg_trgm``
finds similar (``search_words``), on SQLite by scoring with rapidfuzz the documents that share a word's first
letters.

Relevance, highest first: the reference (a partnership's, an organisation's acronym) is the query; the reference
begins with it; every word of the query is a whole word of the document; a prefix or substring match; a
misspelling, closest first. Ties keep the list's usual order, so a page is stable and both databases agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    case,
    column,
    false,
    func,
    literal,
    literal_column,
    select,
    text,
)
from sqlalchemy.orm import Session

from app.search.index import fold
from app.search.models import FTS_TABLE, KIND_BIT, SearchDocument, SearchWord

WORD = re.compile(r"[^\W_]+")
MIN_FUZZY_LETTERS = 4  # a shorter query is too short to be a misspelling of anything in particular
SIMILARITY = 0.5  # PostgreSQL: pg_trgm similarity of a misspelled word to a known one
SIMILAR_WORDS = 5  # PostgreSQL: known words tried for one misspelled word
FUZZY_CANDIDATES = 2_000  # SQLite: documents scored with rapidfuzz for one query
FUZZY_SCORE = 80  # SQLite: rapidfuzz partial_ratio a misspelled word must reach
FUZZY_KEPT = 200  # SQLite: the closest misspellings kept


@dataclass(frozen=True)
class TextSearch:
    """A query turned into SQL on ``search_documents``: the condition and the ordering by relevance."""

    condition: ColumnElement[bool]
    order: tuple[Any, ...]

    def join(self, stmt: Select[Any], kind: str, id_column: Any) -> Select[Any]:
        """``stmt`` joined to its documents of ``kind`` and narrowed to the matching ones."""
        on = and_(SearchDocument.kind == kind, SearchDocument.id == id_column)
        return stmt.join(SearchDocument, on).where(self.condition)


def folded_query(session: Session, q: str) -> str:
    """The query as the index holds text: lower case, accents removed, spaces collapsed."""
    if session.get_bind().dialect.name == "postgresql":
        folded = session.scalar(select(func.lower(func.unaccent(literal(q))))) or ""
    else:
        folded = fold(q)
    return " ".join(folded.split())


def _as_substring(folded: str) -> bool:
    """Whether the query is also looked for inside words ("water" in "Bluewater", "r_p" in "solar_power"): one
    token without digits, long enough to be found through trigrams. Several words, or digits (references, numbers:
    trigrams every document shares), go through the word index alone."""
    return len(folded) >= 3 and " " not in folded and not any(char.isdigit() for char in folded)


def _like(value: str, *, prefix_only: bool = False) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"{escaped}%" if prefix_only else f"%{escaped}%"


def text_search(session: Session, kind: str, q: str) -> TextSearch:
    """The condition and relevance ordering for ``q`` over documents of ``kind``; never fails on odd input."""
    folded = folded_query(session, q)
    words = WORD.findall(folded)
    if not words:  # nothing searchable is left (only punctuation or operators): nothing matches
        return TextSearch(false(), ())
    body, reference = SearchDocument.body, SearchDocument.reference
    substring = body.like(_like(folded), escape="\\") if _as_substring(folded) else false()
    by_reference = reference.like(_like(folded, prefix_only=True), escape="\\")
    if session.get_bind().dialect.name == "postgresql":
        document = literal_column("search_documents.document")
        alternatives = _similar_words(session, words)
        prefixes = document.op("@@")(func.to_tsquery("simple", " & ".join([*words[:-1], f"{words[-1]}:*"])))
        whole = document.op("@@")(func.to_tsquery("simple", " & ".join(words)))
        near = prefixes | substring  # the reference is in the body: its matches are among these
        if alternatives != [[word] for word in words]:
            either = " & ".join("(" + " | ".join(group) + ")" for group in alternatives)
            fuzzy = document.op("@@")(func.to_tsquery("simple", either))
        else:
            fuzzy = false()
        closeness = literal(1.0)  # misspellings follow the list's order among themselves
        condition = near | fuzzy
    else:
        bit = KIND_BIT[kind]
        prefixes = SearchDocument.id.in_(
            _fts(" ".join([*(f'"{w}"' for w in words[:-1]), f'"{words[-1]}"*']), bit, "fts_prefix")
        )
        whole = SearchDocument.id.in_(_fts(" ".join(f'"{word}"' for word in words), bit, "fts_whole"))
        near = prefixes | substring  # the reference is in the body: its matches are among these
        close = _misspelt(session, kind, folded, words)
        fuzzy = SearchDocument.id.in_(list(close)) if close else false()
        closeness = case((near, 1.0), *((SearchDocument.id == i, s) for i, s in close.items()), else_=0.0)
        condition = near | fuzzy
    tier = case((reference == folded, 4), (by_reference, 3), (whole, 2), (prefixes | substring, 1), else_=0)
    return TextSearch(and_(SearchDocument.kind == kind, condition), (tier.desc(), closeness.desc()))


def _similar_words(session: Session, words: list[str]) -> list[list[str]]:
    """PostgreSQL: each query word with the known words it may be a misspelling of (pg_trgm similarity)."""
    groups = []
    for word in words:
        group = [word]
        if len(word) >= MIN_FUZZY_LETTERS and word.isalpha():
            similar = (
                select(SearchWord.word)
                .where(SearchWord.word.op("%")(word), func.similarity(SearchWord.word, word) >= SIMILARITY)
                .order_by(func.similarity(SearchWord.word, word).desc(), SearchWord.word)
                .limit(SIMILAR_WORDS)
            )
            group += [found for found in session.scalars(similar) if found != word and found.isalpha()]
        groups.append(group)
    return groups


def _fts(expression: str, bit: int, name: str) -> Any:
    statement = text(
        f"SELECT rowid / 2 AS id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :{name} AND rowid % 2 = {bit}"
    ).bindparams(**{name: expression})
    return statement.columns(column("id", Integer))


def _misspelt(session: Session, kind: str, folded: str, words: list[str]) -> dict[int, float]:
    """SQLite: documents close to a misspelled query (rapidfuzz over those sharing a word's first letters)."""
    if len("".join(words)) < MIN_FUZZY_LETTERS:
        return {}
    from rapidfuzz import fuzz

    starts = " OR ".join(f'"{word[:3]}"*' for word in words if len(word) >= 3)
    if not starts:
        return {}
    rows = session.execute(
        select(SearchDocument.id, SearchDocument.body)
        .where(SearchDocument.kind == kind, SearchDocument.id.in_(_fts(starts, KIND_BIT[kind], "fts_start")))
        .limit(FUZZY_CANDIDATES)
    )
    scored = ((identifier, fuzz.partial_ratio(folded, body)) for identifier, body in rows)
    closest = sorted((pair for pair in scored if pair[1] >= FUZZY_SCORE), key=lambda pair: -pair[1])
    return {identifier: score / 100 for identifier, score in closest[:FUZZY_KEPT]}
