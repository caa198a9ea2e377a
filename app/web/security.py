"""Browser sessions and CSRF tokens for the pages.

A signed-in browser holds a session cookie whose value is a short-lived API token (only its SHA-256 is
stored, so signing out or deactivating a user ends the session at once). Every form carries a CSRF token
derived from that secret with HMAC; the sign-in form, which has no session yet, uses a double-submit cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

SESSION_COOKIE = "agreements_session"
SIGN_IN_CSRF_COOKIE = "agreements_sign_in"
FLASH_COOKIE = "agreements_flash"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_SECONDS = 12 * 3600


def csrf_for(session_secret: str) -> str:
    """The CSRF token of the session whose cookie holds ``session_secret``."""
    return hmac.new(session_secret.encode(), b"agreements-csrf", hashlib.sha256).hexdigest()


def tokens_match(sent: str | None, expected: str | None) -> bool:
    """Constant-time comparison of a submitted token with the expected one; missing never matches."""
    return bool(sent) and bool(expected) and hmac.compare_digest(str(sent), str(expected))


def new_sign_in_token() -> str:
    """A random value for the sign-in form's double-submit cookie."""
    return secrets.token_urlsafe(32)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    """Set a cookie the page scripts cannot read, sent only to this site, and only over HTTPS when on HTTPS."""
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="lax", secure=_secure(request), path="/")


def clear_cookie(request: Request, response: Response, name: str) -> None:
    """Remove a cookie set by :func:`set_cookie`."""
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=_secure(request))


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (never another host), else the dashboard."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/dashboard"
    if any(ord(ch) < 32 for ch in target):
        return "/dashboard"
    return target
