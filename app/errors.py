"""Domain errors raised by services; the API and CLI turn them into problems and messages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.i18n import MESSAGES


@dataclass(frozen=True)
class FieldProblem:
    """One reason a value was refused, naming the field it concerns."""

    field: str
    reason: str


class DomainError(Exception):
    """Base of the errors a service raises on purpose."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.problems = problems or []


class ValidationFailed(DomainError):
    """The input breaks a business rule; ``problems`` lists every field and reason."""

    status = 422
    title = "Invalid input"

    def __init__(self, problems: list[FieldProblem]) -> None:
        detail = "; ".join(f"{p.field}: {p.reason}" for p in problems)
        super().__init__(detail, problems)


class NotFound(DomainError):
    """The thing asked for does not exist."""

    status = 404
    title = "Not found"


class Conflict(DomainError):
    """The request clashes with existing data (a duplicate, a stale version)."""

    status = 409
    title = "Conflict"


class PreconditionFailed(DomainError):
    """The client's ``If-Match`` no longer matches: someone else changed the record."""

    status = 412
    title = "Precondition failed"


class BadHeader(DomainError):
    """A request header is not in the form the API accepts (too long, or not its syntax); ``field`` names it."""

    status = 400
    title = "Bad request"

    def __init__(self, header: str, reason: str) -> None:
        super().__init__(f"{header}: {reason}", [FieldProblem(header, reason)])


class Forbidden(DomainError):
    """The user's roles do not allow the action."""

    status = 403
    title = "Forbidden"


def invalid(field: str, reason: str) -> ValidationFailed:
    """Shorthand for a validation error about one field."""
    return ValidationFailed([FieldProblem(field, reason)])


def _expected(ctx: dict[str, Any]) -> str:
    """Pydantic's list of allowed values ("'a', 'b' or 'c'") with its last joining word in the current language."""
    return str(ctx.get("expected", "")).replace("' or '", f"' {MESSAGES.gettext('or')} '")


def pydantic_reason(kind: str, ctx: dict[str, Any]) -> str | None:
    """A common Pydantic refusal in the current language, from its ``type`` and ``ctx``; None for the rare ones."""
    if kind in {"string_too_long", "too_long"}:
        most = int(ctx.get("max_length", 0))
        if kind == "too_long":
            return MESSAGES.ngettext("should have at most {n} item", "should have at most {n} items", most)
        return MESSAGES.ngettext("should have at most {n} character", "should have at most {n} characters", most)
    if kind in {"string_too_short", "too_short"}:
        least = int(ctx.get("min_length", 0))
        if kind == "too_short":
            return MESSAGES.ngettext("should have at least {n} item", "should have at least {n} items", least)
        return MESSAGES.ngettext("should have at least {n} character", "should have at least {n} characters", least)
    bounds = {
        "greater_than_equal": lambda: MESSAGES.gettext("should be greater than or equal to {limit}", limit=ctx["ge"]),
        "greater_than": lambda: MESSAGES.gettext("should be greater than {limit}", limit=ctx["gt"]),
        "less_than_equal": lambda: MESSAGES.gettext("should be less than or equal to {limit}", limit=ctx["le"]),
        "less_than": lambda: MESSAGES.gettext("should be less than {limit}", limit=ctx["lt"]),
        "enum": lambda: MESSAGES.gettext("should be {expected}", expected=_expected(ctx)),
        "literal_error": lambda: MESSAGES.gettext("should be {expected}", expected=_expected(ctx)),
        "int_parsing": lambda: MESSAGES.gettext("should be a whole number"),
        "int_type": lambda: MESSAGES.gettext("should be a whole number"),
        "int_from_float": lambda: MESSAGES.gettext("should be a whole number"),
        "float_parsing": lambda: MESSAGES.gettext("should be a number"),
        "float_type": lambda: MESSAGES.gettext("should be a number"),
        "decimal_parsing": lambda: MESSAGES.gettext("should be a number"),
        "bool_parsing": lambda: MESSAGES.gettext("should be true or false"),
        "bool_type": lambda: MESSAGES.gettext("should be true or false"),
        "string_type": lambda: MESSAGES.gettext("should be text"),
        "list_type": lambda: MESSAGES.gettext("should be a list"),
        "dict_type": lambda: MESSAGES.gettext("should be an object"),
        "model_type": lambda: MESSAGES.gettext("should be an object"),
        "model_attributes_type": lambda: MESSAGES.gettext("should be an object"),
        "date_parsing": lambda: MESSAGES.gettext("should be a date (YYYY-MM-DD)"),
        "date_from_datetime_parsing": lambda: MESSAGES.gettext("should be a date (YYYY-MM-DD)"),
        "date_type": lambda: MESSAGES.gettext("should be a date (YYYY-MM-DD)"),
        "datetime_parsing": lambda: MESSAGES.gettext("should be a date and time (ISO 8601)"),
        "datetime_from_date_parsing": lambda: MESSAGES.gettext("should be a date and time (ISO 8601)"),
        "datetime_type": lambda: MESSAGES.gettext("should be a date and time (ISO 8601)"),
        "string_pattern_mismatch": lambda: MESSAGES.gettext("is not in the expected form"),
        "url_parsing": lambda: MESSAGES.gettext("should be a web address"),
        "url_scheme": lambda: MESSAGES.gettext("should be a web address"),
        "uuid_parsing": lambda: MESSAGES.gettext("should be a UUID"),
    }
    return bounds[kind]() if kind in bounds else None
