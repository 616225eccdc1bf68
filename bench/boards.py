"""Board read benchmarks: top-10 and rank on boards of 10,000 and 1,000,000
entries, against Redis sorted sets, plus the whole ListTopScores RPC against an
empty RPC.

Run with `make bench` (or `.venv/bin/python -m bench.boards`). Redis on
127.0.0.1:6379 is used only as an anchor; without it those ratios are skipped.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import time

import grpc
import psycopg
from grpc_health.v1 import health_pb2, health_pb2_grpc
from origin.v1 import common_pb2, score_pb2, score_pb2_grpc

from bench.common import database, median_seconds, median_seconds_sync, report, server_process
from server.db import boards as boards_db
from server.db.engine import create_engine, read, read_once
from server.domain.periods import ALL_TIME_START

LARGE = int(os.environ.get("BENCH_LARGE", "1000000"))
SMALL = 10_000

# Fill a game's global all-time board with `count` entries, straight in SQL
# with every trigger paused (history, buckets and foreign-key checks, through
# session_replication_role, which needs a superuser): a bulk load is not a
# series of changes. LOAD_DONE then counts the buckets of every board in one
# pass.
LOAD = [
    "SET session_replication_role = replica",
    "INSERT INTO games (id, title) VALUES (%(game)s, %(game)s)",
    """INSERT INTO users (id, email, email_key, password_hash, screen_name, screen_name_key)
    VALUES (gen_random_uuid(), %(game)s || '@bench', %(game)s || '@bench', 'x', %(game)s, %(game)s)""",
]
LOAD_ROWS = """
WITH owner AS (SELECT id FROM users WHERE email = %(game)s || '@bench'),
arcade AS (
    INSERT INTO arcades (owner_id, display_name, address, latitude, longitude, time_zone)
    SELECT id, 'Bench', '', 0, 0, 'UTC' FROM owner RETURNING id
),
machine AS (
    INSERT INTO machines (arcade_id, game_id, game_title, display_name)
    SELECT id, %(game)s, %(game)s, %(game)s FROM arcade RETURNING id, arcade_id
),
inserted AS (
    INSERT INTO scores (machine_id, arcade_id, game_id, initials, value, achieve_time, submission_id,
                        day_local, week_local, month_local, day_utc, week_utc, month_utc, year_local, year_utc)
    SELECT m.id, m.arcade_id, %(game)s, 'BEN', (random() * 1e10)::bigint,
           timestamptz '2026-01-01' + g * interval '1 second', 'b' || g,
           timestamptz '2026-01-01', timestamptz '2026-01-01', timestamptz '2026-01-01',
           timestamptz '2026-01-01', timestamptz '2026-01-01', timestamptz '2026-01-01',
           timestamptz '2026-01-01', timestamptz '2026-01-01'
    FROM machine m, generate_series(1, %(count)s) g
    RETURNING id, value, achieve_time
)
INSERT INTO board_bests (board, period_start, player_key, score_id, value, achieve_time)
SELECT 'global:' || %(game)s || ':all', %(epoch)s, 'score:' || id, id, value, achieve_time FROM inserted;
"""
LOAD_DONE = [
    "SELECT board_buckets_rebuild_v1()",
    # VACUUM sets the visibility map, so counts inside a bucket can be
    # index-only scans, as they are on a board that autovacuum has visited.
    "VACUUM ANALYZE board_bests",
    "VACUUM ANALYZE board_buckets",
    "ANALYZE scores",
]


async def load(url: str, game: str, count: int) -> list[tuple[int, int]]:
    """Load a board; return its (value, score id) pairs for the Redis anchor."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        for statement in LOAD:
            await conn.execute(statement, {"game": game})
        await conn.execute(LOAD_ROWS, {"game": game, "count": count, "epoch": ALL_TIME_START})
        cursor = await conn.execute("SELECT value, id FROM scores WHERE game_id = %s", (game,))
        return await cursor.fetchall()


# The secondary indexes of the loaded tables. Building them after the load
# is much faster than inserting a million rows into a dozen indexes at
# random places, which thrashes a small shared_buffers.
BULK_INDEXES = """
SELECT indexname, indexdef FROM pg_indexes
WHERE tablename IN ('scores', 'board_bests')
  AND indexname NOT IN (SELECT conname FROM pg_constraint)
"""


async def drop_indexes(url: str) -> list[str]:
    """Drop the secondary indexes of the loaded tables; return their definitions."""
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        indexes = await (await conn.execute(BULK_INDEXES)).fetchall()
        for name, _ in indexes:
            await conn.execute(f'DROP INDEX "{name}"')
    return [definition for _, definition in indexes]


async def finish_load(url: str, indexes: list[str]) -> None:
    async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
        await conn.execute("SET maintenance_work_mem = '256MB'")
        for definition in indexes:
            await conn.execute(definition)
        for statement in LOAD_DONE:
            await conn.execute(statement)


def _shape() -> boards_db.Shape:
    return boards_db.Shape("best", "global", "all", False)


def _params(game: str) -> dict:
    return {"board": f"global:{game}:all", "bucket_board": f"global:{game}:all", "period_start": ALL_TIME_START,
            "game_id": game,
            "arcade_id": None, "machine_id": None, "read_time": None}


_TOP10 = {"first": True, "cursor_value": None, "cursor_time": None, "cursor_id": None, "limit": 10}


async def storage_top10(engine, game: str):
    """Read the top 10 as ListTopScores does: one statement, outside a transaction."""
    async with read_once(engine) as conn:
        return await boards_db.select_page(conn, _shape(), "forward", {**_params(game), **_TOP10})


async def storage_top10_in_transaction(engine, game: str):
    """Read the top 10 inside a REPEATABLE READ transaction, as earlier versions did."""
    async with read(engine) as conn:
        return await boards_db.select_page(conn, _shape(), "forward", {**_params(game), **_TOP10})


async def storage_rank(engine, game: str, row):
    params = {**_params(game), "cursor_value": row.value, "cursor_time": row.achieve_time, "cursor_id": row.id}
    async with read_once(engine) as conn:
        return await boards_db.count_position(conn, _shape(), params)


async def extreme_rows(engine, game: str):
    async with read(engine) as conn:
        top = (await boards_db.select_page(conn, _shape(), "forward", {
            **_params(game), "first": True, "cursor_value": None, "cursor_time": None, "cursor_id": None,
            "limit": 1}))[0]
        middle = (await conn.exec_driver_sql(
            "SELECT s.id, s.value, s.achieve_time FROM board_bests b JOIN scores s ON s.id = b.score_id "
            "WHERE b.board = %(board)s ORDER BY b.value DESC, b.achieve_time, b.score_id OFFSET %(half)s LIMIT 1",
            {"board": f"global:{game}:all", "half": LARGE // 2},
        )).one()
        bottom = (await conn.exec_driver_sql(
            "SELECT s.id, s.value, s.achieve_time FROM board_bests b JOIN scores s ON s.id = b.score_id "
            "WHERE b.board = %(board)s ORDER BY b.value, b.achieve_time DESC, b.score_id DESC LIMIT 1",
            {"board": f"global:{game}:all"},
        )).one()
    return top, middle, bottom


def redis_anchor(pairs_large, pairs_small):
    """Return (top10 large, top10 small, rank bottom, rank top) medians from Redis, or None."""
    try:
        import redis
    except ImportError:
        return None
    client = redis.Redis(host="127.0.0.1", port=6379)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        return None
    keys = {"large": "origin-bench:large", "small": "origin-bench:small"}
    for key, pairs in ((keys["large"], pairs_large), (keys["small"], pairs_small)):
        client.delete(key)
        for start in range(0, len(pairs), 10_000):
            client.zadd(key, {str(score_id): value for value, score_id in pairs[start:start + 10_000]})
    lowest = min(pairs_large)[1]
    highest = max(pairs_large)[1]
    try:
        return (
            median_seconds_sync(lambda: client.zrange(keys["large"], 0, 9, desc=True, withscores=True)),
            median_seconds_sync(lambda: client.zrange(keys["small"], 0, 9, desc=True, withscores=True)),
            median_seconds_sync(lambda: client.zrevrank(keys["large"], str(lowest))),
            median_seconds_sync(lambda: client.zrevrank(keys["large"], str(highest))),
        )
    finally:
        client.delete(*keys.values())


async def main() -> None:
    async with database() as url:
        started = time.perf_counter()
        indexes = await drop_indexes(url)
        pairs_large = await load(url, "bench-large", LARGE)
        pairs_small = await load(url, "bench-small", SMALL)
        await finish_load(url, indexes)
        print(f"loaded {LARGE:,} and {SMALL:,} entries and counted their buckets in "
              f"{time.perf_counter() - started:.1f} s")

        engine = create_engine(url)
        top_large = await median_seconds(lambda: storage_top10(engine, "bench-large"))
        top_small = await median_seconds(lambda: storage_top10(engine, "bench-small"))
        top_in_transaction = await median_seconds(lambda: storage_top10_in_transaction(engine, "bench-large"))
        top, middle, bottom = await extreme_rows(engine, "bench-large")
        rank_bottom = await median_seconds(lambda: storage_rank(engine, "bench-large", bottom))
        rank_middle = await median_seconds(lambda: storage_rank(engine, "bench-large", middle))
        rank_top = await median_seconds(lambda: storage_rank(engine, "bench-large", top))
        await engine.dispose()

        anchors = redis_anchor(pairs_large, pairs_small)
        print()
        if anchors is not None:
            redis_top_large, _, redis_rank_bottom, _ = anchors
            report(f"top-10 storage read, {LARGE:,} entries vs Redis ZRANGE REV", top_large, redis_top_large, 1.0)
            report(f"rank at bottom storage read, {LARGE:,} vs Redis ZREVRANK", rank_bottom, redis_rank_bottom, 2.0)
        else:
            print("Redis not reachable on 127.0.0.1:6379: Redis anchors skipped")
        report(f"top-10 storage read, {LARGE:,} vs {SMALL:,} entries", top_large, top_small, 1.2)
        report(f"rank at bottom vs at top, {LARGE:,} entries", rank_bottom, rank_top, 1.5)
        report("  (no target) rank in the middle vs at top", rank_middle, rank_top, None)
        report("  (no target) top-10 in a REPEATABLE READ transaction vs not", top_in_transaction, top_large, None)

        async with server_process(url) as (address, _):
            async with grpc.aio.insecure_channel(address) as channel:
                health = health_pb2_grpc.HealthStub(channel)
                scores = score_pb2_grpc.ScoreServiceStub(channel)
                request = score_pb2.ListTopScoresRequest(
                    game="bench-large", scope=common_pb2.BOARD_SCOPE_GLOBAL, page_size=10
                )
                empty = await median_seconds(lambda: health.Check(health_pb2.HealthCheckRequest()))
                rpc = await median_seconds(lambda: scores.ListTopScores(request))
                report("ListTopScores RPC vs empty RPC (health Check)", rpc, empty, 1.5)


if __name__ == "__main__":
    asyncio.run(main())
