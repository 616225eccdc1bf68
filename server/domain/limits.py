"""Counting failed attempts per key, in this process: a sliding window for
check-in claims, and doubling lockouts for log-ins and account codes.

NOTE: the counts live in one server process, so with N processes behind a
load balancer a caller can make up to N times the limit.
"""

from __future__ import annotations

import collections
import dataclasses
import math
import time
from typing import TYPE_CHECKING

from server.errors import ResourceExhausted

if TYPE_CHECKING:
    from server.deps import Deps

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


@dataclasses.dataclass
class _Lockout:
    failures: int = 0
    last_failure: float = 0.0
    locked_until: float = 0.0


class Backoff:
    """Failed attempts per key, limited by lockouts that double and then expire.

    The first `free_failures` failures cost nothing. Each further one locks the
    key for `first_delay_seconds`, doubling per failure up to
    `max_delay_seconds`, so guessing slows down quickly while a victim whose
    account someone else hammers waits at most `max_delay_seconds`. A key
    with no failure for `forget_after_seconds` starts again from zero.

    NOTE: past MAX_KEYS keys the least recently failed are forgotten, so a
    caller who fails with that many fresh keys can end an older lockout early.
    """

    def __init__(
        self,
        free_failures: int,
        first_delay_seconds: float,
        max_delay_seconds: float,
        forget_after_seconds: float,
        clock=time.monotonic,
    ):
        self._free = free_failures
        self._first = first_delay_seconds
        self._max = max_delay_seconds
        self._forget_after = forget_after_seconds
        self._clock = clock
        self._keys: collections.OrderedDict[str, _Lockout] = collections.OrderedDict()

    def check(self, *keys: str) -> None:
        """Raise ResourceExhausted, with the wait, while any key is locked."""
        now = self._clock()
        wait = max((self._keys[key].locked_until - now for key in keys if key in self._keys), default=0.0)
        if wait > 0:
            raise ResourceExhausted(
                f"too many failed attempts; try again in {math.ceil(wait)} seconds",
                reason="TOO_MANY_ATTEMPTS",
                retry_after_seconds=wait,
            )

    def record_failure(self, *keys: str) -> None:
        now = self._clock()
        for key in keys:
            state = self._keys.get(key)
            if state is None or now - state.last_failure >= self._forget_after:
                state = _Lockout()
            state.failures += 1
            state.last_failure = now
            excess = state.failures - self._free
            if excess > 0:
                # The exponent is capped so a long run of failures cannot overflow the float.
                delay = min(self._first * 2 ** min(excess - 1, 60), self._max)
                state.locked_until = now + delay
            self._keys[key] = state
            self._keys.move_to_end(key)
        while len(self._keys) > MAX_KEYS:
            self._keys.popitem(last=False)

    def reset(self, *keys: str) -> None:
        """Forget the failures of keys, after a success."""
        for key in keys:
            self._keys.pop(key, None)


# Per account (by email key or user ID): five free failures, then 2 s, 4 s, ... up to 15 minutes.
ACCOUNT_FREE_FAILURES = 5
# Per client address, which many users can share behind one NAT: more free failures.
ADDRESS_FREE_FAILURES = 20
FIRST_DELAY_SECONDS = 2.0
MAX_DELAY_SECONDS = 900.0
FORGET_AFTER_SECONDS = 3600.0


def account_backoff(clock=time.monotonic) -> Backoff:
    return Backoff(ACCOUNT_FREE_FAILURES, FIRST_DELAY_SECONDS, MAX_DELAY_SECONDS, FORGET_AFTER_SECONDS, clock)


def address_backoff(clock=time.monotonic) -> Backoff:
    return Backoff(ADDRESS_FREE_FAILURES, FIRST_DELAY_SECONDS, MAX_DELAY_SECONDS, FORGET_AFTER_SECONDS, clock)


def check_attempt(deps: Deps, account_key: str | None, client_address: str) -> None:
    """Raise ResourceExhausted while the account (when known) or the client address is locked out."""
    if account_key is not None:
        deps.account_failures.check(account_key)
    deps.address_failures.check(client_address)


def record_failure(deps: Deps, account_key: str | None, client_address: str) -> None:
    if account_key is not None:
        deps.account_failures.record_failure(account_key)
    deps.address_failures.record_failure(client_address)


def record_success(deps: Deps, account_key: str) -> None:
    """Clear the account's failures; the address keeps its count, since one address may try many accounts."""
    deps.account_failures.reset(account_key)
