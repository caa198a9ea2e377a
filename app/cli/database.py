"""``agreements init``: create or upgrade the database schema."""

from __future__ import annotations

import typer

from app import migrate
from app.cli.support import friendly_errors, safe_url
from app.config import get_settings
from app.i18n import MESSAGES


@friendly_errors
def init() -> None:
    """Create or upgrade the database schema to the newest revision."""
    settings = get_settings()
    migrate.upgrade(settings.database_url)
    typer.echo(
        MESSAGES.gettext(
            "database {safe_url} is at revision {current_revision}",
            safe_url=safe_url(settings),
            current_revision=migrate.current_revision(settings.database_url),
        )
    )
