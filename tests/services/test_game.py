"""GameService: the catalogue that groups machine revisions into games."""

import grpc
import pytest
from origin.v1 import game_pb2, machine_pb2

from tests.helpers import create_arcade, error_info, sign_up


async def _register(api, owner, arcade_id, title, opdb_id=""):
    reply = await api.machines.CreateMachine(
        machine_pb2.CreateMachineRequest(arcade_id=arcade_id, game_title=title, opdb_id=opdb_id),
        metadata=owner.metadata,
    )
    return reply.machine


async def test_revisions_group_into_one_game(api):
    owner = await sign_up(api)
    arcade = await create_arcade(api, owner)
    await _register(api, owner, arcade.id, "Attack From Mars (1.13b / S1.1)", opdb_id="G43W4-MrRpw")
    await _register(api, owner, arcade.id, "Attack From Mars (1.13 / S1.1)")
    await _register(api, owner, arcade.id, "Medieval Madness (1.09)")

    game = (await api.games.GetGame(game_pb2.GetGameRequest(game_id="attack-from-mars"))).game
    assert game.title == "Attack From Mars"
    assert game.opdb_id == "G43W4-MrRpw"
    assert list(game.revisions) == ["Attack From Mars (1.13 / S1.1)", "Attack From Mars (1.13b / S1.1)"]


async def test_list_games_filters_and_pages(api):
    owner = await sign_up(api)
    arcade = await create_arcade(api, owner)
    for title in ("Black Knight (L-4)", "Black Knight 2000 (L-4)", "Black Rose (L-4)", "Bad Cats (L-5)"):
        await _register(api, owner, arcade.id, title)

    first = await api.games.ListGames(game_pb2.ListGamesRequest(title_contains="black", page_size=2))
    second = await api.games.ListGames(
        game_pb2.ListGamesRequest(title_contains="black", page_size=2, page_token=first.next_page_token)
    )
    ids = [g.id for g in first.games] + [g.id for g in second.games]
    assert ids == ["black-knight", "black-knight-2000", "black-rose"]
    assert second.next_page_token == ""

    literal = await api.games.ListGames(game_pb2.ListGamesRequest(title_contains="%"))
    assert list(literal.games) == []


async def test_unknown_game_not_found(api):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await api.games.GetGame(game_pb2.GetGameRequest(game_id="no-such-game"))
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(caught.value).reason == "GAME_NOT_FOUND"


async def test_bad_opdb_id_rejected(api, db):
    owner = await sign_up(api)
    arcade = await create_arcade(api, owner)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _register(api, owner, arcade.id, "Funhouse (L-9)", opdb_id="not an id!")
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(caught.value).metadata["field"] == "opdb_id"
    count = await (await db.execute("SELECT count(*) FROM machines")).fetchone()
    assert count[0] == 0


async def test_game_id_with_nul_rejected(api):
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await api.games.GetGame(game_pb2.GetGameRequest(game_id="afm\x00"))
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert error_info(caught.value).metadata["field"] == "game_id"
