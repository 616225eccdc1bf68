"""BoardHub on its own: rollover wake-ups, shared groups, closing, encoding once per update."""

import asyncio
import contextlib
import datetime
import uuid

import pytest
from origin.v1 import common_pb2, score_pb2

from server.domain.boards import Board, BoardPage, Mode, Scope, ScoreRecord
from server.domain.periods import UTC, Bounds, Period
from server.live.hub import BoardHub, HubClosed
from server.services.score import WATCH_ENCODER

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
    hub = BoardHub(reader, coalesce_seconds=0.01, encoder=WATCH_ENCODER)
    async with hub.watch(BOARD, 10) as watcher:
        first, _ = await asyncio.wait_for(watcher.next(), 2)
        second, _ = await asyncio.wait_for(watcher.next(), 2)
    assert first.total_size == 1
    assert second.total_size == 2


async def test_watchers_of_one_board_share_reads():
    reader = CountingReader(period_seconds=3600)
    hub = BoardHub(reader, coalesce_seconds=0.01, encoder=WATCH_ENCODER)
    async with hub.watch(BOARD, 10) as one, hub.watch(BOARD, 10) as two:
        await asyncio.wait_for(one.next(), 2)
        await asyncio.wait_for(two.next(), 2)
        assert hub.group_count() == 1
        assert hub.watcher_count() == 2
    assert reader.reads == 1
    assert hub.group_count() == 0


async def test_close_ends_watchers():
    hub = BoardHub(CountingReader(3600), coalesce_seconds=0.01, encoder=WATCH_ENCODER)
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
    hub = BoardHub(reader, coalesce_seconds=0.01, encoder=WATCH_ENCODER)
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


class ListReader:
    """Returns the scores in `values` as the board, highest first."""

    def __init__(self):
        self.values: list[int] = []
        self.bounds = Bounds(datetime.datetime.now(UTC), datetime.datetime.now(UTC) + datetime.timedelta(hours=1))

    async def __call__(self, board, size):
        records = [
            ScoreRecord(value, uuid.UUID(int=1), uuid.UUID(int=2), "game", None, "AAA", value,
                        datetime.datetime(2026, 1, 1, tzinfo=UTC), f"s{value}", None)
            for value in sorted(self.values, reverse=True)[:size]
        ]
        return BoardPage(board, self.bounds, [(rank, record) for rank, record in enumerate(records, 1)],
                         len(self.values), "")


class CountingEncoder:
    def __init__(self):
        self.snapshots = 0
        self.events = 0

    def snapshot(self, page):
        self.snapshots += 1
        return WATCH_ENCODER.snapshot(page)

    def event(self, event):
        self.events += 1
        return WATCH_ENCODER.event(event)


async def test_update_encoded_once_for_all_watchers():
    reader = ListReader()
    encoder = CountingEncoder()
    hub = BoardHub(reader, coalesce_seconds=0.01, encoder=encoder)
    async with contextlib.AsyncExitStack() as stack:
        watchers = [await stack.enter_async_context(hub.watch(BOARD, 10)) for _ in range(50)]
        firsts = [await asyncio.wait_for(watcher.next(), 2) for watcher in watchers]
        assert encoder.snapshots == 1

        reader.values.append(700)
        hub.mark("game", "", "")
        seconds = [await asyncio.wait_for(watcher.next(), 2) for watcher in watchers]

    assert encoder.snapshots == 2
    # The new leader and its entering the top: two events, each encoded once.
    assert encoder.events == 2
    assert all(message is firsts[0][1] for _, message in firsts)
    assert all(message is seconds[0][1] for _, message in seconds)
    decoded = score_pb2.WatchBoardResponse.FromString(seconds[0][1])
    assert [entry.score.value for entry in decoded.snapshot.entries] == [700]
    assert [event.kind for event in decoded.events] == [
        common_pb2.BoardEvent.KIND_NEW_LEADER, common_pb2.BoardEvent.KIND_ENTERED_TOP]


async def test_slow_watcher_gets_skipped_events():
    reader = ListReader()
    hub = BoardHub(reader, coalesce_seconds=0.01, encoder=WATCH_ENCODER)
    async with hub.watch(BOARD, 10) as slow, hub.watch(BOARD, 10) as fast:
        await asyncio.wait_for(slow.next(), 2)
        await asyncio.wait_for(fast.next(), 2)
        for value in (100, 200):
            reader.values.append(value)
            hub.mark("game", "", "")
            page, _ = await asyncio.wait_for(fast.next(), 2)
            assert page.total_size == len(reader.values)

        page, message = await asyncio.wait_for(slow.next(), 2)

    decoded = score_pb2.WatchBoardResponse.FromString(message)
    assert page.total_size == 2
    assert [entry.score.value for entry in decoded.snapshot.entries] == [200, 100]
    # Both updates' events, oldest first: 100 leads and enters, then 200 does.
    assert [event.entry.score.value for event in decoded.events] == [100, 100, 200, 200]


async def test_cancelled_wait_leaves_group_clean():
    reader = ListReader()
    hub = BoardHub(reader, coalesce_seconds=0.01, encoder=WATCH_ENCODER)

    async def watch_until_cancelled():
        async with hub.watch(BOARD, 10) as watcher:
            while True:
                await watcher.next()

    task = asyncio.create_task(watch_until_cancelled())
    async with hub.watch(BOARD, 10) as other:
        await asyncio.wait_for(other.next(), 2)
        await asyncio.sleep(0.05)
        assert hub.watcher_count() == 2
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert hub.watcher_count() == 1

        # The next update reaches the remaining watcher only.
        reader.values.append(5)
        hub.mark("game", "", "")
        page, _ = await asyncio.wait_for(other.next(), 2)
        assert page.total_size == 1
    assert hub.group_count() == 0
