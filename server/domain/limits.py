"""Counting failed attempts per key in a sliding window, in this process.

NOTE: the counts live in one server process, so with N processes behind a
load balancer a caller can make up to N times the limit.
"""

from __future__ import annotations

import collections
import time

from server.errors import ResourceExhausted

# Keys tracked at most; beyond this the oldest are forgotten, so a flood of
# new keys cannot grow memory without bound.
MAX_KEYS = 100_000


class FailureLimiter:
    def __init__(self, max_failures: int, window_seconds: float, clock=time.monotonic):
        self._max = max_failures
        self._window = window_seconds
        self._clock = clock
        self._failures: collections.OrderedDict[str, collections.deque[float]] = collections.OrderedDict()

    def check(self, *keys: str) -> None:
        """Raise ResourceExhausted when any key has used up its failures in the window."""
        now = self._clock()
        for key in keys:
            if key in self._failures and len(self._recent(key, now)) >= self._max:
                raise ResourceExhausted(
                    "too many failed check-in claims; wait a few minutes before trying again",
                    reason="TOO_MANY_FAILED_CLAIMS",
                )

    def record(self, *keys: str) -> None:
        now = self._clock()
        for key in keys:
            self._recent(key, now).append(now)
            self._failures.move_to_end(key)
        while len(self._failures) > MAX_KEYS:
            self._failures.popitem(last=False)

    def _recent(self, key: str, now: float) -> collections.deque[float]:
        times = self._failures.setdefault(key, collections.deque())
        while times and times[0] <= now - self._window:
            times.popleft()
        return times
