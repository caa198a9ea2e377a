"""The administrators' webhook pages: add (the secret shown once), the delivery log, a test message, replay."""

from __future__ import annotations

import re

from app.users.models import Role
from app.webhooks.delivery import dispatch_webhooks
from app.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from tests.webhooks.conftest import hook_settings, receiver  # noqa: F401 (fixtures)


def _csrf(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def test_an_admin_adds_a_webhook_sees_its_log_tests_and_replays(
    sign_in,
    session,
    session_factory,
    receiver,  # noqa: F811 (a fixture imported above)
    hook_settings,  # noqa: F811 (a fixture imported above)
):
    browser = sign_in(Role.ADMIN)
    page = browser.get("/admin/webhooks")
    assert page.status_code == 200 and "Add a webhook" in page.text
    refused = browser.post(
        "/admin/webhooks",
        data={"csrf_token": _csrf(page.text), "url": "https://10.0.0.1/hook", "event_types": ["*"]},
    )
    assert refused.status_code == 422 and "private" in refused.text
    added = browser.post(
        "/admin/webhooks",
        data={"csrf_token": _csrf(page.text), "url": receiver.url, "event_types": ["*"], "allow_private": "on"},
    )
    assert added.status_code == 200, added.text
    secret = re.search(r"<code>(whsec_[^<]+)</code>", added.text).group(1)
    receiver.secrets.append(secret)
    subscription = session.query(WebhookSubscription).one()

    detail = browser.get(f"/admin/webhooks/{subscription.id}")
    assert secret not in detail.text and "No message yet." in detail.text
    sent = browser.post(f"/admin/webhooks/{subscription.id}/test", data={"csrf_token": _csrf(detail.text)})
    assert sent.status_code in (200, 303)
    dispatch_webhooks(session_factory, hook_settings)
    detail = browser.get(f"/admin/webhooks/{subscription.id}")
    assert "webhook.test" in detail.text and "HTTP 204" in detail.text
    delivery = session.query(WebhookDelivery).one()
    browser.post(
        f"/admin/webhooks/{subscription.id}/deliveries/{delivery.id}/replay", data={"csrf_token": _csrf(detail.text)}
    )
    session.expire_all()
    statuses = sorted(d.status for d in session.query(WebhookDelivery).all())
    assert statuses == sorted([DeliveryStatus.DELIVERED, DeliveryStatus.PENDING])


def test_other_roles_cannot_open_the_webhook_pages(sign_in):
    for role in (Role.LEGAL_OFFICER, Role.PROJECT_MANAGER, Role.VIEWER):
        assert sign_in(role).get("/admin/webhooks").status_code == 403
