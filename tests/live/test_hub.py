"""BoardHub on its own: rollover wake-ups, shared groups, closing."""

import asyncio
import datetime
import uuid

import pytest

from server.domain.boards import Board, BoardPage, Mode, Scope, ScoreRecord
from server.domain.periods import UTC, Bounds, Period
from server.live.hub import BoardHub, HubClosed

BOARD = Board("game", Scope.GLOBAL, None, None, Period.DAY, Mode.BEST, "UTC")


class CountingReader:
    """Returns a page whose period ends shortly, counting the reads."""

    def __init__(self, period_seconds: float):
        self.reads = 0
        self.period_seconds = period_seconds

    async def __call__(self, board, size):
        self.reads += 1
        now = datetime.datetime.now(UTC)
        bounds = Bounds(now, now + datetime.timedelta(seconds=self.period_seconds))
        return BoardPage(board, bounds, [], self.reads, "")


async def test_group_rereads_when_period_ends():
    reader = CountingReader(period_seconds=0.3)
    hub = BoardHub(reader, coalesce_seconds=0.01)
    async with hub.watch(BOARD, 10) as watcher:
        first, _ = await asyncio.wait_for(watcher.next(), 2)
        second, _ = await asyncio.wait_for(watcher.next(), 2)
    assert first.total_size == 1
    assert second.total_size == 2


async def test_watchers_of_one_board_share_reads():
    reader = CountingReader(period_seconds=3600)
    hub = BoardHub(reader, coalesce_seconds=0.01)
    async with hub.watch(BOARD, 10) as one, hub.watch(BOARD, 10) as two:
        await asyncio.wait_for(one.next(), 2)
        await asyncio.wait_for(two.next(), 2)
        assert hub.group_count() == 1
        assert hub.watcher_count() == 2
    assert reader.reads == 1
    assert hub.group_count() == 0


async def test_close_ends_watchers():
    hub = BoardHub(CountingReader(3600), coalesce_seconds=0.01)
    async with hub.watch(BOARD, 10) as watcher:
        await asyncio.wait_for(watcher.next(), 2)
        hub.close()
        with pytest.raises(HubClosed):
            await asyncio.wait_for(watcher.next(), 2)
    with pytest.raises(HubClosed):
        async with hub.watch(BOARD, 10):
            pass


async def test_publish_marks_only_matching_boards():
    reader = CountingReader(3600)
    hub = BoardHub(reader, coalesce_seconds=0.01)
    def score(game):
        return ScoreRecord(1, uuid.uuid4(), uuid.uuid4(), game, None, None, 5, datetime.datetime.now(UTC), "s", None)

    async with hub.watch(BOARD, 10) as watcher:
        await asyncio.wait_for(watcher.next(), 2)
        hub.publish(score("other-game"))
        await asyncio.sleep(0.1)
        assert reader.reads == 1
        hub.publish(score("game"))
        changed, _ = await asyncio.wait_for(watcher.next(), 2)
    assert changed.total_size == 2
