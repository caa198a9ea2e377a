"""Search index: one folded text document per partnership and organisation, with full-text machinery.

PostgreSQL: the ``unaccent`` and ``pg_trgm`` extensions, a stored ``document`` tsvector ('simple' over the folded
words), a GIN index on it, a trigram GIN index on the text, and the words with a trigram index (misspellings). SQLite: the FTS5 table ``search_fts``
(``unicode61 remove_diacritics 2``, prefix indexes) and its vocabulary. Backfilled with one ``INSERT ... SELECT`` per kind.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 06:00:00+00:00
"""

import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTNERSHIPS = """
    INSERT INTO search_documents (kind, id, reference, body)
    SELECT 'partnership', p.id, {fold_reference},
           {fold_body}
    FROM partnerships p
    LEFT JOIN (
        SELECT pp.partnership_id, {names} AS names
        FROM partnership_parties pp JOIN organisations o ON o.id = pp.organisation_id
        GROUP BY pp.partnership_id
    ) n ON n.partnership_id = p.id
"""
ORGANISATIONS = """
    INSERT INTO search_documents (kind, id, reference, body)
    SELECT 'organisation', o.id, {fold_reference}, {fold_body} FROM organisations o
"""
PARTNERSHIP_BODY = "p.reference || ' ' || p.title || coalesce(' ' || n.names, '')"
ORGANISATION_BODY = "o.legal_name || coalesce(' ' || o.short_name, '')"
PARTY_NAME = "o.legal_name || coalesce(' ' || o.short_name, '')"


def _fold(value: str | None) -> str | None:
    """As app.search.index.fold: lower case, accents removed (registered on SQLite as search_fold)."""
    if value is None:
        return None
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    op.create_table(
        "search_documents",
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "id", name=op.f("pk_search_documents")),
    )
    op.create_table(
        "search_words",
        sa.Column("word", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("word", name=op.f("pk_search_words")),
    )
    if postgresql:
        op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        fold = "lower(unaccent({}))"
        names = f"string_agg({PARTY_NAME}, ' ' ORDER BY pp.id)"
    else:
        bind.connection.driver_connection.create_function("search_fold", 1, _fold, deterministic=True)
        fold = "search_fold({})"
        names = f"group_concat({PARTY_NAME}, ' ')"
    op.execute(
        ORGANISATIONS.format(fold_reference=fold.format("o.short_name"), fold_body=fold.format(ORGANISATION_BODY))
    )
    op.execute(
        PARTNERSHIPS.format(
            fold_reference=fold.format("p.reference"), fold_body=fold.format(PARTNERSHIP_BODY), names=names
        )
    )
    if postgresql:
        op.execute(
            "ALTER TABLE search_documents ADD COLUMN document tsvector GENERATED ALWAYS AS "
            "(to_tsvector('simple'::regconfig, regexp_replace(body, '[^[:alnum:]]+', ' ', 'g'))) STORED"
        )
        op.execute("CREATE INDEX ix_search_documents_document ON search_documents USING gin (document)")
        op.execute("CREATE INDEX ix_search_documents_body_trgm ON search_documents USING gin (body gin_trgm_ops)")
        op.execute(
            "INSERT INTO search_words (word) SELECT DISTINCT word FROM search_documents, "
            "unnest(tsvector_to_array(document)) AS word WHERE length(word) BETWEEN 4 AND 100 AND word !~ '[0-9]'"
        )
        op.execute("CREATE INDEX ix_search_words_word_trgm ON search_words USING gin (word gin_trgm_ops)")
        op.execute("ANALYZE search_documents")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(body, tokenize = 'unicode61 remove_diacritics 2', "
            "prefix = '2 3')"
        )
        op.execute(
            "INSERT INTO search_fts (rowid, body) SELECT id * 2 + CASE kind WHEN 'organisation' THEN 1 ELSE 0 END, "
            "body FROM search_documents"
        )
        op.execute("CREATE VIRTUAL TABLE search_fts_vocab USING fts5vocab(search_fts, 'row')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts_vocab")
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_words")
    op.drop_table("search_documents")
