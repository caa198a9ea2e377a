"""How often a feed may be fetched: per secret and per client address, in memory (each process counts its own).

Calendar programs refresh a subscription every 15 minutes to once a day; a client fetching much more often, or
guessing secrets, is told to wait (429 with ``Retry-After``). Nothing is written to the database for a read.
"""

from __future__ import annotations

import threading
import time
from collections import deque

WINDOW_SECONDS = 600.0
PER_SECRET = 60
"""Fetches of one feed per window: four a minute sustained is far beyond any calendar program."""
PER_ADDRESS = 240
"""Fetches from one address per window (an office behind one address has many subscribers)."""
MISSES_PER_ADDRESS = 20
"""Unknown or revoked secrets from one address per window before it must wait: guessing gets nowhere."""
MAX_KEYS = 50_000


class FeedThrottle:
    """Sliding windows of recent hits by key; ``retry_after`` says how long a key must wait (0: go ahead)."""

    def __init__(self, window: float = WINDOW_SECONDS) -> None:
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        hits = self._hits.setdefault(key, deque())
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        return hits

    def retry_after(self, key: str, limit: int) -> int:
        """Seconds ``key`` must wait before it may go on (0 when it is within ``limit``)."""
        now = time.monotonic()
        with self._lock:
            hits = self._recent(key, now)
            if len(hits) < limit:
                return 0
            return max(1, int(hits[0] + self.window - now) + 1)

    def hit(self, key: str) -> None:
        """Count one hit of ``key`` now."""
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > MAX_KEYS:  # forget idle keys rather than grow without bound
                for idle in [k for k, hits in self._hits.items() if not hits or hits[-1] <= now - self.window]:
                    del self._hits[idle]
            self._recent(key, now).append(now)
