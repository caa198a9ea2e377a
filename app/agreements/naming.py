"""How an agreement is named outside the application: download and output file names built on its reference."""

from __future__ import annotations

from app.agreements.models import Agreement


def _plain(text: str) -> str:
    return "".join(char if char.isalnum() or char in "-_" else "-" for char in text).strip("-")


def agreement_file_name(agreement: Agreement, extension: str, *, version: int | None = None) -> str:
    """The file name of an agreement's document, such as ``MOU-2026-0042-EXT1-v3.pdf`` (unique per agreement)."""
    stem = _plain(agreement.reference or f"agreement-{agreement.id}") or f"agreement-{agreement.id}"
    if version is not None:
        stem = f"{stem}-v{version}"
    suffix = _plain(extension.lstrip("."))
    return f"{stem}.{suffix}" if suffix else stem
