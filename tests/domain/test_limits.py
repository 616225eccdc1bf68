"""FailureLimiter: counts per key in a sliding window. Backoff: doubling lockouts that expire."""

import pytest

from server.domain.limits import Backoff, FailureLimiter
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


def _backoff(clock) -> Backoff:
    return Backoff(free_failures=3, first_delay_seconds=2.0, max_delay_seconds=16.0, forget_after_seconds=600.0, clock=clock)


def _wait(backoff: Backoff, *keys: str) -> float | None:
    """Return the wait a check raises, or None when it passes."""
    try:
        backoff.check(*keys)
    except ResourceExhausted as error:
        assert error.reason == "TOO_MANY_ATTEMPTS"
        return error.retry_after_seconds
    return None


def test_backoff_free_failures():
    backoff = _backoff(FakeClock())
    for _ in range(3):
        backoff.record_failure("a")

    assert _wait(backoff, "a") is None


def test_backoff_delays_double_then_cap():
    clock = FakeClock()
    backoff = _backoff(clock)
    for _ in range(3):
        backoff.record_failure("a")

    waits = []
    for _ in range(6):
        backoff.record_failure("a")
        waits.append(_wait(backoff, "a"))
        clock.now += waits[-1]
        assert _wait(backoff, "a") is None

    assert waits == [2.0, 4.0, 8.0, 16.0, 16.0, 16.0]


def test_backoff_lock_expires():
    clock = FakeClock()
    backoff = _backoff(clock)
    for _ in range(4):
        backoff.record_failure("a")

    clock.now += 1.5
    during = _wait(backoff, "a")
    clock.now += 0.5

    assert during == pytest.approx(0.5)
    assert _wait(backoff, "a") is None


def test_backoff_keys_apart():
    backoff = _backoff(FakeClock())
    for _ in range(4):
        backoff.record_failure("a")

    assert _wait(backoff, "b") is None
    assert _wait(backoff, "b", "a") == 2.0


def test_backoff_forgets_after_quiet_period():
    clock = FakeClock()
    backoff = _backoff(clock)
    for _ in range(10):
        backoff.record_failure("a")

    clock.now += 600
    backoff.record_failure("a")

    assert _wait(backoff, "a") is None


def test_backoff_reset_clears_key():
    backoff = _backoff(FakeClock())
    for _ in range(5):
        backoff.record_failure("a")

    backoff.reset("a")

    assert _wait(backoff, "a") is None


def test_backoff_long_run_stays_finite():
    clock = FakeClock()
    backoff = _backoff(clock)
    for _ in range(5000):
        backoff.record_failure("a")

    assert _wait(backoff, "a") == 16.0
