"""``agreements seal make-certificate PATH``: a self-signed certificate that seals signed agreements (demos, trials)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer

from app.cli.support import PlainHelpGroup, fail, friendly_errors
from app.config import get_settings
from app.i18n import MESSAGES

seal_cli = typer.Typer(help=MESSAGES.lazy("The organisation's seal on signed PDFs."), no_args_is_help=True,
                       cls=PlainHelpGroup)  # fmt: skip


def make_demo_certificate(path: Path) -> str:
    """Write a self-signed PKCS#12 seal at ``path`` with a new random password, and return the password."""
    from app.agreements.seal import make_certificate

    password = secrets.token_urlsafe(18)
    make_certificate(path, password, f"{get_settings().organisation_name} (self-signed seal)")
    return password


@seal_cli.command(
    "make-certificate",
    help=MESSAGES.lazy("Write a self-signed certificate and key (PKCS#12) to seal signed PDFs; not for production."),
)
@friendly_errors
def make_certificate(
    path: Annotated[Path, typer.Argument(help=MESSAGES.lazy("Where to write the .p12 file"))],
    force: Annotated[bool, typer.Option("--force", help=MESSAGES.lazy("Replace an existing file."))] = False,
) -> None:
    """Write a self-signed certificate and key (PKCS#12) to seal signed PDFs; print the settings that use it."""
    if path.exists() and not force:
        raise fail(MESSAGES.gettext("{path} exists; pass --force to replace it", path=path))
    try:
        password = make_demo_certificate(path)
    except OSError as exc:
        raise fail(MESSAGES.gettext("cannot write {path}: {strerror}", path=path, strerror=exc.strerror)) from None
    typer.echo(
        MESSAGES.gettext("self-signed seal written to {path} (readable by you only); to use it, set:", path=path)
    )
    typer.echo(f"AGREEMENTS_SEAL_PKCS12_PATH={path.resolve()}")
    typer.echo(f"AGREEMENTS_SEAL_PKCS12_PASSWORD={password}")
