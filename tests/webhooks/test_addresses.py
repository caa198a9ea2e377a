"""No SSRF: only https to public addresses, checked at subscription and again at delivery, connection pinned."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from app import clock
from app.errors import ValidationFailed
from app.webhooks import addresses, service
from app.webhooks.addresses import RefusedAddress, check_url
from app.webhooks.delivery import dispatch_webhooks
from app.webhooks.models import DeliveryStatus, WebhookDelivery
from app.webhooks.schemas import SubscriptionCreate
from tests.builders import SET_UP

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _dns(monkeypatch, answers: dict[str, list[str]]) -> None:
    """Make the webhook checker's name look-ups answer ``answers`` (a name to its addresses)."""

    def getaddrinfo(host, port, *args, **kwargs):
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)) for address in answers[host]]

    fake = SimpleNamespace(getaddrinfo=getaddrinfo, gaierror=socket.gaierror, SOCK_STREAM=socket.SOCK_STREAM)
    monkeypatch.setattr(addresses, "socket", fake)


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.1/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://100.64.0.1/hook",  # shared address space (carrier-grade NAT)
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://[::ffff:169.254.169.254]/hook",
        "https://[fe80::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::]/hook",
        "https://[2002:7f00:1::]/hook",  # 6to4 of 127.0.0.1
        "https://localhost/hook",
    ],
)
def test_a_private_loopback_link_local_or_reserved_address_is_refused(url):
    with pytest.raises(RefusedAddress, match="private, loopback, link-local or reserved"):
        check_url(url, allow_private=False)


def test_a_name_that_resolves_to_a_private_address_is_refused(monkeypatch):
    _dns(monkeypatch, {"hooks.example.com": ["93.184.216.34", "10.0.0.7"]})
    with pytest.raises(RefusedAddress, match=r"10\.0\.0\.7"):
        check_url("https://hooks.example.com/in", allow_private=False)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://93.184.216.34/hook", "https"),
        ("ftp://93.184.216.34/hook", "https"),
        ("https:///nohost", "https"),
        ("https://user:pw@93.184.216.34/hook", "user name or password"),
        ("https://93.184.216.34:99999/hook", "not a valid URL"),
        ("https://no-such-host.invalid/hook", "cannot be found"),
    ],
)
def test_a_malformed_or_plain_http_url_is_refused(url, reason):
    with pytest.raises(RefusedAddress, match=reason):
        check_url(url, allow_private=False)


def test_a_public_address_passes_and_an_admin_may_allow_private_and_plain_http(monkeypatch):
    _dns(monkeypatch, {"hooks.example.com": ["93.184.216.34"]})
    target = check_url("https://hooks.example.com/in?x=1", allow_private=False)
    assert (str(target.address), target.port, target.host) == ("93.184.216.34", 443, "hooks.example.com")
    assert str(check_url("http://127.0.0.1:8080/in", allow_private=True).address) == "127.0.0.1"


def test_the_service_refuses_a_private_address_naming_the_url_field():
    data = SubscriptionCreate(url="https://169.254.169.254/latest", event_types=["*"])
    with pytest.raises(ValidationFailed) as refused:
        service.create_subscription(None, data, actor=SET_UP)  # type: ignore[arg-type]
    assert [problem.field for problem in refused.value.problems] == ["url"]


def test_a_name_that_turns_private_after_subscribing_is_refused_at_delivery(
    monkeypatch, session, session_factory, hook_settings, receiver
):
    _dns(monkeypatch, {"hooks.example.com": ["93.184.216.34"]})
    data = SubscriptionCreate(url=f"https://hooks.example.com:{receiver.port}/in", event_types=["*"])
    subscription, _ = service.create_subscription(session, data, actor=SET_UP)
    with clock.frozen_at(NOW):
        service.send_test(session, subscription.id, actor=SET_UP)
    session.commit()

    _dns(monkeypatch, {"hooks.example.com": ["127.0.0.1"]})  # rebinding: now the receiver on loopback
    with clock.frozen_at(NOW):
        dispatch_webhooks(session_factory, hook_settings)
    session.expire_all()
    delivery = session.query(WebhookDelivery).filter_by(subscription_id=subscription.id).one()
    assert delivery.status == DeliveryStatus.PENDING and "refused" in delivery.last_error
    assert "127.0.0.1" in delivery.last_error and receiver.received == []


def test_the_connection_goes_to_the_address_checked_with_the_name_in_the_host_header(
    monkeypatch, session, session_factory, hook_settings, receiver
):
    _dns(monkeypatch, {"receiver.internal.test": ["127.0.0.1"]})
    data = SubscriptionCreate(
        url=f"http://receiver.internal.test:{receiver.port}/in?tenant=4", event_types=["*"], allow_private=True
    )
    subscription, secret = service.create_subscription(session, data, actor=SET_UP)
    receiver.secrets.append(secret)
    service.send_test(session, subscription.id, actor=SET_UP)
    session.commit()
    dispatch_webhooks(session_factory, hook_settings)
    (received,) = receiver.received
    assert received.verified and received.path == "/in?tenant=4"
    assert received.headers["host"] == f"receiver.internal.test:{receiver.port}"
    assert received.headers["content-type"] == "application/json"
