"""Two server processes on one database: a score sent to one reaches watchers on both."""

import asyncio
import contextlib

from origin.v1 import common_pb2, score_pb2

from tests.conftest import serving, test_settings as make_settings
from tests.helpers import owner_with_machine


async def test_score_reaches_watchers_on_both_servers(database_url, tmp_path):
    async with contextlib.AsyncExitStack() as stack:
        first = await stack.enter_async_context(serving(database_url, make_settings(tmp_path / "a")))
        second = await stack.enter_async_context(serving(database_url, make_settings(tmp_path / "b")))
        _, _, machine = await owner_with_machine(first)

        request = score_pb2.WatchBoardRequest(game=machine.game_id, scope=common_pb2.BOARD_SCOPE_GLOBAL)
        watches = [first.scores.WatchBoard(request), second.scores.WatchBoard(request)]
        for watch in watches:
            assert (await asyncio.wait_for(watch.read(), 5)).snapshot.total_size == 0

        await first.scores.SubmitScore(
            score_pb2.SubmitScoreRequest(submission_id="x", value=4242), metadata=machine.metadata
        )
        for watch in watches:
            update = await asyncio.wait_for(watch.read(), 5)
            assert [e.score.value for e in update.snapshot.entries] == [4242]
            watch.cancel()


async def test_burst_sends_few_notifications(database_url, tmp_path, db):
    async with serving(database_url, make_settings(tmp_path, watch_coalesce_seconds=0.3)) as api:
        _, _, machine = await owner_with_machine(api)
        await db.execute("LISTEN origin_boards")
        for number in range(30):
            await api.scores.SubmitScore(
                score_pb2.SubmitScoreRequest(submission_id=f"n{number}", value=number), metadata=machine.metadata
            )
        await asyncio.sleep(0.8)
        received = []
        gen = db.notifies(timeout=0.5)
        async for notify in gen:
            received.append(notify.payload)
    # Thirty scores on one machine within a few windows: a handful of
    # notifications, not thirty.
    assert 1 <= len(received) < 10
