"""The webhook API: admins only, the secret shown once, bad URLs refused as problem+json naming the field."""

from __future__ import annotations

from app.users.models import Role
from app.webhooks.delivery import dispatch_webhooks
from tests.builders import assert_problem

BASE = "/api/v1/webhooks"


def test_an_admin_subscribes_reads_changes_and_removes_a_webhook_and_the_secret_is_shown_once(client, auth, receiver):
    _, admin = auth(Role.ADMIN)
    created = client.post(
        BASE,
        headers=admin,
        json={"url": receiver.url, "event_types": ["workflow.transition", "*"], "allow_private": True},
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_") and created.headers["Location"] == f"{BASE}/{body['id']}"
    read = client.get(f"{BASE}/{body['id']}", headers=admin)
    assert read.status_code == 200 and "secret" not in read.json()
    listed = client.get(BASE, headers=admin).json()
    assert [item["id"] for item in listed["items"]] == [body["id"]] and "secret" not in listed["items"][0]

    stale = client.patch(f"{BASE}/{body['id']}", headers={**admin, "If-Match": '"99"'}, json={"active": False})
    assert_problem(stale, 412)
    changed = client.patch(
        f"{BASE}/{body['id']}", headers={**admin, "If-Match": read.headers["ETag"]}, json={"description": "CRM"}
    )
    assert changed.status_code == 200 and changed.json()["description"] == "CRM"
    renewed = client.post(f"{BASE}/{body['id']}/secret", headers=admin)
    assert renewed.status_code == 200 and renewed.json()["secret"] not in (body["secret"], None)
    assert client.delete(f"{BASE}/{body['id']}", headers=admin).status_code == 204
    assert_problem(client.get(f"{BASE}/{body['id']}", headers=admin), 404)


def test_a_bad_or_private_url_and_an_unknown_event_are_refused_naming_the_field(client, auth):
    _, admin = auth(Role.ADMIN)
    for url in ("https://169.254.169.254/latest/meta-data/", "http://93.184.216.34/hook", "https://[::1]/x", "nope"):
        assert_problem(client.post(BASE, headers=admin, json={"url": url, "event_types": ["*"]}), 422, "url")
    unknown = client.post(
        BASE, headers=admin, json={"url": "https://93.184.216.34/", "event_types": ["agreement.eaten"]}
    )
    assert_problem(unknown, 422, "event_types[0]")
    assert_problem(client.post(BASE, headers=admin, json={"url": "https://93.184.216.34/", "event_types": []}), 422)


def test_only_admins_manage_webhooks(client, auth):
    for role in (Role.LEGAL_OFFICER, Role.PROJECT_MANAGER, Role.VIEWER):
        _, headers = auth(role)
        assert_problem(client.get(BASE, headers=headers), 403)
        refused = client.post(BASE, headers=headers, json={"url": "https://93.184.216.34/", "event_types": ["*"]})
        assert_problem(refused, 403)
    assert_problem(client.get(BASE), 401)


def test_the_delivery_log_a_test_message_and_a_replay(client, auth, receiver, session_factory, hook_settings):
    _, admin = auth(Role.ADMIN)
    created = client.post(BASE, headers=admin, json={"url": receiver.url, "event_types": ["*"], "allow_private": True})
    webhook = created.json()
    receiver.secrets.append(webhook["secret"])
    queued = client.post(f"{BASE}/{webhook['id']}/test", headers=admin)
    assert queued.status_code == 201 and queued.json()["status"] == "pending"
    dispatch_webhooks(session_factory, hook_settings)
    log = client.get(f"{BASE}/{webhook['id']}/deliveries", headers=admin).json()
    (delivery,) = log["items"]
    assert delivery["status"] == "delivered" and delivery["attempts"] == 1 and delivery["last_status_code"] == 204
    assert delivery["event_type"] == "webhook.test" and receiver.received[0].verified

    replayed = client.post(f"{BASE}/{webhook['id']}/deliveries/{delivery['id']}/replay", headers=admin)
    assert replayed.status_code == 201 and replayed.json()["replay_of_id"] == delivery["id"]
    pending = client.get(f"{BASE}/{webhook['id']}/deliveries", headers=admin, params={"status": "pending"}).json()
    assert [item["id"] for item in pending["items"]] == [replayed.json()["id"]]
    assert_problem(client.post(f"{BASE}/{webhook['id']}/deliveries/999999/replay", headers=admin), 404)
    assert_problem(client.get(f"{BASE}/{webhook['id']}/deliveries", headers=admin, params={"status": "lost"}), 422)
