"""A real ``agreements worker`` killed with SIGKILL mid-batch on PostgreSQL: after the lease a new worker sends
the rest; nothing lost, and at most the one message in flight at the kill arrives twice (see the dispatcher)."""

from __future__ import annotations

import os
import signal
from collections import Counter

from tests.faults.conftest import wait_for


def test_a_worker_killed_mid_dispatch_loses_nothing_and_doubles_at_most_the_message_in_flight(world, mail, processes):
    url = world.db.url
    count = 40
    expected = world.add_due_reminders(count, "killed")
    mail.delay = 0.1  # slow SMTP: the kill lands inside a batch
    doomed = processes.worker(url, mail.port, dispatch_batch_size=10)
    wait_for(lambda: len(mail.received) >= 13, 60, "the first worker to deliver some reminders")
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.wait(10)
    delivered_before = len(mail.received)
    assert delivered_before < count, "the worker must die mid-way"
    counts = world.counts()
    assert counts.get("sending", 0) > 0, counts  # its claims are stranded until the lease (10 s)

    mail.delay = 0
    processes.worker(url, mail.port, dispatch_batch_size=10)
    wait_for(lambda: world.counts() == {"sent": count}, 60, "every reminder sent after the lease")
    received = Counter(mail.message_ids())
    assert set(received) == set(expected), "every reminder delivered"
    assert sum(received.values()) <= count + 1, received.most_common(2)
    reclaimed = [r for r in world.reminders() if r.attempts > 0]
    assert reclaimed and all(r.status == "sent" for r in reclaimed)
