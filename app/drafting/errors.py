"""Errors of the drafting engine: a template that cannot be used, and variables that cannot fill one."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import DomainError


def seconds(value: float) -> str:
    """``1 second``, ``2.5 seconds``."""
    return f"{value:g} second{'' if value == 1 else 's'}"


def too_slow(timeout_s: float) -> str:
    """The reason a render was stopped: it took longer than ``timeout_s`` seconds."""
    return f"the template took longer than {seconds(timeout_s)} to render"


class TemplateError(DomainError):
    """A template cannot be loaded, parsed or rendered; the message says which file or what went wrong."""

    status = 422
    title = "Template cannot be used"


class UnknownTemplate(TemplateError):
    """No template has the key asked for."""

    status = 404
    title = "Not found"


@dataclass(frozen=True)
class Problem:
    """One reason the variables cannot fill a template, in words a project manager understands."""

    variable: str
    message: str

    @property
    def field(self) -> str:
        """The variable, under the name the API's problem bodies use."""
        return self.variable

    @property
    def reason(self) -> str:
        """The message, under the name the API's problem bodies use."""
        return self.message


class PreflightFailed(TemplateError):
    """The variables are incomplete or wrong; ``problems`` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.message for p in problems), problems)  # type: ignore[arg-type]
