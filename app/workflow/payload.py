"""The data a transition takes (a termination date, signatures…), declared per trigger in the workflow file."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from app.errors import FieldProblem, ValidationFailed
from app.i18n import MESSAGES

MAX_TEXT = 2000
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class PayloadError(ValueError):
    """One field of a payload is wrong; ``field`` is relative to the payload."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(reason)
        self.field = field
        self.reason = reason


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise PayloadError(field, "must be a non-empty text")
    if len(value) > MAX_TEXT:
        raise PayloadError(field, f"must be at most {MAX_TEXT} characters")
    if "\x00" in value:
        raise PayloadError(field, "must not contain NUL characters")
    return value.strip()


def _date(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise PayloadError(field, "must be a date written YYYY-MM-DD")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise PayloadError(field, f"{value[:40]!r} is not a date written YYYY-MM-DD") from None


def _sha256(value: Any, field: str) -> str:
    if not isinstance(value, str) or not _SHA256.match(value.lower()):
        raise PayloadError(field, "must be the 64-character hexadecimal SHA-256 of a document version")
    return value.lower()


def _signatures(value: Any, field: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise PayloadError(field, "must be a non-empty list of signatures")
    if len(value) > 100:
        raise PayloadError(field, "must list at most 100 signatures")
    parsed = []
    for index, item in enumerate(value):
        where = f"{field}[{index}]"
        if not isinstance(item, dict):
            raise PayloadError(where, "must be an object with party_id, signatory_name, signatory_title, signed_on")
        unknown = sorted(set(item) - {"party_id", "signatory_name", "signatory_title", "signed_on"})
        if unknown:
            raise PayloadError(f"{where}.{unknown[0]}", "is not a field of a signature")
        party_id = item.get("party_id")
        if party_id is not None and (type(party_id) is not int or not 0 < party_id <= 2**31 - 1):
            raise PayloadError(f"{where}.party_id", "must be the id of a party, or null for the organisation")
        parsed.append(
            {
                "party_id": party_id,
                "signatory_name": _text(item.get("signatory_name"), f"{where}.signatory_name")[:200],
                "signatory_title": _text(item.get("signatory_title"), f"{where}.signatory_title")[:200],
                "signed_on": _date(item.get("signed_on"), f"{where}.signed_on"),
            }
        )
    return parsed


PARSERS: dict[str, Callable[[Any, str], Any]] = {
    "text": _text,
    "date": _date,
    "sha256": _sha256,
    "signatures": _signatures,
}


@dataclass(frozen=True)
class PayloadField:
    """One declared field of a transition's payload."""

    name: str
    type: str
    required: bool
    description: str


def parse_payload(fields: tuple[PayloadField, ...], raw: dict[str, Any] | None) -> dict[str, Any]:
    """Check ``raw`` against the declared fields; every problem is reported at once, named ``payload.<field>``."""
    raw = raw or {}
    problems: list[FieldProblem] = []
    declared = {spec.name: spec for spec in fields}
    for name in sorted(set(raw) - set(declared)):
        allowed = ", ".join(declared) or "none"
        problems.append(
            FieldProblem(
                f"payload.{name}",
                MESSAGES.gettext("is not accepted by this action; accepted: {allowed}", allowed=allowed),
            )
        )
    parsed: dict[str, Any] = {}
    for spec in fields:
        value = raw.get(spec.name)
        if value is None:
            if spec.required:
                problems.append(
                    FieldProblem(
                        f"payload.{spec.name}",
                        MESSAGES.gettext("is required: {description}", description=spec.description),
                    )
                )
            continue
        try:
            parsed[spec.name] = PARSERS[spec.type](value, spec.name)
        except PayloadError as exc:
            problems.append(FieldProblem(f"payload.{exc.field}", exc.reason))
    if problems:
        raise ValidationFailed(problems)
    return parsed
