"""Command line: reports (being built)."""

from __future__ import annotations

import typer


def register(cli: typer.Typer) -> None:
    """Add this domain's commands to the ``agreements`` command line."""
