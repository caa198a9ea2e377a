"""Domain errors raised by services; the API and CLI turn them into problems and messages."""

from __future__ import annotations

from dataclasses import dataclass


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
