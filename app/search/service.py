"""Free-text search: which documents match a query, and how relevant each is — one contract on both databases.

A document matches when it holds every word of the query, the last one possibly unfinished (accents and case
ignored: "Societe" finds "Société", "kenya red cr" finds "Kenya Red Cross"), or, for a one-word query without
digits, when it holds the query inside a word as typed ("water" in "Bluewater", "r_p" in "Solar_Power").
Misspellings ("Interntional") are found too: a word of four letters or more is also looked for as the known
words that resemble it (PostgreSQL: ``pg_trgm`` similarity over ``search_words``; SQLite: rapidfuzz over FTS5's
vocabulary); those documents come after the others.

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
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from app.search.index import fold
from app.search.models import FTS_TABLE, FTS_VOCABULARY, KIND_BIT, SearchDocument, SearchWord

WORD = re.compile(r"[^\W_]+")
MIN_FUZZY_LETTERS = 4  # a shorter query is too short to be a misspelling of anything in particular
SIMILARITY = 0.5  # PostgreSQL: pg_trgm similarity of a misspelled word to a known one
SIMILAR_WORDS = 5  # PostgreSQL: known words tried for one misspelled word
MISSPELLABLE = 5  # words of one query looked up as possible misspellings
SIMILAR_RATIO = 80  # SQLite: rapidfuzz ratio of a misspelled word to a known one (about pg_trgm's 0.5)


@dataclass(frozen=True)
class TextSearch:
    """A query turned into SQL on ``search_documents``: the condition and the ordering by relevance.

    ``tiers`` split the matches by relevance, most relevant first: mutually exclusive conditions whose union is
    ``condition``, each holding the documents that ``order`` ranks the same. A page read tier by tier reads a few
    index entries of each, where ``order`` would rank every match (a common word matches a tenth of a million).
    """

    condition: ColumnElement[bool]
    order: tuple[Any, ...]
    tiers: tuple[ColumnElement[bool], ...] = ()

    def join(self, stmt: Select[Any], kind: str, id_column: Any, *, narrowed: bool = True) -> Select[Any]:
        """``stmt`` joined to its documents of ``kind`` and narrowed to the matching ones (not ``narrowed``: every
        document, for a query that adds one of the ``tiers`` itself)."""
        on = and_(SearchDocument.kind == kind, SearchDocument.id == id_column)
        joined = stmt.join(SearchDocument, on)
        return joined.where(self.condition) if narrowed else joined


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
        return TextSearch(false(), (), ())
    body, reference = SearchDocument.body, SearchDocument.reference
    substring = body.like(_like(folded), escape="\\") if _as_substring(folded) else false()
    by_reference = reference.like(_like(folded, prefix_only=True), escape="\\")
    alternatives = _similar_words(session, words)
    if session.get_bind().dialect.name == "postgresql":
        document = literal_column("search_documents.document")
        prefixes = document.op("@@")(func.to_tsquery("simple", " & ".join([*words[:-1], f"{words[-1]}:*"])))
        whole = document.op("@@")(func.to_tsquery("simple", " & ".join(words)))
        near = prefixes | substring  # the reference is in the body: its matches are among these
        if alternatives != [[word] for word in words]:
            either = " & ".join("(" + " | ".join(group) + ")" for group in alternatives)
            fuzzy = document.op("@@")(func.to_tsquery("simple", either))
        else:
            fuzzy = false()
    else:
        bit = KIND_BIT[kind]
        prefixes = SearchDocument.id.in_(
            _fts(" ".join([*(f'"{w}"' for w in words[:-1]), f'"{words[-1]}"*']), bit, "fts_prefix")
        )
        whole = SearchDocument.id.in_(_fts(" ".join(f'"{word}"' for word in words), bit, "fts_whole"))
        near = prefixes | substring  # the reference is in the body: its matches are among these
        if alternatives != [[word] for word in words]:
            # FTS5 takes juxtaposed phrases as AND, but not juxtaposed parentheses: the AND is spelt out
            either = " AND ".join("(" + " OR ".join(f'"{word}"' for word in group) + ")" for group in alternatives)
            fuzzy = SearchDocument.id.in_(_fts(either, bit, "fts_either"))
        else:
            fuzzy = false()
    tier = case((reference == folded, 4), (by_reference, 3), (whole, 2), (near, 1), else_=0)
    # misspellings (tier 0) follow the list's order among themselves
    of_kind = SearchDocument.kind == kind
    condition = and_(of_kind, near | fuzzy)
    not_by_reference = or_(reference.is_(None), ~by_reference)  # NULL-safe: a document without a reference
    # Each tier names only what it needs (whole words imply the prefixes, which imply a match): a condition repeated
    # in another form would make the planner multiply their selectivities and expect a handful of rows.
    tiers = (
        and_(condition, reference == folded),
        and_(condition, by_reference, reference != folded),
        and_(of_kind, whole, not_by_reference),
        and_(of_kind, near, ~whole, not_by_reference),
        and_(of_kind, fuzzy, ~near, not_by_reference),
    )
    return TextSearch(condition, (tier.desc(),), tiers)


def _similar_words(session: Session, words: list[str]) -> list[list[str]]:
    """Each query word with the known words it may be a misspelling of (only words of letters, four or more).

    PostgreSQL asks ``search_words`` for ``pg_trgm`` similarity; SQLite reads FTS5's own vocabulary
    (``search_fts_vocab``) and scores it with rapidfuzz. Either way a misspelt word is replaced by real words, so the
    documents are then found through the full-text index like any other.
    """
    misspellable = [word for word in words if len(word) >= MIN_FUZZY_LETTERS and word.isalpha()][:MISSPELLABLE]
    if not misspellable:
        return [[word] for word in words]
    if session.get_bind().dialect.name == "postgresql":
        similar = {word: _similar_in_search_words(session, word) for word in misspellable}
    else:
        similar = _similar_in_vocabulary(session, misspellable)
    known = {word for word, found in similar.items() if word in found}  # a word the index holds is no misspelling
    return [
        [word, *(found for found in similar.get(word, []) if word not in known and found != word)] for word in words
    ]


def _similar_in_search_words(session: Session, word: str) -> list[str]:
    similarity = func.similarity(SearchWord.word, word)
    stmt = (
        select(SearchWord.word)
        .where(SearchWord.word.op("%")(word), similarity >= SIMILARITY)
        .order_by(similarity.desc(), SearchWord.word)
        .limit(SIMILAR_WORDS)
    )
    return [found for found in session.scalars(stmt) if found.isalpha()]


def _similar_in_vocabulary(session: Session, words: list[str]) -> dict[str, list[str]]:
    from rapidfuzz import fuzz, process

    terms = [term for term in session.scalars(text(f"SELECT term FROM {FTS_VOCABULARY}")) if term.isalpha()]
    return {
        word: [
            term
            for term, _score, _index in process.extract(
                word, terms, scorer=fuzz.ratio, score_cutoff=SIMILAR_RATIO, limit=SIMILAR_WORDS
            )
        ]
        for word in words
    }


def _fts(expression: str, bit: int, name: str) -> Any:
    statement = text(
        f"SELECT rowid / 2 AS id FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH :{name} AND rowid % 2 = {bit}"
    ).bindparams(**{name: expression})
    return statement.columns(column("id", Integer))
