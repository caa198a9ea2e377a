"""Optimistic concurrency: one check that a write is based on the row's current version (``If-Match``)."""

from __future__ import annotations

from app.errors import PreconditionFailed
from app.i18n import MESSAGES, record_noun


def check_version(entity_name: str, current: int, expected: int | None) -> None:
    """Refuse a write based on a stale copy (``If-Match`` with an older version); ``None`` means unchecked."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            MESSAGES.gettext(
                "the {entity} was changed by someone else (now version {current}, you had {expected}); "
                "reload it and apply your change again",
                entity=record_noun(entity_name),
                current=current,
                expected=expected,
            )
        )
