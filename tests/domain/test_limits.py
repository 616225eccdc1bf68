"""FailureLimiter: counts per key in a sliding window."""

import pytest

from server.domain.limits import FailureLimiter
from server.errors import ResourceExhausted


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_limit_reached_per_key():
    limiter = FailureLimiter(2, 60, clock=FakeClock())
    limiter.record("user:a", "address:x")
    limiter.record("user:a", "address:y")

    with pytest.raises(ResourceExhausted) as caught:
        limiter.check("user:a", "address:z")
    limiter.check("user:b", "address:x")

    assert caught.value.reason == "TOO_MANY_FAILED_CLAIMS"


def test_failures_leave_window():
    clock = FakeClock()
    limiter = FailureLimiter(1, 60, clock=clock)
    limiter.record("user:a")

    clock.now += 61

    limiter.check("user:a")


def test_check_does_not_track_new_keys():
    limiter = FailureLimiter(1, 60, clock=FakeClock())

    for number in range(10):
        limiter.check(f"user:{number}")

    assert limiter._failures == {}
