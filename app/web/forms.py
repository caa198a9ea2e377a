"""Turning submitted forms into the same validated inputs the API takes, and errors into field messages."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData

from app.api.problems import field_name
from app.errors import DomainError, FieldProblem, ValidationFailed
from app.schemas import TEXT_VALUES

T = TypeVar("T", bound=BaseModel)


def validate(model: type[T], data: dict[str, Any]) -> T:
    """``model`` built from ``data``; pydantic's complaints become a ``ValidationFailed`` naming each field."""
    try:
        return model.model_validate(data, context=TEXT_VALUES)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            reason = str(error.get("msg", "is invalid")).removeprefix("Value error, ")
            if error.get("type") == "missing":
                reason = "is required"
            problems.append(FieldProblem(field_name(error.get("loc", ())), reason))
        raise ValidationFailed(problems) from None


def field_errors(exc: DomainError) -> dict[str, str]:
    """Field → message, for showing next to each input; errors without a field go under ``""``."""
    errors: dict[str, str] = {}
    for problem in exc.problems:
        errors.setdefault(problem.field, problem.reason)
    if not exc.problems:
        errors[""] = exc.detail
    return errors


def text(form: FormData, name: str) -> str | None:
    """A text field, trimmed; ``None`` when empty or absent."""
    value = form.get(name)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def texts(form: FormData, name: str) -> list[str]:
    """Every non-empty value of a repeated field (checkboxes, multi-selects)."""
    return [value.strip() for value in form.getlist(name) if isinstance(value, str) and value.strip()]


def kept(form: FormData) -> dict[str, Any]:
    """What the user typed, to fill the form again after an error (repeated fields as lists; no secrets)."""
    values: dict[str, Any] = {}
    for key in form:
        if key in {"csrf_token", "password"}:
            continue
        items = [value for value in form.getlist(key) if isinstance(value, str)]
        values[key] = items if len(items) > 1 else (items[0] if items else "")
    return values
