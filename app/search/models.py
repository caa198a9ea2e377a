"""The search index: one normalised text document per partnership and per organisation.

``search_documents`` holds, keyed by ``(kind, id)``, the searchable text of each record, folded (lower case,
accents removed): a partnership's reference, title and its parties' legal and short names; an organisation's
legal and short names. ``reference`` is the folded identifier an exact match ranks first (a partnership's
reference, an organisation's acronym). It is derived data: ``app.search.index`` writes it in the same flush as
the records it comes from, and ``rebuild_search_index`` recomputes it from them.

Each database adds its own full-text machinery, created by the migration and invisible to the models (Alembic's
comparison leaves them out, see ``NOT_IN_MODELS``):

- PostgreSQL: a stored ``document`` tsvector column (``'simple'`` configuration over the folded words), a GIN index
  on it, and a ``pg_trgm`` GIN index on ``body`` (substring ``LIKE``), each partial, one per kind of document;
  ``search_words`` (PostgreSQL only) holds every indexed word of four letters or more, with a trigram index: a
  misspelled query word is replaced by the known words it resembles, so misspellings go through the same GIN
  index as the rest (the ``pg_trgm`` documentation's "table of words" technique);
- SQLite: the FTS5 table ``search_fts`` (``unicode61 remove_diacritics 2``, prefix indexes), whose rowid is
  ``id * 2`` for a partnership and ``id * 2 + 1`` for an organisation, and its vocabulary ``search_fts_vocab``
  (``fts5vocab``) where misspellings are looked up.
"""

from __future__ import annotations

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base

PARTNERSHIP = "partnership"
ORGANISATION = "organisation"
KIND_BIT = {PARTNERSHIP: 0, ORGANISATION: 1}
"""The last bit of a document's rowid in SQLite's ``search_fts`` (rowid = id * 2 + bit)."""

FTS_TABLE = "search_fts"
FTS_VOCABULARY = "search_fts_vocab"
NOT_IN_MODELS = frozenset(
    {
        FTS_TABLE,
        FTS_VOCABULARY,
        *(f"{FTS_TABLE}_{shadow}" for shadow in ("data", "idx", "content", "docsize", "config")),
        *(f"ix_search_documents_{name}_{kind}" for name in ("document", "body_trgm") for kind in KIND_BIT),
        "ix_search_words_word_trgm",
    }
)
"""What the migration creates beside the models (FTS5 and GIN machinery); Alembic's comparison skips these."""
NOT_IN_MODELS_COLUMNS = frozenset({("search_documents", "document")})


class SearchDocument(Base):
    """The folded searchable text of one partnership or organisation."""

    __tablename__ = "search_documents"
    __table_args__ = (
        # The first tiers of a search by relevance (the reference is the query, or begins with it) are probes of
        # this index; on PostgreSQL its pattern operators serve LIKE 'prefix%' under any collation.
        Index(
            "ix_search_documents_kind_reference",
            "kind",
            "reference",
            postgresql_ops={"reference": "varchar_pattern_ops"},
        ),
    )

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    reference: Mapped[str | None] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)


class SearchWord(Base):
    """A word some search document holds (PostgreSQL fills it; misspellings are looked up among these)."""

    __tablename__ = "search_words"

    word: Mapped[str] = mapped_column(String(100), primary_key=True)
