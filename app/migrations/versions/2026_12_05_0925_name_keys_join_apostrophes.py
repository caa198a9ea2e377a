"""Organisation name keys join a word's apostrophe ("Women's" is "womens") and leave out a trailing acronym or
kind in brackets ("Jordan River Foundation (JRF)", "TIN TUA (ONG)"), so spellings with and without them match.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 09:25:00+00:00
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The key as this revision defines it (frozen here: later changes to the application's function do not apply).
SUFFIXES = {"ltd", "limited", "inc", "incorporated", "llc", "plc", "gmbh", "ev", "asbl", "sarl", "corp"}
APOSTROPHE = re.compile(r"(?<=\w)['\u2019\u2018`\u00b4](?=\w)")
TRAILING = re.compile(r"\s*[(\[]\s*([^\s()\[\]]{2,12})\s*[)\]]\s*$")
KINDS = {"ong", "ngo", "ingo", "ongi", "cso", "cbo", "osc"}


def _words(value: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    plain = re.sub(r"(?<=\b\w)\.(?=\w\b)", "", plain)
    return re.findall(r"[^\W_]+", plain.replace("&", " and "))


def _key(name: str) -> str:
    found = TRAILING.search(name)
    if found is not None and found.start() > 0:
        letters = [char for char in found[1] if char.isalpha()]
        if (letters and all(char.isupper() for char in letters)) or "".join(_words(found[1])) in SUFFIXES | KINDS:
            name = name[: found.start()]
    words = _words(APOSTROPHE.sub("", name))
    while len(words) > 1 and words[-1] in SUFFIXES:
        words.pop()
    return " ".join(words)[:300]


def upgrade() -> None:
    connection = op.get_bind()
    organisations = sa.table("organisations", sa.column("id"), sa.column("legal_name"), sa.column("name_key"))
    marks = ("'", "\u2019", "\u2018", "`", "\u00b4", "(", "[")
    found = connection.execute(
        sa.select(organisations.c.id, organisations.c.legal_name).where(
            sa.or_(*(organisations.c.legal_name.contains(mark) for mark in marks))
        )
    ).all()
    for identifier, legal_name in found:
        connection.execute(
            organisations.update().where(organisations.c.id == identifier).values(name_key=_key(legal_name or ""))
        )


def downgrade() -> None:
    """Keys with joined apostrophes still find every organisation they found before; nothing to undo."""
