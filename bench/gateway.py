"""Gateway overhead: the same top-scores call through REST/JSON and over gRPC.

Run with `make bench` (or `.venv/bin/python -m bench.gateway`). Both calls go
to one server process on one database, in the same run. The calls alternate
(gRPC, REST, gRPC, ...) so that load from other programs on a shared machine
falls on both sides alike, and the ratio of the medians is reported against
the target of 1.5x.

Two REST clients are measured. httpx is what a Python program would use, but
its own per-request work is larger than grpcio's C core, so it charges the
client's cost to the gateway. A minimal HTTP/1.1 keep-alive client (one
prepared request, read by Content-Length) costs about as little as curl or a
browser would, so its ratio is mostly the gateway's own cost.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import urllib.parse

import grpc
import httpx
from origin.v1 import arcade_pb2, arcade_pb2_grpc, auth_pb2, auth_pb2_grpc, common_pb2
from origin.v1 import machine_pb2, machine_pb2_grpc, score_pb2, score_pb2_grpc

from bench.common import database, free_port, report, server_process

PASSWORD = "bench password 123"
ROUNDS = 400
WARMUP = 40


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


class KeepAliveClient:
    """Sends one prepared GET again and again on one HTTP/1.1 connection."""

    def __init__(self, port: int, target: str):
        self._port = port
        self._request = f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAccept: application/json\r\n\r\n".encode()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        self._reader, self._writer = await asyncio.open_connection("127.0.0.1", self._port)

    async def get(self) -> bytes:
        assert self._reader and self._writer
        self._writer.write(self._request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status = head.split(b" ", 2)[1]
        if status != b"200":
            raise RuntimeError(f"gateway returned HTTP {status.decode()}: {head.decode(errors='replace')}")
        length = next(
            int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
        )
        return await self._reader.readexactly(length)

    async def close(self) -> None:
        if self._writer:
            self._writer.close()
            await self._writer.wait_closed()


async def alternating_medians(first, second) -> tuple[float, float]:
    """Median wall times of two async calls made in turn, after a warm-up of each."""
    for _ in range(WARMUP):
        await first()
        await second()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(ROUNDS):
        for call, bucket in ((first, samples[0]), (second, samples[1])):
            start = time.perf_counter()
            await call()
            bucket.append(time.perf_counter() - start)
    return statistics.median(samples[0]), statistics.median(samples[1])


async def main() -> None:
    http_port = free_port()
    async with database() as url, server_process(url, ORIGIN_HTTP_ADDR=f"127.0.0.1:{http_port}") as (address, _):
        async with grpc.aio.insecure_channel(address) as channel, httpx.AsyncClient() as http:
            game = await seed(channel)
            scores = score_pb2_grpc.ScoreServiceStub(channel)
            request = score_pb2.ListTopScoresRequest(game=game, scope=common_pb2.BOARD_SCOPE_GLOBAL, page_size=10)
            params = {"scope": "BOARD_SCOPE_GLOBAL", "pageSize": "10"}
            path = f"/v1/scores/top/{urllib.parse.quote(game, safe='')}?{urllib.parse.urlencode(params)}"
            raw = KeepAliveClient(http_port, path)
            await raw.open()

            async def over_grpc():
                await scores.ListTopScores(request)

            async def over_httpx():
                reply = await http.get(f"http://127.0.0.1:{http_port}{path}")
                reply.raise_for_status()

            try:
                grpc_median, raw_median = await alternating_medians(over_grpc, raw.get)
                report("ListTopScores, REST (keep-alive client) vs gRPC", raw_median, grpc_median, 1.5)
                grpc_median, httpx_median = await alternating_medians(over_grpc, over_httpx)
                report("ListTopScores, REST (httpx) vs gRPC", httpx_median, grpc_median, None)
            finally:
                await raw.close()


if __name__ == "__main__":
    asyncio.run(main())
