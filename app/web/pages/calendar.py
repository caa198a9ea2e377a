"""Page: my calendar subscription, where its URL is issued (shown once), regenerated or revoked.

The URL's secret is stored hashed, so the page can show it only in the answer that issues it: after that it says
since when a URL works and offers to replace it (the old one stops working) or to revoke it.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.api.deps import DbSession, TransactionalRoute
from app.calendars.service import feed_url, issue_subscription, live_subscription, revoke_subscription, webcal_url
from app.i18n import WEB
from app.users.policy import Action, require
from app.web.deps import CheckedForm, PageUser
from app.web.rendering import redirect, render, static_url

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
_ = WEB.gettext


def _page(request: Request, session: DbSession, user: PageUser, issued: str | None = None) -> Response:
    context = {
        "subscription": live_subscription(session, user),
        "url": issued,
        "webcal": webcal_url(issued) if issued else None,
        "script": static_url("calendar.js"),
    }
    return render(request, "users/calendar.html", context)


@router.get("/me/calendar")
def calendar_page(request: Request, session: DbSession, user: PageUser) -> Response:
    """Whether my calendar URL works, with buttons to get a new one or revoke it."""
    require(user, Action.READ)
    return _page(request, session, user)


@router.post("/me/calendar")
def issue_calendar_url(request: Request, session: DbSession, user: PageUser, form: CheckedForm) -> Response:
    """Issue (or regenerate) my calendar URL and show it, this once, with its webcal:// twin."""
    require(user, Action.READ)
    _subscription, secret = issue_subscription(session, user)
    return _page(request, session, user, feed_url(request.app.state.settings, secret))


@router.post("/me/calendar/revoke")
def revoke_calendar_url(request: Request, session: DbSession, user: PageUser, form: CheckedForm) -> Response:
    """Stop my calendar URL from working."""
    revoke_subscription(session, user)
    revoked = _("Your calendar URL is revoked: calendars subscribed to it stop updating.")
    return redirect(request, "/me/calendar", revoked)
