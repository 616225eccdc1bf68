"""StatusHub: snapshot first, changes only, a slow watcher's pending statuses merged per machine."""

import asyncio
import datetime
import uuid

import pytest

from server.domain.statuses import StatusRecord
from server.live.hub import HubClosed
from server.live.statuses import StatusHub

NOW = datetime.datetime.now(datetime.timezone.utc)
MACHINES = [uuid.uuid4(), uuid.uuid4()]


def _status(index: int, state: str, online: bool = True) -> StatusRecord:
    return StatusRecord(MACHINES[index], index, f"machine {index}", online, NOW, state, NOW)


class FakeReader:
    """Returns the statuses it is set to, and counts reads."""

    def __init__(self):
        self.statuses = [_status(0, "idle"), _status(1, "idle")]
        self.reads = 0

    async def __call__(self, arcade_id):
        self.reads += 1
        return list(self.statuses)


async def test_snapshot_then_only_changes():
    reader = FakeReader()
    hub = StatusHub(reader, coalesce_seconds=0.01, offline_seconds=3600)
    arcade = uuid.uuid4()

    async with hub.watch(arcade) as watcher:
        snapshot, first = await asyncio.wait_for(watcher.next(), 5)
        reader.statuses = [_status(0, "in_game"), _status(1, "idle")]
        hub.mark(arcade)
        changes, later = await asyncio.wait_for(watcher.next(), 5)

    assert first
    assert [status.machine_id for status in snapshot] == MACHINES
    assert not later
    assert [(status.machine_id, status.state) for status in changes] == [(MACHINES[0], "in_game")]


async def test_slow_watcher_gets_latest_per_machine():
    reader = FakeReader()
    hub = StatusHub(reader, coalesce_seconds=0.01, offline_seconds=3600)
    arcade = uuid.uuid4()

    async with hub.watch(arcade) as watcher:
        await asyncio.wait_for(watcher.next(), 5)
        for state in ("in_game", "out_of_order", "idle", "in_game"):
            reader.statuses = [_status(0, state), _status(1, "idle")]
            hub.mark(arcade)
            reads = reader.reads
            while reader.reads == reads:
                await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        changes, _ = await asyncio.wait_for(watcher.next(), 5)

    assert [(status.machine_id, status.state) for status in changes] == [(MACHINES[0], "in_game")]


async def test_close_ends_watchers():
    hub = StatusHub(FakeReader(), coalesce_seconds=0.01, offline_seconds=3600)

    async with hub.watch(uuid.uuid4()) as watcher:
        await asyncio.wait_for(watcher.next(), 5)
        hub.close()
        with pytest.raises(HubClosed):
            await watcher.next()

    assert hub.watcher_count() == 0
