"""BoardWatch against real servers: updates, reconnects after a restart, and errors."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from origin.v1 import common_pb2
from origin_sdk import errors
from origin_sdk.client import OriginClient

from tests import conftest
from tests.helpers import owner_with_machine
from tests.sdk.python.test_device import unused_port


def board_values(update) -> list[int]:
    return [entry.score.value for entry in update.snapshot.entries]


async def next_update(watch, timeout: float = 10.0):
    return await asyncio.wait_for(watch.__anext__(), timeout)


async def test_watch_reconnects_after_restart(database_url, tmp_path):
    """The server stops while a watch is open and a new one starts on the
    same port: the watch reconnects and its next snapshot shows the score
    submitted while it was away, with the event it missed."""
    async with conftest.serving(database_url, conftest.test_settings(tmp_path)) as api:
        owner, arcade, machine = await owner_with_machine(api)
        port = api.running.port
        device = OriginClient(api.address, token=machine.token)
        watcher = OriginClient(api.address)
        watch = watcher.watch_board(machine.game_id, common_pb2.BOARD_SCOPE_ARCADE, arcade_id=arcade.id)
        first = await next_update(watch)
        await device.submit_score("before", 100)
        second = await next_update(watch)

    try:
        restarted = conftest.test_settings(tmp_path, grpc_addr=f"127.0.0.1:{port}")
        async with conftest.serving(database_url, restarted):
            await device.submit_score("while-away", 300)
            third = await next_update(watch)
            while board_values(third) != [300, 100]:
                third = await next_update(watch)
    finally:
        await watch.aclose()
        await device.close()
        await watcher.close()

    assert board_values(first) == []
    assert board_values(second) == [100]
    assert common_pb2.BoardEvent.KIND_NEW_LEADER in [event.kind for event in second.events]
    assert board_values(third) == [300, 100]
    # Whether the watch came back before or after that score, its new lead
    # is announced: a resumed stream starts with the events it missed.
    assert common_pb2.BoardEvent.KIND_NEW_LEADER in [event.kind for event in third.events]
    assert watch.reconnects >= 1


async def test_watch_bad_selection_raises(api):
    async with OriginClient(api.address) as client:
        watch = client.watch_board("attack-from-mars", common_pb2.BOARD_SCOPE_ARCADE)
        with pytest.raises(errors.InvalidArgument) as caught:
            await next_update(watch)

    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT


async def test_watch_gives_up_after_max_reconnects():
    async with OriginClient(f"127.0.0.1:{unused_port()}") as client:
        watch = client.watch_board("attack-from-mars", max_reconnects=2)
        with pytest.raises(errors.Unavailable):
            await next_update(watch)

    assert watch.reconnects == 2


async def test_watch_stops_after_aclose(api):
    owner, arcade, machine = await owner_with_machine(api)
    async with OriginClient(api.address) as client:
        async with client.watch_board(machine.game_id, common_pb2.BOARD_SCOPE_MACHINE, machine_id=machine.machine_id) as watch:
            await next_update(watch)
        updates = [update async for update in watch]

    assert updates == []


async def test_watch_after_client_close_raises(api):
    client = OriginClient(api.address)
    watch = client.watch_board("attack-from-mars")
    await client.close()

    with pytest.raises(RuntimeError, match="closed"):
        await next_update(watch)
