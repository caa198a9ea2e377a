"""Pages for administrators: webhook subscriptions, their delivery log, a test message and replays by hand."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError

from app.api.deps import DbSession, TransactionalRoute
from app.errors import DomainError
from app.i18n import WEB
from app.web.deps import CheckedForm, PageUser
from app.web.forms import field_errors
from app.web.rendering import redirect, render
from app.webhooks import events, service
from app.webhooks.schemas import SubscriptionCreate, SubscriptionUpdate

router = APIRouter(route_class=TransactionalRoute, include_in_schema=False)
_ = WEB.gettext
LOG_SIZE = 100


def _list_page(request: Request, session, user, errors=None, created=None, status: int = 200) -> Response:
    context = {
        "subscriptions": service.list_subscriptions(session, actor=user),
        "event_types": (events.WILDCARD, *events.EVENT_TYPES),
        "errors": errors or {},
        "created": created,
    }
    return render(request, "webhooks/list.html", context, status)


@router.get("/admin/webhooks")
def webhooks_page(request: Request, session: DbSession, user: PageUser) -> Response:
    """Every webhook subscription and the form to add one."""
    return _list_page(request, session, user)


@router.post("/admin/webhooks")
def create_webhook(request: Request, session: DbSession, user: PageUser, form: CheckedForm) -> Response:
    """Subscribe a URL to events; the signing secret is shown on the answer, once."""
    try:
        data = SubscriptionCreate(
            url=str(form.get("url", "")),
            event_types=form.getlist("event_types"),  # type: ignore[arg-type]
            description=str(form.get("description", "")),
            allow_private=form.get("allow_private") == "on",
        )
        subscription, secret = service.create_subscription(session, data, actor=user)
    except ValidationError as exc:
        errors = {".".join(str(part) for part in error["loc"]) or "": error["msg"] for error in exc.errors()}
        return _list_page(request, session, user, errors, status=422)
    except DomainError as exc:
        if exc.status != 422:
            raise
        return _list_page(request, session, user, field_errors(exc), status=422)
    return _list_page(request, session, user, created={"subscription": subscription, "secret": secret})


@router.get("/admin/webhooks/{webhook_id}")
def webhook_page(request: Request, session: DbSession, user: PageUser, webhook_id: int) -> Response:
    """One subscription and its delivery log (the latest messages), with a replay button for each."""
    subscription = service.get_subscription(session, webhook_id, actor=user)
    log = list(session.scalars(service.deliveries(webhook_id).limit(LOG_SIZE)))
    return render(request, "webhooks/detail.html", {"subscription": subscription, "deliveries": log})


@router.post("/admin/webhooks/{webhook_id}/active")
def switch_webhook(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, webhook_id: int
) -> Response:
    """Turn a subscription on or off (off: no new messages, and pending ones wait)."""
    active = form.get("active") == "true"  # not a workflow state
    service.update_subscription(session, webhook_id, SubscriptionUpdate(active=active), actor=user)
    message = _("The webhook is on.") if active else _("The webhook is off.")
    return redirect(request, f"/admin/webhooks/{webhook_id}", message)


@router.post("/admin/webhooks/{webhook_id}/test")
def test_webhook(request: Request, session: DbSession, user: PageUser, form: CheckedForm, webhook_id: int) -> Response:
    """Queue a test message, sent at the next dispatch."""
    service.send_test(session, webhook_id, actor=user)
    return redirect(request, f"/admin/webhooks/{webhook_id}", _("A test message is on its way."))


@router.post("/admin/webhooks/{webhook_id}/deliveries/{delivery_id}/replay")
def replay_delivery(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, webhook_id: int, delivery_id: int
) -> Response:
    """Send a message again at the next dispatch, under a new webhook-id."""
    service.replay(session, webhook_id, delivery_id, actor=user)
    return redirect(request, f"/admin/webhooks/{webhook_id}", _("The message will be sent again."))


@router.post("/admin/webhooks/{webhook_id}/delete")
def remove_webhook(
    request: Request, session: DbSession, user: PageUser, form: CheckedForm, webhook_id: int
) -> Response:
    """Remove a subscription and its delivery log."""
    service.delete_subscription(session, webhook_id, actor=user)
    return redirect(request, "/admin/webhooks", _("The webhook is removed."))
