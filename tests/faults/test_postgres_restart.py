"""PostgreSQL restarted under a running worker and two API processes: they recover on their own, and every due
reminder still goes out exactly once."""

from __future__ import annotations

from collections import Counter

import httpx

from tests.faults.conftest import wait_for


def _organisation(name: str) -> dict[str, object]:
    return {"legal_name": name, "kind": "national_cso", "country_code": "KE"}


def test_worker_and_api_recover_from_a_postgresql_restart_without_losing_or_doubling(world, mail, pgcluster, processes):
    url = world.db.url
    before = world.add_due_reminders(60, "before")
    mail.delay = 0.05  # about 20 messages a second: the restart lands mid-delivery
    apis = [processes.serve(url), processes.serve(url)]
    for base in apis:  # each API process holds pooled connections from before the restart
        assert httpx.get(f"{base}/api/v1/partnerships", headers=world.headers, timeout=10).status_code == 200
    processes.worker(url, mail.port, dispatch_batch_size=10)
    wait_for(lambda: len(mail.received) >= 15, 60, "the worker to deliver some reminders")
    assert len(mail.received) < 60, "the restart must land while reminders are still due"

    pgcluster.restart()
    world.db.engine.dispose()  # the test's own pooled connections died too

    for base in apis:
        wait_for(lambda base=base: _healthy(base), 30, f"{base}/healthz to answer 200 again")
        listing = httpx.get(f"{base}/api/v1/partnerships", headers=world.headers, timeout=10)
        assert listing.status_code == 200, listing.text
        created = httpx.post(
            f"{base}/api/v1/organisations", json=_organisation(f"After restart {base[-5:]}"),
            headers=world.headers, timeout=10,
        )  # fmt: skip
        assert created.status_code == 201, created.text
    after = world.add_due_reminders(30, "after")  # due after the restart: the worker must still be dispatching

    expected = set(before) | set(after)
    wait_for(lambda: world.counts() == {"sent": 90}, 60, f"all 90 reminders sent (now {world.counts()})")
    processes.assert_alive()
    received = Counter(mail.message_ids())
    assert set(received) == expected
    assert max(received.values()) == 1, [mid for mid, n in received.items() if n > 1]
    assert {r.message_id for r in world.reminders()} == expected


def _healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False
