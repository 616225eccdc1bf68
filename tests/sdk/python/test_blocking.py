"""The blocking OriginClient, called from a worker thread while the test's loop serves requests."""

from __future__ import annotations

import asyncio
import threading
import uuid

import grpc
import pytest
from origin.v1 import common_pb2, game_pb2
from origin_sdk import errors
from origin_sdk.blocking import OriginClient

from tests.helpers import PASSWORD


def owner_flow(address: str) -> dict:
    """Sign up, sign in, create an arcade and a machine, submit and read a score, all blocking."""
    name = f"blk{uuid.uuid4().hex[:8]}"
    with OriginClient(address) as client:
        client.sign_up(f"{name}@example.com", PASSWORD, name)
        client.sign_in(f"{name}@example.com", PASSWORD)
        user = client.current_user()
        games = client.stubs.games.ListGames(game_pb2.ListGamesRequest())
        arcade = client.create_arcade("Blocking Hall", "Europe/Berlin")
        registered = client.register_machine(arcade.id, "Medieval Madness (1.09)")
        with pytest.raises(errors.InvalidArgument) as caught:
            client.create_arcade("", "Europe/Berlin")

    with OriginClient(address, token=registered.device_token) as device:
        device.submit_score("blocking-1", 7_000_000, initials="MM")

    with OriginClient(address) as reader:
        board = reader.list_top_scores(registered.machine.game_id, common_pb2.BOARD_SCOPE_ARCADE, arcade_id=arcade.id)
        watch = reader.watch_board(registered.machine.game_id, common_pb2.BOARD_SCOPE_ARCADE, arcade_id=arcade.id)
        first = next(watch)
        watch.close()

    return {
        "name": name, "user": user, "games": games, "board": board, "first": first,
        "error": caught.value,
        "loop_threads": [thread.name for thread in threading.enumerate() if thread.name == "origin-sdk-loop"],
    }


async def test_blocking_client_flow(api):
    result = await asyncio.wait_for(asyncio.to_thread(owner_flow, api.address), timeout=60)

    assert result["user"].screen_name == result["name"]
    assert [entry.score.value for entry in result["board"].entries] == [7_000_000]
    assert [entry.score.value for entry in result["first"].snapshot.entries] == [7_000_000]
    assert result["error"].code == grpc.StatusCode.INVALID_ARGUMENT
    assert result["error"].field_violations[0].field == "display_name"
    # Each closed client stops its loop thread.
    assert result["loop_threads"] == []
