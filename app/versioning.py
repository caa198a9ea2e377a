"""Optimistic concurrency: one check that a write is based on the row's current version (``If-Match``)."""

from __future__ import annotations

from app.errors import PreconditionFailed
from app.i18n import MESSAGES


def noun(entity_name: str) -> str:
    """A kind of record named in a sentence, in the current language ("agreement", "accord")."""
    nouns = {
        "agreement": MESSAGES.gettext("agreement"),
        "partnership": MESSAGES.gettext("partnership"),
        "organisation": MESSAGES.gettext("organisation"),
        "obligation": MESSAGES.gettext("obligation"),
        "reminder": MESSAGES.gettext("reminder"),
        "user": MESSAGES.gettext("user"),
        "contact": MESSAGES.gettext("contact"),
    }
    return nouns.get(entity_name, entity_name)


def check_version(entity_name: str, current: int, expected: int | None) -> None:
    """Refuse a write based on a stale copy (``If-Match`` with an older version); ``None`` means unchecked."""
    if expected is not None and expected != current:
        raise PreconditionFailed(
            MESSAGES.gettext(
                "the {entity} was changed by someone else (now version {current}, you had {expected}); "
                "reload it and apply your change again",
                entity=noun(entity_name),
                current=current,
                expected=expected,
            )
        )
