"""An SMTP server that refuses, then one that accepts the connection and never answers: the reminders are retried
with backoff (attempts counted, back to planned, never sent, never lost), then delivered once by a good server."""

from __future__ import annotations

from collections import Counter

from tests.faults.conftest import SilentSmtp, wait_for
from tests.reminders.smtp import SmtpServer


def test_refusing_then_silent_smtp_retries_with_backoff_then_delivers_each_reminder_once(world, processes):
    url = world.db.url
    count = 5
    expected = world.add_due_reminders(count, "smtp")
    refusing = SmtpServer()
    refusing.refusal = "554 5.7.1 Relay refused"
    refusing.start()
    port = refusing.port
    silent = good = None
    try:
        processes.worker(url, port, dispatch_batch_size=10, smtp_timeout_seconds=1)

        def attempted(at_least: int, error: str) -> bool:
            rows = world.reminders()
            return all(r.attempts >= at_least and error in (r.last_error or "") for r in rows)

        wait_for(lambda: attempted(1, "554"), 30, "every reminder refused once")
        rows = world.reminders()
        assert {r.status for r in rows} <= {"planned", "sending"} and not refusing.received
        assert all(r.next_attempt_at is not None and r.sent_at is None for r in rows if r.status == "planned")
        refusing.stop()

        silent = SilentSmtp(port)  # accepts, never greets: the 1 s timeout must fire
        wait_for(lambda: attempted(2, "timed out"), 40, "every reminder timed out once")
        assert silent.accepted >= 1
        rows = world.reminders()
        assert all(r.status in ("planned", "sending") and r.message_id is None for r in rows)
        backoff = [(r.send_at - r.updated_at).total_seconds() for r in rows if r.status == "planned"]
        assert backoff and all(b >= 0.9 for b in backoff), backoff  # base 1 s, doubled per attempt
        silent.stop()
        silent = None

        good = SmtpServer(port=port).start()
        wait_for(lambda: world.counts() == {"sent": count}, 40, "every reminder sent by the good server")
        received = Counter(good.message_ids())
        assert set(received) == set(expected) and max(received.values()) == 1
        assert all(r.attempts >= 2 and r.last_error is None for r in world.reminders())
        processes.assert_alive()
    finally:
        refusing.stop()
        if silent is not None:
            silent.stop()
        if good is not None:
            good.stop()
