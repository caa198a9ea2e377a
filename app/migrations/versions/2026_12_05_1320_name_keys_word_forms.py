"""Organisation name keys write common abbreviations and spellings one way ("Assoc." is "association", "Intl"
"international", "Center" "centre", "Organization" "organisation"), so such variants of a name match.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 13:20:00+00:00
"""

import re
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The key as this revision defines it (frozen here: later changes to the application's function do not apply).
SUFFIXES = {"ltd", "limited", "inc", "incorporated", "llc", "plc", "gmbh", "ev", "asbl", "sarl", "corp"}
APOSTROPHE = re.compile(r"(?<=\w)['\u2019\u2018`\u00b4](?=\w)")
TRAILING = re.compile(r"\s*[(\[]\s*([^\s()\[\]]{2,12})\s*[)\]]\s*$")
KINDS = {"ong", "ngo", "ingo", "ongi", "cso", "cbo", "osc"}
FORMS = {
    "assoc": "association", "assn": "association", "asso": "association", "asoc": "asociacion",
    "org": "organisation", "organization": "organisation", "organizations": "organisations",
    "intl": "international", "univ": "university", "dept": "department",
    "natl": "national", "fdn": "foundation", "fndn": "foundation", "soc": "society", "inst": "institute",
    "ctr": "centre", "cntr": "centre", "center": "centre", "centers": "centres", "govt": "government",
    "devt": "development", "dev": "development", "mgmt": "management", "coop": "cooperative",
    "program": "programme", "programs": "programmes", "labor": "labour", "defense": "defence",
}


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
    words = [FORMS.get(word, word) for word in _words(APOSTROPHE.sub("", name))]
    while len(words) > 1 and words[-1] in SUFFIXES:
        words.pop()
    return " ".join(words)[:300]


def upgrade() -> None:
    connection = op.get_bind()
    organisations = sa.table("organisations", sa.column("id"), sa.column("legal_name"), sa.column("name_key"))
    rows = connection.execute(sa.select(organisations.c.id, organisations.c.legal_name, organisations.c.name_key))
    changed = [
        {"key_id": identifier, "new_key": _key(legal_name or "")}
        for identifier, legal_name, name_key in rows
        if _key(legal_name or "") != name_key
    ]
    if changed:
        connection.execute(
            organisations.update()
            .where(organisations.c.id == sa.bindparam("key_id"))
            .values(name_key=sa.bindparam("new_key")),
            changed,
        )


def downgrade() -> None:
    """Keys with one form of each word still find every organisation they found before; nothing to undo."""
