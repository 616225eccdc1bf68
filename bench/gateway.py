"""Gateway overhead: the same top-scores call through REST/JSON and over gRPC.

Run with `make bench` (or `.venv/bin/python -m bench.gateway`). Both calls go
to one server process on one database, in the same run, and the ratio of the
medians is reported against the target of 1.5x.
"""

from __future__ import annotations

import asyncio

import grpc
import httpx
from origin.v1 import arcade_pb2, arcade_pb2_grpc, auth_pb2, auth_pb2_grpc, common_pb2
from origin.v1 import machine_pb2, machine_pb2_grpc, score_pb2, score_pb2_grpc

from bench.common import database, free_port, median_seconds, report, server_process

PASSWORD = "bench password 123"


async def seed(channel: grpc.aio.Channel) -> str:
    """Create an owner, an arcade and a machine with 50 scores; return the game ID."""
    auth = auth_pb2_grpc.AuthServiceStub(channel)
    await auth.CreateUser(auth_pb2.CreateUserRequest(email="bench@example.com", password=PASSWORD, screen_name="bench"))
    token = await auth.CreateToken(auth_pb2.CreateTokenRequest(email="bench@example.com", password=PASSWORD))
    owner = (("authorization", f"Bearer {token.access_token}"),)
    arcade = await arcade_pb2_grpc.ArcadeServiceStub(channel).CreateArcade(
        arcade_pb2.CreateArcadeRequest(display_name="Bench", latitude=1, longitude=1, time_zone="UTC"), metadata=owner
    )
    machine = await machine_pb2_grpc.MachineServiceStub(channel).CreateMachine(
        machine_pb2.CreateMachineRequest(arcade_id=arcade.arcade.id, game_title="Bench Game (1.0)"), metadata=owner
    )
    device = (("authorization", f"Bearer {machine.device_token}"),)
    scores = score_pb2_grpc.ScoreServiceStub(channel)
    for number in range(50):
        await scores.SubmitScore(
            score_pb2.SubmitScoreRequest(submission_id=f"b{number}", value=number * 1000, initials="BEN"),
            metadata=device,
        )
    return machine.machine.game_id


async def main() -> None:
    http_port = free_port()
    async with database() as url, server_process(url, ORIGIN_HTTP_ADDR=f"127.0.0.1:{http_port}") as (address, _):
        async with grpc.aio.insecure_channel(address) as channel, httpx.AsyncClient() as http:
            game = await seed(channel)
            scores = score_pb2_grpc.ScoreServiceStub(channel)
            request = score_pb2.ListTopScoresRequest(game=game, scope=common_pb2.BOARD_SCOPE_GLOBAL, page_size=10)
            rest_url = f"http://127.0.0.1:{http_port}/v1/scores/top/{game}"
            params = {"scope": "BOARD_SCOPE_GLOBAL", "pageSize": "10"}

            async def over_rest():
                reply = await http.get(rest_url, params=params)
                reply.raise_for_status()

            over_grpc = await median_seconds(lambda: scores.ListTopScores(request))
            through_rest = await median_seconds(over_rest)
            report("ListTopScores through REST/JSON vs over gRPC", through_rest, over_grpc, 1.5)


if __name__ == "__main__":
    asyncio.run(main())
