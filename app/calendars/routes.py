"""HTTP: my calendar subscription URL (get, regenerate, revoke), the feed it opens, and a partnership's feed.

The feed (``GET /calendar/{secret}.ics``) has no session: its secret is the credential. An unknown, revoked or
malformed secret is answered with the same bare 404, so the answer never tells which. Served as ``text/calendar``
with a strong ETag (``304`` on ``If-None-Match``), ``Last-Modified`` and ``Cache-Control: private``; fetching too
often, or guessing, gets ``429`` with ``Retry-After`` (see :mod:`app.calendars.throttle`).
"""

from __future__ import annotations

import hashlib
from email.utils import format_datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status

from app.api.deps import CurrentUser, DbSession, TransactionalRoute
from app.api.downloads import download_headers
from app.api.proxies import client_address
from app.calendars import service
from app.calendars.feed import Feed, partnership_calendar, user_calendar
from app.calendars.schemas import SubscriptionIssued, SubscriptionRead
from app.calendars.throttle import MISSES_PER_ADDRESS, PER_ADDRESS, PER_SECRET, FeedThrottle
from app.i18n import LANGUAGES
from app.partnerships.service import get_partnership
from app.schemas import MAX_ID
from app.users.policy import Action, require

router = APIRouter(route_class=TransactionalRoute, tags=["calendars"])
feed_router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
PartnershipId = Annotated[int, Path(gt=0, le=MAX_ID, description="Partnership id")]
MEDIA_TYPE = "text/calendar; charset=utf-8"
LANGUAGE_CHOICE = f"^({'|'.join(LANGUAGES)})$"
CACHE_CONTROL = "private, max-age=300"
"""A calendar program may keep the feed five minutes; after that it asks again with ``If-None-Match``."""


def _read(subscription: object | None) -> SubscriptionRead:
    if subscription is None:
        return SubscriptionRead(active=False)
    return SubscriptionRead(active=True, prefix=subscription.prefix, created_at=subscription.created_at)  # type: ignore[attr-defined]


@router.get("/me/calendar", response_model=SubscriptionRead)
def my_subscription(session: DbSession, user: CurrentUser) -> SubscriptionRead:
    """Whether my calendar feed URL works, and since when (the URL itself was shown only when it was issued)."""
    require(user, Action.READ)
    return _read(service.live_subscription(session, user))


@router.post("/me/calendar", response_model=SubscriptionIssued, status_code=status.HTTP_201_CREATED)
def issue_my_subscription(request: Request, session: DbSession, user: CurrentUser) -> SubscriptionIssued:
    """Issue my calendar feed URL, shown in this answer only; any earlier one stops working at once."""
    require(user, Action.READ)
    subscription, secret = service.issue_subscription(session, user)
    url = service.feed_url(request.app.state.settings, secret)
    return SubscriptionIssued(
        active=True, prefix=subscription.prefix, created_at=subscription.created_at, url=url,
        webcal_url=service.webcal_url(url),
    )  # fmt: skip


@router.delete("/me/calendar", status_code=status.HTTP_204_NO_CONTENT)
def revoke_my_subscription(session: DbSession, user: CurrentUser) -> Response:
    """Stop my calendar feed URL from working (revoking when there is none is harmless)."""
    service.revoke_subscription(session, user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    sent = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in sent or etag in sent


def feed_response(request: Request, feed: Feed, file_name: str, *, attachment: bool = False) -> Response:
    """``feed`` as ``text/calendar`` with its ETag and Last-Modified; ``304`` when the client has it already."""
    etag = _etag(feed.body)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "X-Robots-Tag": "noindex"}
    if feed.last_modified is not None:
        headers["Last-Modified"] = format_datetime(feed.last_modified, usegmt=True)
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    headers.update(download_headers(file_name, inline=not attachment))
    return Response(feed.body, media_type=MEDIA_TYPE, headers=headers)


def _throttle(request: Request) -> FeedThrottle:
    state = request.app.state
    if getattr(state, "calendar_throttle", None) is None:
        state.calendar_throttle = FeedThrottle()
    return state.calendar_throttle


def _too_many(seconds: int) -> Response:
    return Response("Too Many Requests\n", 429, {"Retry-After": str(seconds)}, media_type="text/plain")


NOT_FOUND = "Not Found\n"


@feed_router.api_route("/calendar/{secret}.ics", methods=["GET", "HEAD"])
def subscription_feed(request: Request, session: DbSession, secret: str) -> Response:
    """The feed of the user whose live subscription ``secret`` is; the same 404 for anything else."""
    throttle, address = _throttle(request), client_address(request)
    wait = max(
        throttle.retry_after(f"address:{address}", PER_ADDRESS),
        throttle.retry_after(f"miss:{address}", MISSES_PER_ADDRESS),
    )
    if wait:
        return _too_many(wait)
    throttle.hit(f"address:{address}")
    user = service.subscriber(session, secret)
    if user is None:
        throttle.hit(f"miss:{address}")
        return Response(NOT_FOUND, 404, media_type="text/plain", headers={"Cache-Control": "no-store"})
    key = "secret:" + hashlib.sha256(secret.encode()).hexdigest()
    wait = throttle.retry_after(key, PER_SECRET)
    if wait:
        return _too_many(wait)
    throttle.hit(key)
    return feed_response(request, user_calendar(session, user, request.app.state.settings), "deadlines.ics")


@router.get(
    "/partnerships/{partnership_id}/calendar.ics",
    response_class=Response,
    responses={200: {"content": {"text/calendar": {}}, "description": "The partnership's iCalendar feed"}},
)
def partnership_feed_download(
    request: Request,
    session: DbSession,
    user: CurrentUser,
    partnership_id: PartnershipId,
    language: Annotated[
        str | None, Query(pattern=LANGUAGE_CHOICE, description=f"One of {', '.join(LANGUAGES)}; default English")
    ] = None,
) -> Response:
    """The partnership's deadlines as its partners may see them (no internal links, notes or staff-only duties)."""
    require(user, Action.READ)
    partnership = get_partnership(session, partnership_id)
    feed = partnership_calendar(session, partnership.id, language=language, settings=request.app.state.settings)
    return feed_response(request, feed, f"{partnership.reference}.ics", attachment=True)
