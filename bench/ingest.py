"""Score ingest benchmarks: the unary SubmitScore median against an empty RPC's,
one call at a time, and device-stream (StreamScores) throughput against
empty-RPC throughput at 50 concurrent callers.

Run with `make bench` (or `.venv/bin/python -m bench.ingest`). Every device
sits on a machine of the same game in one arcade, so all scores share the
arcade and global boards: the busiest case for the rows those boards lock.
"""

from __future__ import annotations

import asyncio
import collections
import itertools
import os
import random
import time
import uuid

import grpc
import psycopg
from grpc_health.v1 import health_pb2, health_pb2_grpc
from origin.v1 import (
    arcade_pb2,
    arcade_pb2_grpc,
    auth_pb2,
    auth_pb2_grpc,
    machine_pb2,
    machine_pb2_grpc,
    score_pb2,
    score_pb2_grpc,
)

from bench.common import database, median_seconds, report, server_process

CALLERS = 50
SECONDS = float(os.environ.get("BENCH_INGEST_SECONDS", "10"))
PASSWORD = "correct horse battery"


def _bearer(token: str):
    return (("authorization", f"Bearer {token}"),)


async def create_devices(channel, count: int) -> list[str]:
    """Create an owner, an arcade and `count` machines of one game; return the device tokens."""
    auth = auth_pb2_grpc.AuthServiceStub(channel)
    email = f"bench-{uuid.uuid4().hex[:8]}@example.com"
    await auth.CreateUser(auth_pb2.CreateUserRequest(email=email, password=PASSWORD, screen_name="bench"))
    token = (await auth.CreateToken(auth_pb2.CreateTokenRequest(email=email, password=PASSWORD))).access_token

    arcades = arcade_pb2_grpc.ArcadeServiceStub(channel)
    arcade = (await arcades.CreateArcade(
        arcade_pb2.CreateArcadeRequest(display_name="Bench Hall", address="Bench 1", latitude=52.5, longitude=13.4,
                                       time_zone="Europe/Berlin"),
        metadata=_bearer(token),
    )).arcade
    machines = machine_pb2_grpc.MachineServiceStub(channel)
    tokens = []
    for _ in range(count):
        reply = await machines.CreateMachine(
            machine_pb2.CreateMachineRequest(arcade_id=arcade.id, game_title="Attack From Mars (1.13b)"),
            metadata=_bearer(token),
        )
        tokens.append(reply.device_token)
    return tokens


def _score(counter) -> score_pb2.SubmitScoreRequest:
    """Build a score with a submission ID that no earlier call of this run used."""
    return score_pb2.SubmitScoreRequest(
        submission_id=f"bench-{next(counter)}", initials="BEN", value=random.randrange(10**9)
    )


async def submit_median(channel, token: str, counter, repeat: int = 300) -> float:
    scores = score_pb2_grpc.ScoreServiceStub(channel)
    return await median_seconds(lambda: scores.SubmitScore(_score(counter), metadata=_bearer(token)), repeat=repeat)


async def submit_median_paused(url: str, channel, token: str, counter, triggers: list[tuple[str, str]]) -> float:
    """Measure the submit median with some triggers paused, to show what they cost."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        for table, trigger in triggers:
            await conn.execute(f"ALTER TABLE {table} DISABLE TRIGGER {trigger}")
        try:
            return await submit_median(channel, token, counter, repeat=150)
        finally:
            for table, trigger in triggers:
                await conn.execute(f"ALTER TABLE {table} ENABLE TRIGGER {trigger}")


async def empty_throughput(channel) -> float:
    """Return health checks per second from CALLERS concurrent callers over SECONDS."""
    health = health_pb2_grpc.HealthStub(channel)
    deadline = time.perf_counter() + SECONDS
    done = 0

    async def caller():
        nonlocal done
        while time.perf_counter() < deadline:
            await health.Check(health_pb2.HealthCheckRequest())
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(caller() for _ in range(CALLERS)))
    return done / (time.perf_counter() - started)


async def stream_throughput(channel, tokens: list[str], counter) -> tuple[float, collections.Counter]:
    """Return acknowledged scores per second and the rejected scores' messages, counted.

    Each device has one StreamScores stream and sends its next score after
    the acknowledgement of the previous one, for SECONDS.
    """
    scores = score_pb2_grpc.ScoreServiceStub(channel)
    deadline = time.perf_counter() + SECONDS
    acknowledged = 0
    rejected: collections.Counter[str] = collections.Counter()

    async def device(token: str):
        nonlocal acknowledged, rejected
        call = scores.StreamScores(metadata=_bearer(token))
        try:
            while time.perf_counter() < deadline:
                await call.write(score_pb2.StreamScoresRequest(score=_score(counter)))
                while True:
                    response = await call.read()
                    if response.WhichOneof("result") is not None:
                        break
                if response.WhichOneof("result") == "score":
                    acknowledged += 1
                else:
                    rejected[response.error.message] += 1
            await call.done_writing()
        finally:
            call.cancel()

    started = time.perf_counter()
    await asyncio.gather(*(device(token) for token in tokens))
    return acknowledged / (time.perf_counter() - started), rejected


async def count_history(url: str) -> tuple[int, int]:
    """Return the number of board_buckets_history rows and of scores."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        cursor = await conn.execute(
            "SELECT (SELECT count(*) FROM board_buckets_history), (SELECT count(*) FROM scores)"
        )
        return await cursor.fetchone()


async def main() -> None:
    async with database() as url, server_process(url) as (address, _):
        async with grpc.aio.insecure_channel(address) as channel:
            tokens = await create_devices(channel, CALLERS)
            health = health_pb2_grpc.HealthStub(channel)
            counter = itertools.count()
            empty = await median_seconds(lambda: health.Check(health_pb2.HealthCheckRequest()))
            submit = await submit_median(channel, tokens[0], counter)
            no_bucket_history = await submit_median_paused(
                url, channel, tokens[0], counter, [("board_buckets", "board_buckets_history_tg")]
            )
            no_buckets = await submit_median_paused(
                url, channel, tokens[0], counter,
                [("scores", "scores_buckets_tg"), ("board_bests", "board_bests_buckets_tg")],
            )
            empty_rate = await empty_throughput(channel)
            before = await count_history(url)
            stream_rate, rejected = await stream_throughput(channel, tokens, counter)
            history_rows, scores = [after - earlier for after, earlier in zip(await count_history(url), before)]
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                await conn.execute("ALTER TABLE scores DISABLE TRIGGER scores_buckets_tg")
                await conn.execute("ALTER TABLE board_bests DISABLE TRIGGER board_bests_buckets_tg")
            stream_rate_no_buckets, _ = await stream_throughput(channel, tokens, counter)

    print()
    report("SubmitScore median vs empty RPC median (health Check)", submit, empty, 2.5)
    report("  (no target) SubmitScore, board_buckets history paused", no_bucket_history, empty, None)
    report("  (no target) SubmitScore, bucket triggers paused", no_buckets, empty, None)
    # Throughput is better when higher, so the ratio is compared the other way.
    ratio = stream_rate / empty_rate
    verdict = "  ok" if ratio >= 0.5 else "  MISSED (target >= 0.5x)"
    print(f"{'StreamScores vs empty RPC throughput, 50 callers':<58} {stream_rate:10.1f} /s  "
          f"anchor {empty_rate:10.1f} /s  ratio {ratio:6.2f}x{verdict}")
    print(f"{'  (no target) StreamScores, bucket triggers paused':<58} {stream_rate_no_buckets:10.1f} /s")
    print(f"board_buckets_history rows written per streamed score: {history_rows / scores:.1f}")
    for message, count in rejected.most_common(5):
        print(f"  {count} scores rejected: {message}")


if __name__ == "__main__":
    asyncio.run(main())
