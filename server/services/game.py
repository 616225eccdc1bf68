"""GameService: the game catalogue."""

from __future__ import annotations

from origin.v1 import game_pb2, game_pb2_grpc

from server.deps import Deps
from server.domain import games
from server.domain.games import GameRecord


def _game(record: GameRecord) -> game_pb2.Game:
    return game_pb2.Game(
        id=record.id, title=record.title, opdb_id=record.opdb_id or "", revisions=list(record.revisions)
    )


class GameService(game_pb2_grpc.GameServiceServicer):
    def __init__(self, deps: Deps):
        self.deps = deps

    async def ListGames(self, request, context):
        page = await games.list_games(self.deps, request.title_contains, request.page_size, request.page_token)
        return game_pb2.ListGamesResponse(
            games=[_game(record) for record in page.games], next_page_token=page.next_page_token
        )

    async def GetGame(self, request, context):
        return game_pb2.GetGameResponse(game=_game(await games.get_game(self.deps, request.game_id)))
