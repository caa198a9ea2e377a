"""Rendering pages: the Jinja2 environment (autoescaped), the common context, redirects with a flash message."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from app import clock, i18n
from app.config import get_settings
from app.i18n import VOCAB, WEB
from app.web.security import FLASH_COOKIE, SIGN_IN_CSRF_COOKIE, clear_cookie, new_sign_in_token, set_cookie

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")


def _asset_version(name: str) -> str:
    return hashlib.sha256((STATIC_DIR / name).read_bytes()).hexdigest()[:10]


_ASSET_VERSIONS: dict[str, str] = {}


def static_url(name: str) -> str:
    """The address of a packaged asset, with a content hash so browsers never use a stale copy."""
    if name not in _ASSET_VERSIONS:
        _ASSET_VERSIONS[name] = _asset_version(name)
    return f"/static/{name}?v={_ASSET_VERSIONS[name]}"


def humanise(value: Any) -> str:
    """``legal_officer`` → ``Legal officer``: a state, role or kind as people say it, in the reader's language."""
    text = str(getattr(value, "value", value) or "").replace("_", " ")
    text = text[:1].upper() + text[1:]
    return VOCAB.gettext(text) if text else text


def format_date(value: date | datetime | None, empty: str = "—") -> str:
    """A date the reader's way, short: ``3 Mar 2027``, ``3 mars 2027`` (timestamps in the organisation's zone)."""
    if value is None:
        return empty
    if isinstance(value, datetime):
        value = clock.local_date(value, get_settings().zone)
    return i18n.format_date(value, "medium")


def format_datetime(value: datetime | None, empty: str = "—") -> str:
    """A timestamp in the organisation's timezone, the reader's way: ``3 Mar 2027 14:05``, ``3 mars 2027 14:05``."""
    if value is None:
        return empty
    local = value.astimezone(get_settings().zone)
    return f"{i18n.format_date(local.date(), 'medium')} {local:%H:%M}"


def format_number(value: Any) -> str:
    """A number the reader's way: ``1,234.5``, ``1 234,5``."""
    return i18n.format_number(value)


def country(code: str | None) -> str:
    """A country's name in the reader's language from its ISO code ("" for none)."""
    return i18n.country_name(code)


LANGUAGE_CHOICES = tuple((code, i18n.autonym(code)) for code in i18n.LANGUAGES)
"""The language switch's choices: each language by its own name ("Français")."""


def language_options() -> list[tuple[str, str]]:
    """Each language the product speaks, named in the reader's language: for choosing a partner's language."""
    return [(code, i18n.language_name(code)) for code in i18n.LANGUAGES]


templates.env.globals.update(static_url=static_url)
# Pages speak the request's language (app.i18n.current_language): {{ _("Sign in") }} reads the "web" catalog.
templates.env.add_extension("jinja2.ext.i18n")
templates.env.install_gettext_callables(*WEB.jinja_callables(), newstyle=True)  # type: ignore[attr-defined]
templates.env.filters.update(
    humanise=humanise,
    day=format_date,
    moment=format_datetime,
    number=format_number,
    country=country,
    vocab=lambda text: VOCAB.gettext(str(text)) if text else text,  # an area's, kind's or stage's name
)


def read_flash(request: Request) -> tuple[str, str] | None:
    """The message left by the previous redirect, as ``(kind, text)``."""
    raw = request.cookies.get(FLASH_COOKIE)
    if not raw:
        return None
    kind, _, text = unquote(raw).partition(":")
    return (kind if kind in {"ok", "error"} else "ok", text[:500])


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    """Render page ``name`` with the signed-in user, CSRF token and flash message available to it."""
    flash = read_flash(request)
    context = context or {}
    csrf_token = getattr(request.state, "csrf_token", "")
    # The language switch carries the session's CSRF token; before signing in, the page's own double-submit token.
    switch_token = (
        csrf_token
        or context.get("sign_in_token")
        or context.get("form_token")
        or request.cookies.get(SIGN_IN_CSRF_COOKIE, "")
    )
    new_switch_token = "" if switch_token else new_sign_in_token()
    full = {
        "me": getattr(request.state, "me", None),
        "csrf_token": csrf_token,
        "flash": flash,
        "path": request.url.path,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        "today": clock.today(get_settings().zone),
        "language": i18n.current_language(),
        "languages": LANGUAGE_CHOICES,
        "switch_token": switch_token or new_switch_token,
        "language_options": language_options(),
        "language_names": dict(language_options()),
        **context,
    }
    response = templates.TemplateResponse(request, name, full, status_code=status_code)
    if flash is not None:
        clear_cookie(request, response, FLASH_COOKIE)
    if new_switch_token:
        set_cookie(request, response, SIGN_IN_CSRF_COOKIE, new_switch_token, max_age=3600)
    return response


def redirect(request: Request, url: str, message: str | None = None, kind: str = "ok") -> Response:
    """Go to ``url`` after a form (303, so a reload does not post again), leaving ``message`` for the next page."""
    response: Response
    if request.headers.get("HX-Request"):
        response = Response(status_code=204, headers={"HX-Redirect": url})
    else:
        response = RedirectResponse(url, status_code=303)
    if message:
        set_cookie(request, response, FLASH_COOKIE, quote(f"{kind}:{message}"[:500]), max_age=120)
    return response
