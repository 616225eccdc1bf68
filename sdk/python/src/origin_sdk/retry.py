"""Retry timing for calls that fail with UNAVAILABLE, and for stream reconnects."""

from __future__ import annotations

import dataclasses
import random


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How often and how fast a call is retried after UNAVAILABLE.

    Only UNAVAILABLE is retried, because it means that the server did not
    process the call or that it shut down. Writes stay safe, because a retry
    reuses the call's `x-request-id` and the request's own `request_id` or
    `submission_id`. The wait before retry n (1-based) is drawn between half
    and all of `initial_backoff * multiplier ** (n - 1)`, capped at
    `max_backoff`; the jitter keeps many clients from retrying in step.
    """

    # Attempts in total, the first call included; 1 means no retries.
    max_attempts: int = 4
    # Seconds before the first retry (upper end of the jitter range).
    initial_backoff: float = 0.1
    # Upper bound in seconds on any one wait.
    max_backoff: float = 5.0
    multiplier: float = 2.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, got {self.max_attempts}")
        if self.initial_backoff <= 0 or self.max_backoff < self.initial_backoff:
            raise ValueError(
                f"need 0 < initial_backoff <= max_backoff, got {self.initial_backoff} and {self.max_backoff}"
            )
        if self.multiplier < 1:
            raise ValueError(f"multiplier must be at least 1, got {self.multiplier}")

    def backoff(self, retry: int) -> float:
        """Return the wait in seconds before retry number `retry` (1 for the first retry)."""
        base = min(self.initial_backoff * self.multiplier ** (retry - 1), self.max_backoff)
        return random.uniform(base / 2, base)


NO_RETRY = RetryPolicy(max_attempts=1)
