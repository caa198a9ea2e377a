"""Rendering pages: the Jinja2 environment (autoescaped), the common context, redirects with a flash message."""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

from babel import numbers as babel_numbers
from babel.units import format_unit
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


def _medium_date(value: date) -> str:
    # English keeps its "3 Sep 2027" (Babel's international English writes "Sept"); others are Babel's medium date.
    if i18n.current_language() == "en":
        return f"{value.day} {value:%b %Y}"
    return i18n.format_date(value, "medium")


def format_date(value: date | datetime | str | None, empty: str = "—") -> str:
    """A date the reader's way: ``3 Mar 2027``, ``3 mars 2027`` (timestamps in the organisation's timezone).

    An ISO date string (as a transition's payload keeps it) is read as the date it names; any other text is shown as is.
    """
    if value is None or value == "":
        return empty
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = clock.local_date(value, get_settings().zone)
    return _medium_date(value)


def format_datetime(value: datetime | None, empty: str = "—") -> str:
    """A timestamp in the organisation's timezone the reader's way, as ``3 Mar 2027 14:05``."""
    if value is None:
        return empty
    local = value.astimezone(get_settings().zone)
    return f"{_medium_date(local.date())} {local:%H:%M}"


def format_decimal(value: float | int | None, format: str = "#,##0.0", empty: str = "—") -> str:
    """A number with a fixed pattern the reader's way: ``85.0`` / ``85,0`` (Babel's pattern syntax)."""
    if value is None:
        return empty
    return babel_numbers.format_decimal(value, format=format, locale=_babel_locale())


def format_count(value: int, unit: str) -> str:
    """A count of ``unit`` ("day", "month", "year") the reader's way: ``60 days``, ``60 jours``, ``36 meses``."""
    return format_unit(value, f"duration-{unit}", length="long", locale=_babel_locale())


def _babel_locale() -> str:
    language = i18n.current_language()
    return "en_001" if language == "en" else language


def language_words(code: str | None) -> str:
    """A language by its name in the reader's language, capitalised: ``fr`` → ``French``, ``Francés``."""
    name = i18n.language_name(code or i18n.DEFAULT_LANGUAGE)
    return name[:1].upper() + name[1:]


def term(value: Any) -> str:
    """A workflow state, trigger, role or kind in the reader's language (the "vocab" catalog of humanised words)."""
    return VOCAB.gettext(humanise(value))


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
templates.env.filters.update(humanise=humanise, day=format_date, moment=format_datetime)
# Localised facts for the pages (numbers, shares, countries) and the shared vocabulary (states, kinds, roles, areas).
templates.env.filters.update(
    term=term,
    language=language_words,
    decimal=format_decimal,
    number=format_number,
    percent=i18n.format_percent,
    country=country,
    vocab=lambda text: VOCAB.gettext(str(text)) if text else text,  # an area's, kind's or stage's name
)
templates.env.globals.update(vocab=VOCAB.gettext, country_name=i18n.country_name)


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
