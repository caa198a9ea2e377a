"""The data shipped inside the package: workflow definitions, agreement and email templates, Alembic migrations.

Found through :mod:`importlib.resources`, so an installed wheel finds them exactly as a checkout does. Jinja's
loaders and Alembic's ``script_location`` need a real directory: :func:`importlib.resources.as_file` gives the
directory itself for an ordinary install, and a copy kept for the life of the process otherwise.
"""

from __future__ import annotations

import atexit
from contextlib import ExitStack
from functools import lru_cache
from importlib.resources import as_file, files
from pathlib import Path

PACKAGE = __name__.rpartition(".")[0]
DATA_DIRECTORIES: dict[str, tuple[str, ...]] = {
    "workflows": ("workflows",),
    "agreement_templates": ("templates", "agreements"),
    "email_templates": ("templates", "emails"),
    "document_styles": ("templates", "documents"),
    "migrations": ("migrations",),
    "locale": ("locale",),
}
"""Each kind of shipped data and its folder inside the package."""

_EXTRACTED = ExitStack()
atexit.register(_EXTRACTED.close)


@lru_cache
def data_directory(kind: str) -> Path:
    """The real directory holding one kind of shipped data (a key of ``DATA_DIRECTORIES``)."""
    resource = files(PACKAGE).joinpath(*DATA_DIRECTORIES[kind])
    directory = _EXTRACTED.enter_context(as_file(resource))
    if not directory.is_dir():
        raise FileNotFoundError(f"the {PACKAGE} package ships no {'/'.join(DATA_DIRECTORIES[kind])} directory")
    return directory


def workflows_dir() -> Path:
    """The directory of the workflow definitions (``<name>.yaml``)."""
    return data_directory("workflows")


def agreement_templates_dir() -> Path:
    """The directory of the shipped agreement templates (``<key>/template.yaml`` and clauses)."""
    return data_directory("agreement_templates")


def email_templates_dir() -> Path:
    """The directory of the reminder and alert email templates."""
    return data_directory("email_templates")


def reference_docx() -> Path:
    """The reference Word document every generated DOCX starts from: the house style (fonts, headings, page)."""
    return data_directory("document_styles") / "reference.docx"


def migrations_dir() -> Path:
    """The Alembic script directory (``env.py``, ``script.py.mako``, ``versions/``)."""
    return data_directory("migrations")


@lru_cache
def code_root() -> Path:
    """The directory holding the package itself (what a child Python process needs on its path to import it)."""
    return _EXTRACTED.enter_context(as_file(files(PACKAGE))).resolve().parent
