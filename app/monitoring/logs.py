"""Logging set-up for every long-running command: text or JSON lines, request ids, secrets scrubbed."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from app.config import Settings
from app.monitoring.http import current_request_id

EXTRAS = ("request_id", "method", "path", "route", "status", "duration_ms", "user_id")
REDACTED = "[redacted]"
_SECRET_KEY = re.compile(r"authorization|password|passwd|secret|token|cookie|api[_-]?key", re.IGNORECASE)
_SECRETS_IN_TEXT = (
    (re.compile(r"agr_[A-Za-z0-9_\-]{8,}"), "agr_" + REDACTED),  # API tokens
    (re.compile(r"(?i)(bearer\s+)[^\s,;\"']+"), r"\1" + REDACTED),
    (re.compile(r"(?i)(basic\s+)[A-Za-z0-9+/=]{6,}"), r"\1" + REDACTED),
    (re.compile(r"(\w+://[^:/@\s]+:)[^@\s]+(@)"), r"\1***\2"),  # passwords in URLs
    (re.compile(r"(?i)((?:password|passwd|secret|token)[\"']?\s*[=:]\s*[\"']?)[^\s,;\"'&}]+"), r"\1" + REDACTED),
)
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def scrub(text: str) -> str:
    """``text`` with API tokens, bearer credentials, URL passwords and ``password=…`` values replaced."""
    for pattern, replacement in _SECRETS_IN_TEXT:
        text = pattern.sub(replacement, text)
    return text


def _scrub_value(key: str, value: Any) -> Any:
    if _SECRET_KEY.search(key) and value is not None:
        return REDACTED
    if isinstance(value, str):
        return scrub(value)
    return value


class ScrubSecrets(logging.Filter):
    """Give each record the request id of its context, and scrub secrets from its message and extras."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id()
        message = record.getMessage()
        record.msg, record.args = scrub(message), None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and key != "request_id":
                setattr(record, key, _scrub_value(key, value))
        if record.exc_info and not record.exc_text:
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``ts`` (UTC ISO 8601), ``level``, ``logger``, ``message`` and the extras given."""

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and value is not None:
                document[key] = value if isinstance(value, str | int | float | bool) else str(value)
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            document["exception"] = scrub(record.exc_text)
        return json.dumps(document, ensure_ascii=False, default=str)


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class TextFormatter(logging.Formatter):
    """The classic one-line format, with the request id appended when there is one."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} [request_id={request_id}]" if request_id else line


class _StandardErrorHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time of each record (test runners swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def make_handler(log_format: str, stream: TextIO | None = None) -> logging.Handler:
    """A handler (standard error by default) writing ``log_format`` lines with secrets scrubbed."""
    handler = _StandardErrorHandler() if stream is None else logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.addFilter(ScrubSecrets())
    handler.set_name(HANDLER_NAME)
    return handler


HANDLER_NAME = "agreements"


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Send every log record (the application's, uvicorn's, APScheduler's) through one scrubbing handler.

    Calling it again replaces the handler it installed (never another's), so it is safe in a test process.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == HANDLER_NAME:
            root.removeHandler(handler)
    root.addHandler(make_handler(settings.log_format, stream))
    root.setLevel(settings.log_level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """What ``agreements serve`` passes to uvicorn: our logging (no second access log), no proxy headers of its own."""
    return {
        "log_level": settings.log_level.lower(),
        "log_config": None,  # keep the handler configure_logging installed
        "access_log": False,  # the middleware writes the access line, with the request id and the user
        # The application reads forwarded headers itself, from AGREEMENTS_TRUSTED_PROXIES only (app.api.proxies).
        "proxy_headers": False,
    }
