"""The partner area: pages a partner's focal point opens through a personal link, without an account.

How it holds together:

- ``GET /partner/{token}`` (the link in the e-mail) checks the token, audits the use and exchanges it for a
  short-lived partner session cookie (``agreements_partner``, HttpOnly, SameSite=Lax, path ``/partner``; signed with
  HMAC, naming the link and when it was opened), then redirects to ``/partner/home``: the token does not stay in the
  address bar, the history or a Referer. The session lives ``PARTNER_SESSION_SECONDS`` and ends at once when the
  link is revoked or expires (every request checks the link).
- Every partner page depends on :data:`PartnerSession` (the live link, or a "link cannot be used" page, 410, the same
  for unknown, expired and revoked); every form on :data:`PartnerForm` (the session's CSRF token, HMAC of the cookie).
- Requests are rate-limited per client address and per link (:class:`RateLimiter`, in-process: with several API
  processes each counts its own, so the effective limit is that many times higher; 429 problem+json with
  ``Retry-After``).
- Pages are sent with a strict Content-Security-Policy (no script at all), ``Referrer-Policy: no-referrer`` and
  ``X-Frame-Options: DENY``, in the partner's language (the switch's cookie, else the contact's language, else the
  organisation's correspondence language).

To add a page (a future "sign the agreement" page, the partnership's calendar feed): write a router whose routes
depend on ``PartnerSession``, add it to ``PARTNER_MODULES`` in ``app.web`` and call :func:`add_partner_page` so the
navigation offers it; render with :func:`render_partner`.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Annotated, Any

from babel.support import LazyProxy
from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app import i18n
from app.api import problems
from app.api.deps import DbSession
from app.api.proxies import client_address
from app.config import Settings, get_settings
from app.i18n import MESSAGES, WEB
from app.partner_links.models import PartnerLink
from app.partner_links.service import PartnerLinkRefused, link_language, live_link
from app.web.rendering import LANGUAGE_CHOICES, templates

PARTNER_COOKIE = "agreements_partner"
PARTNER_LANGUAGE_COOKIE = "agreements_partner_lang"
PARTNER_SESSION_SECONDS = 2 * 3600
PARTNER_PREFIX = "/partner"
PARTNER_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; "
        "base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class NavItem:
    """One entry of the partner area's navigation."""

    key: str
    path: str
    label: str | LazyProxy


PARTNER_NAV: list[NavItem] = [
    NavItem("home", "/partner/home", WEB.lazy("Overview")),
    NavItem("organisation", "/partner/organisation", WEB.lazy("Your organisation")),
    NavItem("draft", "/partner/draft", WEB.lazy("Draft agreement")),  # not a workflow state
    NavItem("obligations", "/partner/obligations", WEB.lazy("Your obligations")),
    # Pages of other modules add themselves with add_partner_page: "sign" (app.web.pages.partner_signing), "calendar".
]


def add_partner_page(key: str, path: str, label: str | LazyProxy) -> None:
    """Offer a partner page in the navigation (once per key; ``path`` under ``/partner/``)."""
    if not path.startswith(PARTNER_PREFIX + "/"):
        raise ValueError(f"a partner page lives under {PARTNER_PREFIX}/, not {path}")
    if all(item.key != key for item in PARTNER_NAV):
        PARTNER_NAV.append(NavItem(key, path, label))


class PartnerAreaRefused(Exception):
    """No live partner session: the page that says the link cannot be used (410)."""


class PartnerCsrfRefused(Exception):
    """A partner form arrived without its session's CSRF token."""


class RateLimited(Exception):
    """Too many requests from one address or through one link."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


class RateLimiter:
    """Sliding one-minute window of request times per key, in this process's memory (thread-safe)."""

    def __init__(self) -> None:
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, per_minute: int, now: float | None = None) -> int:
        """Count a request under ``key``; 0 if allowed, else the seconds to wait."""
        now = time.monotonic() if now is None else now
        with self._lock:
            hits = self._hits.setdefault(key, deque())
            while hits and hits[0] <= now - 60:
                hits.popleft()
            if len(hits) >= per_minute:
                return max(1, int(hits[0] + 60 - now) + 1)
            hits.append(now)
            if len(self._hits) > 50_000:  # forget idle keys rather than grow without bound
                for stale in [k for k, v in self._hits.items() if not v or v[-1] <= now - 60]:
                    del self._hits[stale]
            return 0

    def clear(self) -> None:
        """Forget every count (tests)."""
        with self._lock:
            self._hits.clear()


LIMITER = RateLimiter()


def limit(key: str, settings: Settings | None = None) -> None:
    """Raise :class:`RateLimited` when ``key`` passed the partner area's rate."""
    wait = LIMITER.hit(key, (settings or get_settings()).partner_requests_per_minute)
    if wait:
        raise RateLimited(wait)


def _key(settings: Settings) -> bytes:
    secret = settings.partner_link_key.get_secret_value() if settings.partner_link_key else settings.database_url
    return hashlib.sha256(b"agreements/partner-session/v1:" + secret.encode()).digest()


def session_value(link_id: int, opened_at: int, settings: Settings | None = None) -> str:
    """The partner session cookie's value: the link, when it was opened, and their HMAC."""
    payload = f"{link_id}.{opened_at}"
    mac = hmac.new(_key(settings or get_settings()), payload.encode(), hashlib.sha256).hexdigest()
    return f"{payload}.{mac}"


def _read_session(value: str | None, settings: Settings) -> int | None:
    """The link id a valid, unexpired session cookie names."""
    if not value or value.count(".") != 2:
        return None
    link_id, opened_at, mac = value.split(".")
    if not (link_id.isdigit() and opened_at.isdigit()):
        return None
    expected = session_value(int(link_id), int(opened_at), settings).rsplit(".", 1)[1]
    if not hmac.compare_digest(mac, expected) or int(opened_at) + PARTNER_SESSION_SECONDS < time.time():
        return None
    return int(link_id)


def partner_csrf(cookie_value: str) -> str:
    """The CSRF token of the partner session whose cookie holds ``cookie_value``."""
    return hmac.new(cookie_value.encode(), b"agreements-partner-csrf", hashlib.sha256).hexdigest()


def speak_partner_language(request: Request, link: PartnerLink) -> str:
    """Speak the language the partner chose with the switch, else the contact's, else the organisation's."""
    chosen = request.cookies.get(PARTNER_LANGUAGE_COOKIE)
    language = i18n.normalise(chosen) if chosen and i18n.is_supported(chosen) else link_language(link)
    i18n.set_language(language)
    return language


def _partner_session(request: Request, session: DbSession) -> PartnerLink:
    settings = get_settings()
    limit(f"ip:{client_address(request)}", settings)
    cookie = request.cookies.get(PARTNER_COOKIE)
    link_id = _read_session(cookie, settings)
    if link_id is None:
        raise PartnerAreaRefused()
    limit(f"link:{link_id}", settings)
    try:
        link = live_link(session, link_id)
    except PartnerLinkRefused:
        raise PartnerAreaRefused() from None
    request.state.partner_link = link
    request.state.partner_csrf = partner_csrf(cookie or "")
    request.state.partner_language = speak_partner_language(request, link)
    return link


async def _partner_session_async(
    request: Request, link: Annotated[PartnerLink, Depends(_partner_session)]
) -> PartnerLink:
    """The live link; async so that the language it chose holds in the route's own context (see app.api.deps)."""
    i18n.set_language(request.state.partner_language)
    return link


PartnerSession = Annotated[PartnerLink, Depends(_partner_session_async)]


async def _partner_form(request: Request, link: PartnerSession) -> FormData:
    form = await request.form()
    sent = form.get("csrf_token")
    expected = getattr(request.state, "partner_csrf", "")
    if not (isinstance(sent, str) and sent and hmac.compare_digest(sent, expected)):
        raise PartnerCsrfRefused()
    return form


PartnerForm = Annotated[FormData, Depends(_partner_form)]


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_partner_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    """A cookie for the partner area only (path /partner), unreadable by scripts."""
    response.set_cookie(
        name, value, max_age=max_age, httponly=True, samesite="lax", secure=_secure(request), path=PARTNER_PREFIX
    )


def with_partner_headers(response: Response) -> Response:
    """The partner area's own security headers (stricter than the staff pages')."""
    for name, value in PARTNER_HEADERS.items():
        response.headers[name] = value
    return response


def render_partner(
    request: Request, name: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """Render a partner page: the partner's link, CSRF token, navigation and language switch are available to it."""
    link: PartnerLink | None = getattr(request.state, "partner_link", None)
    full = {
        "link": link,
        "partner_csrf": getattr(request.state, "partner_csrf", ""),
        "nav": PARTNER_NAV,
        "path": request.url.path,
        "language": i18n.current_language(),
        "languages": LANGUAGE_CHOICES,
        **(context or {}),
    }
    response = templates.TemplateResponse(request, name, full, status_code=status)
    return with_partner_headers(response)


def gone_page(request: Request) -> Response:
    """The one answer for an unknown, expired or revoked link (or a partner session that ended): 410."""
    return render_partner(request, "partner/gone.html", {"link": None, "nav": []}, 410)


def too_many(request: Request, retry_after: int) -> Response:
    """429 problem+json with Retry-After."""
    detail = MESSAGES.gettext("too many requests; try again in {seconds} seconds", seconds=retry_after)
    response = problems.problem(request, 429, detail, headers={"Retry-After": str(retry_after)})
    return with_partner_headers(response)
