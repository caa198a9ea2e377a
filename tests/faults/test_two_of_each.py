"""Two workers and two API processes at once on PostgreSQL: each reminder delivered once, each idempotent write
applied once."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from app.organisations.models import Organisation
from tests.faults.conftest import wait_for


def test_two_workers_and_two_api_processes_deliver_and_apply_everything_exactly_once(world, mail, processes):
    url = world.db.url
    expected = world.add_due_reminders(300, "many")
    apis = [processes.serve(url), processes.serve(url)]
    workers = [processes.worker(url, mail.port, dispatch_batch_size=20) for _ in range(2)]

    keys = [str(uuid.uuid4()) for _ in range(20)]

    def post(job: tuple[int, str]) -> tuple[str, int, int | None]:
        n, key = job
        body = {"legal_name": f"Concurrent partner {key[:8]}", "kind": "national_cso", "country_code": "SN"}
        response = httpx.post(
            f"{apis[n % 2]}/api/v1/organisations", json=body,
            headers={**world.headers, "Idempotency-Key": key}, timeout=30,
        )  # fmt: skip
        return key, response.status_code, response.json().get("id")

    jobs = [(n, key) for key in keys for n in range(4)]  # each key sent twice to each process, all at once
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(post, jobs))
    assert {status for _, status, _ in answers} == {201}, answers
    ids_by_key = {key: {oid for k, _, oid in answers if k == key} for key in keys}
    assert all(len(ids) == 1 for ids in ids_by_key.values()), ids_by_key

    wait_for(lambda: world.counts() == {"sent": 300}, 90, "all 300 reminders sent")
    assert all(worker.poll() is None for worker in workers)
    received = Counter(mail.message_ids())
    assert set(received) == set(expected) and max(received.values()) == 1
    with world.db.factory() as session:
        names = dict(
            session.execute(
                select(Organisation.legal_name, func.count())
                .where(Organisation.legal_name.like("Concurrent partner %"))
                .group_by(Organisation.legal_name)
            ).all()
        )
        senders = {r.claimed_by for r in world.reminders()}
    assert names == {f"Concurrent partner {key[:8]}": 1 for key in keys}
    assert senders == {None}
