"""What every ``agreements`` command shares: one-line errors, exit codes, the database URL shown, the schema check."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import migrate
from app.config import ConfigError, Settings
from app.errors import DomainError
from app.workflow.actor import Actor
from app.workflow.definition import WorkflowDefinitionError

F = TypeVar("F", bound=Callable[..., Any])


def operator(command: str) -> Actor:
    """The system, acting for whoever runs ``command``: they hold the database already, so no role is asked of them.

    A command that acts for a named user (``import --as``) passes that user to the services instead.
    """
    return Actor.system(reason=f"agreements {command}")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr and return the exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def friendly_errors(command: F) -> F:
    """Turn the errors a user can cause into one-line messages and a non-zero exit, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (ConfigError, WorkflowDefinitionError) as exc:
            raise fail(str(exc), 2) from None
        except DomainError as exc:
            if len(exc.problems) > 1:  # one line per problem, so a long preflight list stays readable
                lines = "\n".join(f"  - {problem.reason}" for problem in exc.problems)
                raise fail(f"{exc.title.lower()}:\n{lines}") from None
            raise fail(exc.detail) from None
        except ValidationError as exc:
            reasons = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'value'}: {str(e['msg']).removeprefix('Value error, ')}"
                for e in exc.errors()
            )
            raise fail(reasons) from None
        except OperationalError as exc:
            raise fail(f"cannot use the database: {str(exc.orig).strip().splitlines()[0]}") from None

    return wrapper  # type: ignore[return-value]


def safe_url(settings: Settings) -> str:
    """The database URL with its password hidden, to print."""
    return make_url(settings.database_url).render_as_string(hide_password=True)


def ensure_schema(settings: Settings) -> None:
    """Migrate the embedded SQLite database; on PostgreSQL insist that someone ran ``agreements init``."""
    if settings.is_sqlite:
        migrate.upgrade(settings.database_url)
        return
    current, head = migrate.current_revision(settings.database_url), migrate.head_revision()
    if current != head:
        raise fail(
            f"the database {safe_url(settings)} is at revision {current or 'none'} but this version needs {head}; "
            "run 'agreements init' first"
        )
