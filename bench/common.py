"""Shared set-up for benchmarks: a database, a server process, timing helpers.

Benchmarks start their own embedded PostgreSQL (or use BENCH_DATABASE_URL) and
their own server, and report ratios against anchors measured in the same run,
because the machines they run on are shared and noisy.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pathlib
import signal
import socket
import statistics
import sys
import tempfile
import time
import uuid

import grpc
import psycopg
from grpc_health.v1 import health_pb2, health_pb2_grpc

from server.db.migrate import apply_migrations

REPO = pathlib.Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.asynccontextmanager
async def database():
    """Yield the URL of a fresh, migrated database."""
    configured = os.environ.get("BENCH_DATABASE_URL")
    if configured:
        name = f"origin_bench_{uuid.uuid4().hex[:8]}"
        async with await psycopg.AsyncConnection.connect(configured, autocommit=True) as conn:
            await conn.execute(f'CREATE DATABASE "{name}"')
        url = configured.rsplit("/", 1)[0] + "/" + name
        await apply_migrations(url)
        try:
            yield url
        finally:
            async with await psycopg.AsyncConnection.connect(configured, autocommit=True) as conn:
                await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return

    from server.db.embedded import EmbeddedPostgres

    directory = pathlib.Path(tempfile.mkdtemp(prefix="origin-bench-"))
    directory.chmod(0o755)
    embedded = EmbeddedPostgres(directory / "pgdata")
    url = await asyncio.to_thread(embedded.start)
    await apply_migrations(url)
    try:
        yield url
    finally:
        await asyncio.to_thread(embedded.stop)


@contextlib.asynccontextmanager
async def server_process(database_url: str, **env_overrides):
    """Run `python -m server` on the database; yield (grpc address, process)."""
    port = free_port()
    data_dir = pathlib.Path(tempfile.mkdtemp(prefix="origin-bench-data-"))
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        ORIGIN_GRPC_ADDR=f"127.0.0.1:{port}",
        ORIGIN_HTTP_ADDR="",
        ORIGIN_DATA_DIR=str(data_dir),
        ORIGIN_LOG_LEVEL="WARNING",
        ORIGIN_JWT_SECRET="bench-secret-" + "x" * 32,
    )
    env.update(env_overrides)
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "server", cwd=REPO, env=env)
    address = f"127.0.0.1:{port}"
    try:
        await wait_serving(address)
        yield address, process
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 30)


async def wait_serving(address: str) -> None:
    async with grpc.aio.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for _ in range(300):
            with contextlib.suppress(grpc.aio.AioRpcError):
                reply = await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError(f"server at {address} did not start")


async def median_seconds(call, repeat: int = 300, warmup: int = 30) -> float:
    """Median wall time of an async call, after a warm-up."""
    for _ in range(warmup):
        await call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def median_seconds_sync(call, repeat: int = 300, warmup: int = 30) -> float:
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def report(name: str, value: float, anchor: float, target: float | None, unit: str = "ms") -> dict:
    """Print one result line: the value, its anchor, the ratio and the target."""
    ratio = value / anchor if anchor else float("inf")
    verdict = "" if target is None else ("  ok" if ratio <= target else f"  MISSED (target <= {target}x)")
    scale = 1000 if unit == "ms" else 1
    print(f"{name:<58} {value * scale:10.3f} {unit}  anchor {anchor * scale:10.3f} {unit}  ratio {ratio:6.2f}x{verdict}")
    return {"name": name, "value": value, "anchor": anchor, "ratio": ratio, "target": target}
