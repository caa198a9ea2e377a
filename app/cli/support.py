"""What every ``agreements`` command shares: one-line errors, exit codes, the database URL shown, the schema check."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import click
import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from typer._click.formatting import HelpFormatter  # Typer's own copy of click's, which its commands use
from typer.core import TyperCommand, TyperGroup

from app import migrate
from app.config import ConfigError, Settings
from app.errors import DomainError, pydantic_reason
from app.i18n import DEFAULT_LANGUAGE, MESSAGES, current_language, is_supported, normalise, use_language
from app.monitoring.logs import make_handler
from app.workflow.actor import Actor
from app.workflow.definition import WorkflowDefinitionError

F = TypeVar("F", bound=Callable[..., Any])


MIGRATION_LOGGER = "alembic"
_VERBOSE_HANDLER = "agreements-verbose"


def set_verbosity(verbose: bool) -> None:
    """Show the migrations run (Alembic's INFO lines) only with ``-v``; their warnings and errors always."""
    logger = logging.getLogger(MIGRATION_LOGGER)
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    for handler in list(logger.handlers):
        if handler.get_name() == _VERBOSE_HANDLER:
            logger.removeHandler(handler)
    logger.propagate = not verbose
    if verbose:  # its own handler, since most commands configure no logging of their own
        handler = make_handler("text")
        handler.set_name(_VERBOSE_HANDLER)
        logger.addHandler(handler)


LANGUAGE_VARIABLE = "AGREEMENTS_LANGUAGE"
LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def cli_language(environ: Mapping[str, str] | None = None) -> str:
    """The language a command speaks: ``AGREEMENTS_LANGUAGE``, else the POSIX locale (``fr_FR.UTF-8`` → fr), else en."""
    environ = os.environ if environ is None else environ
    chosen = environ.get(LANGUAGE_VARIABLE, "").strip()
    if is_supported(chosen):
        return normalise(chosen)
    for name in LOCALE_VARIABLES:  # POSIX: the first one set decides (LC_ALL over LC_MESSAGES over LANG)
        value = environ.get(name, "").strip()
        if value:
            return normalise(value.split(".")[0].split("@")[0]) if value not in {"C", "POSIX"} else DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def speak_the_users_language(ctx: click.Context) -> str:
    """Speak :func:`cli_language` until the command ends (so one command's language never outlives it)."""
    return ctx.with_resource(use_language(cli_language()))


CLICK_WORDS = (
    MESSAGES.lazy("Show this message and exit."),
    MESSAGES.lazy("Commands"),
    MESSAGES.lazy("Usage: "),
)
"""Click's own words (``--help``, headings): in the catalog so that :func:`translated` finds them."""


def translated(text: str | None) -> str:
    """A help text in the current language (Typer may have built it before the command chose its language)."""
    if not text or current_language() == DEFAULT_LANGUAGE:
        return text or ""
    help_text, extra = text, ""
    if text.endswith("]") and "  [" in text:  # click's "  [default: 90; required]"
        help_text, _, extra = text.rpartition("  [")
        extra = "  [" + extra.replace("required", MESSAGES.gettext("required")).replace(
            "default:", MESSAGES.gettext("default:")
        )
    return MESSAGES.gettext(help_text) + extra


class TranslatingFormatter(HelpFormatter):
    """Click's help layout with its headings and every help text in the current language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        """``Usage: …`` with the word in the current language."""
        super().write_usage(prog, args, MESSAGES.gettext("Usage: ") if prefix is None else prefix)

    @contextlib.contextmanager
    def section(self, name: str) -> Iterator[None]:
        """A section ("Options", "Commands") whose heading is in the current language."""
        with super().section(translated(name)):
            yield

    def write_dl(self, rows: Sequence[tuple[str, str]], col_max: int = 30, col_spacing: int = 2) -> None:
        """Each option or command with its help in the current language."""
        super().write_dl([(term, translated(text)) for term, text in rows], col_max, col_spacing)


class TranslatingContext(typer.Context):
    """A command's context whose help is written by :class:`TranslatingFormatter`."""

    formatter_class = TranslatingFormatter


class PlainHelpGroup(TyperGroup):
    """A group of commands whose help speaks the current language."""

    context_class = TranslatingContext


class PlainHelpCommand(TyperCommand):
    """A command whose ``--help`` names each value in words (``--email EMAIL``, ``EMAIL``), not by type (``<str>``)."""

    context_class = TranslatingContext

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        """The parameters; each that takes a value is named by its long option in capitals, unless given a name."""
        params = super().get_params(ctx)
        for param in params:
            takes_value = not (getattr(param, "is_flag", False) or getattr(param, "count", False))
            if takes_value and param.metavar is None and param.name:
                long_names = [opt for opt in param.opts if opt.startswith("--")]
                param.metavar = (long_names[0][2:] if long_names else param.name).upper().replace("-", "_")
        return params

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command's help, in the current language."""
        original = self.help
        self.help = translated(original)
        try:
            super().format_help_text(ctx, formatter)
        finally:
            self.help = original

    def get_short_help_str(self, limit: int = 45) -> str:
        """The first sentence of the help, in the current language (the commands' list)."""
        original = self.help
        self.help = translated(original)
        try:
            return super().get_short_help_str(limit)
        finally:
            self.help = original

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        """``[OPTIONS] EMAIL``: each argument by its placeholder, in brackets when it may be left out."""
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = str(param.metavar) + ("..." if param.nargs != 1 else "")
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The arguments, then the options, each with its help; an argument by its placeholder alone."""
        arguments, options = [], []
        for param in self.get_params(ctx):
            record = param.get_help_record(ctx)
            if record is None:
                continue
            if param.param_type_name == "argument":
                arguments.append((str(param.metavar), record[1]))
            else:
                options.append(record)
        arguments = [(name, translated(text)) for name, text in arguments]
        options = [(name, translated(text)) for name, text in options]
        for title, rows in ((MESSAGES.gettext("Arguments"), arguments), (MESSAGES.gettext("Options"), options)):
            if rows:
                with formatter.section(title):
                    formatter.write_dl(rows)


def operator(command: str) -> Actor:
    """The system, acting for whoever runs ``command``: they hold the database already, so no role is asked of them.

    A command that acts for a named user (``import --as``) passes that user to the services instead.
    """
    return Actor.system(reason=f"agreements {command}")


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print ``error: message`` on stderr and return the exit to raise."""
    typer.echo(MESSAGES.gettext("error: {message}", message=message), err=True)
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
                raise fail(f"{MESSAGES.gettext(exc.title).lower()}:\n{lines}") from None
            raise fail(exc.detail) from None
        except ValidationError as exc:
            reasons = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'value'}: {_reason(e)}" for e in exc.errors())
            raise fail(reasons) from None
        except OperationalError as exc:
            raise fail(
                MESSAGES.gettext("cannot use the database: {value}", value=str(exc.orig).strip().splitlines()[0])
            ) from None

    return wrapper  # type: ignore[return-value]


def _reason(error: Any) -> str:
    """Pydantic's reason for refusing a value, in the current language (its own English words in English)."""
    own = str(error["msg"]).removeprefix("Value error, ")
    if current_language() == DEFAULT_LANGUAGE or own != error["msg"]:
        return own
    if error.get("type") == "missing":
        return MESSAGES.gettext("is required")
    return pydantic_reason(str(error.get("type", "")), dict(error.get("ctx") or {})) or own


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
            MESSAGES.gettext(
                "the database {safe_url} is at revision {value} but this version needs {head}; "
                "run 'agreements init' first",
                safe_url=safe_url(settings),
                value=current or "none",
                head=head,
            )
        )
