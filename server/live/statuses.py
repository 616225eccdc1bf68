"""Fan-out of machine statuses to the watchers of an arcade in this process.

Watchers of one arcade share a group. A heartbeat, a state change or a
device's first contact marks the arcade's group dirty, and the group re-reads
the arcade's statuses at most once per coalescing window. Besides that, the
group re-reads when the next online machine would pass the offline limit,
and every REFRESH_SECONDS, which also brings in changes made through other
server processes.

Each watcher keeps at most one pending status per machine, overwritten by
newer ones, so a slow client skips intermediate states and holds no more
than one arcade's worth of statuses.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

from server.domain.statuses import StatusRecord
from server.live.hub import HubClosed

logger = logging.getLogger(__name__)

Reader = Callable[[uuid.UUID], Awaitable[list[StatusRecord]]]

# The maximum time between two reads of a watched arcade, in seconds.
REFRESH_SECONDS = 5.0


class StatusWatcher:
    def __init__(self) -> None:
        self._pending: dict[uuid.UUID, StatusRecord] = {}
        self._snapshot = True
        self._ready = asyncio.Event()
        self._closed = False

    def offer(self, statuses: list[StatusRecord]) -> None:
        for status in statuses:
            self._pending[status.machine_id] = status
        self._ready.set()

    def close(self) -> None:
        self._closed = True
        self._ready.set()

    async def next(self) -> tuple[list[StatusRecord], bool]:
        """Wait for statuses; return them and whether they are the first, full snapshot.

        Raises HubClosed when the hub shuts down.
        """
        await self._ready.wait()
        if self._closed:
            raise HubClosed()
        self._ready.clear()
        statuses, self._pending = list(self._pending.values()), {}
        snapshot, self._snapshot = self._snapshot, False
        return statuses, snapshot


class _ArcadeGroup:
    def __init__(self, hub: StatusHub, arcade_id: uuid.UUID):
        self.hub = hub
        self.arcade_id = arcade_id
        self.watchers: set[StatusWatcher] = set()
        self.dirty = asyncio.Event()
        self.last: dict[uuid.UUID, StatusRecord] | None = None
        self.task = asyncio.get_running_loop().create_task(self._run(), name=f"status-group {arcade_id}")

    async def _run(self) -> None:
        self.dirty.set()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.dirty.wait(), self._next_wake())
            self.dirty.clear()
            try:
                statuses = await self.hub.reader(self.arcade_id)
            except Exception:
                # The read is retried on the next window, and watchers keep the
            # statuses they have.
                logger.warning("reading machine statuses of arcade %s failed", self.arcade_id, exc_info=True)
                self.dirty.set()
            else:
                self._deliver(statuses)
            await asyncio.sleep(self.hub.coalesce_seconds)

    def _next_wake(self) -> float:
        """Return the seconds until the next online machine goes offline, at most REFRESH_SECONDS."""
        wake = REFRESH_SECONDS
        now = datetime.datetime.now(datetime.timezone.utc)
        for status in (self.last or {}).values():
            if status.online and status.last_seen_time is not None:
                offline_at = status.last_seen_time + datetime.timedelta(seconds=self.hub.offline_seconds)
                wake = min(wake, max(0.0, (offline_at - now).total_seconds()) + 0.01)
        return wake

    def _deliver(self, statuses: list[StatusRecord]) -> None:
        first, earlier = self.last is None, self.last or {}
        changed = [
            status
            for status in statuses
            if status.machine_id not in earlier or earlier[status.machine_id].change_key() != status.change_key()
        ]
        self.last = {status.machine_id: status for status in statuses}
        # The first read is every watcher's snapshot, even of an arcade without machines.
        if changed or first:
            for watcher in self.watchers:
                watcher.offer(changed)


class StatusHub:
    def __init__(self, reader: Reader, coalesce_seconds: float, offline_seconds: float):
        self.reader = reader
        self.coalesce_seconds = coalesce_seconds
        self.offline_seconds = offline_seconds
        self._groups: dict[uuid.UUID, _ArcadeGroup] = {}
        self._closed = False

    @contextlib.asynccontextmanager
    async def watch(self, arcade_id: uuid.UUID) -> AsyncIterator[StatusWatcher]:
        """Register a watcher of an arcade's machine statuses until the block exits."""
        if self._closed:
            raise HubClosed()
        group = self._groups.get(arcade_id)
        if group is None:
            group = self._groups[arcade_id] = _ArcadeGroup(self, arcade_id)
        watcher = StatusWatcher()
        group.watchers.add(watcher)
        if group.last is not None:
            watcher.offer(list(group.last.values()))
        try:
            yield watcher
        finally:
            group.watchers.discard(watcher)
            if not group.watchers and self._groups.get(arcade_id) is group:
                del self._groups[arcade_id]
                group.task.cancel()

    def mark(self, arcade_id: uuid.UUID) -> None:
        """Mark an arcade's statuses as changed. Call only after commit."""
        group = self._groups.get(arcade_id)
        if group is not None:
            group.dirty.set()

    def close(self) -> None:
        """End every watch: each watcher's next() raises HubClosed."""
        self._closed = True
        for group in self._groups.values():
            for watcher in group.watchers:
                watcher.close()
            group.task.cancel()
        self._groups.clear()

    def watcher_count(self) -> int:
        return sum(len(group.watchers) for group in self._groups.values())
