"""Watcher benchmarks: delivery latency with 1,000 watchers of one board, 4,000
watchers on one server process, and server memory per idle watcher.

Run with `make bench` (or `.venv/bin/python -m bench.watchers`). The program
starts its own PostgreSQL and server process. Watchers run in separate client
processes of at most 1,000 streams each, spread over several channels (one
HTTP/2 connection each), because one Python gRPC client process is reported
to handle only about 1,900 streams.

Latency is measured per score and per watcher. Each score's value is the
wall-clock time in microseconds at which the bench sent it, and each watcher
records when a snapshot first shows it. The commit happens between the send
and the acknowledgement, so the latency from the commit lies between the
latency from the acknowledgement (printed as the result) and the latency from
the send. All processes run on the same machine and read the same clock.

Settings (environment):
  BENCH_WATCHERS            watchers for the latency run (default 1000)
  BENCH_HELD_WATCHERS       watchers held open at once (default 4000)
  BENCH_SECONDS             length of the latency run in seconds (default 20)
  BENCH_RATE                scores per second during the latency run (default 10)
  BENCH_COALESCE_SECONDS    the server's coalescing window; unset keeps the
                            server's default (ORIGIN_WATCH_COALESCE_SECONDS)
  BENCH_SERVER_LOG_LEVEL    the server's log level (default WARNING)
  BENCH_STREAMS_PER_CHANNEL streams per client connection (default 100)
  BENCH_OPEN_BATCH          streams a client process opens at once (default
                            1000, all of them, as in a mass reconnect)
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import time
from multiprocessing.connection import Connection

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from origin.v1 import arcade_pb2, arcade_pb2_grpc, auth_pb2, auth_pb2_grpc, common_pb2
from origin.v1 import machine_pb2, machine_pb2_grpc, score_pb2, score_pb2_grpc

from bench.common import database, median_seconds, server_process
from server.app import SERVER_OPTIONS
from server.settings import Settings

WATCHERS = int(os.environ.get("BENCH_WATCHERS", "1000"))
HELD_WATCHERS = int(os.environ.get("BENCH_HELD_WATCHERS", "4000"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
RATE = float(os.environ.get("BENCH_RATE", "10"))
COALESCE_SECONDS = os.environ.get("BENCH_COALESCE_SECONDS", "")
# Machines that send the scores in turn, each one at a time.
DEVICES = 10

# Streams per client process and per channel. A process stays well below
# the roughly 1,900 streams that one Python gRPC client process is reported
# to handle (a figure not measured here).
STREAMS_PER_PROCESS = 1000
STREAMS_PER_CHANNEL = int(os.environ.get("BENCH_STREAMS_PER_CHANNEL", "100"))
OPEN_BATCH = int(os.environ.get("BENCH_OPEN_BATCH", str(STREAMS_PER_PROCESS)))
# In the latency run with many watchers, one stream in this many parses its
# messages and records deliveries; the others only receive. Parsing in every
# stream would make the clients, not the server, the bottleneck on a small
# machine.
SAMPLE_EVERY = 10
# Bounds on each phase, so a stuck server or client ends the run.
OPEN_TIMEOUT_SECONDS = 120
SETTLE_SECONDS = 3.0

LATENCY_TARGET_MS = 150.0
MEMORY_TARGET_KB = 24.0
WATCH_METHOD = "/origin.v1.ScoreService/WatchBoard"
PASSWORD = "bench password 123"


async def seed(channel: grpc.aio.Channel) -> tuple[str, list[tuple]]:
    """Create an owner, an arcade and DEVICES machines of one game; return the
    game ID and each device's metadata."""
    auth = auth_pb2_grpc.AuthServiceStub(channel)
    await auth.CreateUser(auth_pb2.CreateUserRequest(email="watch@example.com", password=PASSWORD, screen_name="watch"))
    token = await auth.CreateToken(auth_pb2.CreateTokenRequest(email="watch@example.com", password=PASSWORD))
    owner = (("authorization", f"Bearer {token.access_token}"),)
    arcade = await arcade_pb2_grpc.ArcadeServiceStub(channel).CreateArcade(
        arcade_pb2.CreateArcadeRequest(display_name="Bench", latitude=1, longitude=1, time_zone="UTC"), metadata=owner
    )
    games, devices = set(), []
    for _ in range(DEVICES):
        machine = await machine_pb2_grpc.MachineServiceStub(channel).CreateMachine(
            machine_pb2.CreateMachineRequest(arcade_id=arcade.arcade.id, game_title="Watch Game (1.0)"), metadata=owner
        )
        games.add(machine.machine.game_id)
        devices.append((("authorization", f"Bearer {machine.device_token}"),))
    (game,) = games
    return game, devices


def watch_request(game: str) -> bytes:
    return score_pb2.WatchBoardRequest(
        game=game, scope=common_pb2.BOARD_SCOPE_GLOBAL, mode=common_pb2.BOARD_MODE_EVERY_ENTRY, page_size=10
    ).SerializeToString()


# --- client processes -------------------------------------------------------


class _Stream:
    """One watcher in a client process: its call and what it has seen."""

    __slots__ = ("call", "seen", "messages", "deliveries")

    def __init__(self, call):
        self.call = call
        # Scores already shown to this watcher. Concurrent submits commit
        # out of order, so a new score is not always the highest.
        self.seen: set[int] = set()
        self.messages = 0
        # (score value, receipt time in microseconds) for each new score.
        self.deliveries: list[tuple[int, int]] = []


async def _read_stream(stream: _Stream, opened: asyncio.Queue, measure: bool) -> None:
    """Read messages until cancelled; put True on `opened` after the first
    message, or False if the stream fails before it."""
    first = True
    try:
        async for message in stream.call:
            stream.messages += 1
            if measure:
                _note_deliveries(stream, message, first)
            if first:
                first = False
                opened.put_nowait(True)
    except grpc.aio.AioRpcError as error:
        if first:
            opened.put_nowait(False)
        if error.code() != grpc.StatusCode.CANCELLED or first:
            raise
        return
    if first:
        opened.put_nowait(False)
    raise RuntimeError("the server ended a watch")


def _note_deliveries(stream: _Stream, message: bytes, first: bool) -> None:
    """Record the receipt of each score that is new to this watcher."""
    received_us = time.time_ns() // 1000
    values = [entry.score.value for entry in score_pb2.WatchBoardResponse.FromString(message).snapshot.entries]
    if not first:
        stream.deliveries.extend((value, received_us) for value in values if value not in stream.seen)
    stream.seen.update(values)


async def _client(address: str, request: bytes, count: int, measure: bool, sample_every: int,
                  conn: Connection) -> None:
    channels = [
        # A local subchannel pool gives each channel its own connection.
        grpc.aio.insecure_channel(address, options=[("grpc.use_local_subchannel_pool", 1)])
        for _ in range((count + STREAMS_PER_CHANNEL - 1) // STREAMS_PER_CHANNEL)
    ]
    opened: asyncio.Queue = asyncio.Queue()
    streams, tasks = [], []
    results: list[bool] = []
    # Streams open in batches, each after the previous one has its first
    # snapshots.
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(OPEN_TIMEOUT_SECONDS):
            for start in range(0, count, OPEN_BATCH):
                for number in range(start, min(start + OPEN_BATCH, count)):
                    method = channels[number // STREAMS_PER_CHANNEL].unary_stream(WATCH_METHOD)
                    stream = _Stream(method(request))
                    streams.append(stream)
                    sampled = measure and number % sample_every == 0
                    tasks.append(asyncio.create_task(_read_stream(stream, opened, sampled)))
                while len(results) < len(streams):
                    results.append(await opened.get())
    conn.send(("open", sum(results), count - sum(results)))
    await asyncio.to_thread(conn.recv)

    failures = [task.exception() for task in tasks if task.done() and task.exception() is not None]
    errors = len(failures)
    if failures:
        print(f"client process {os.getpid()}: {errors} streams failed, the first with: {failures[0]!r}", flush=True)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    deliveries = [delivery for stream in streams for delivery in stream.deliveries]
    conn.send(("done", errors, sum(stream.messages for stream in streams), deliveries))
    for channel in channels:
        await channel.close()


def client_main(address: str, request: bytes, count: int, measure: bool, sample_every: int,
                conn: Connection) -> None:
    asyncio.run(_client(address, request, count, measure, sample_every, conn))


class Clients:
    """Client processes holding `total` watchers between them."""

    def __init__(self, address: str, request: bytes, total: int, measure: bool, sample_every: int = 1):
        context = multiprocessing.get_context("spawn")
        self.pipes: list[Connection] = []
        self.processes = []
        remaining = total
        while remaining > 0:
            count = min(STREAMS_PER_PROCESS, remaining)
            remaining -= count
            parent, child = context.Pipe()
            process = context.Process(
                target=client_main, args=(address, request, count, measure, sample_every, child), daemon=True
            )
            process.start()
            self.pipes.append(parent)
            self.processes.append(process)

    async def wait_open(self) -> tuple[int, int]:
        """Return (streams with a first snapshot, streams that failed)."""
        replies = [await asyncio.to_thread(pipe.recv) for pipe in self.pipes]
        return sum(reply[1] for reply in replies), sum(reply[2] for reply in replies)

    async def stop(self) -> tuple[int, int, list[tuple[int, int]]]:
        """Stop every client; return (errors, messages received, (score value, receipt time) pairs)."""
        for pipe in self.pipes:
            pipe.send("stop")
        replies = [await asyncio.to_thread(pipe.recv) for pipe in self.pipes]
        for process in self.processes:
            await asyncio.to_thread(process.join, 30)
        deliveries = [delivery for reply in replies for delivery in reply[3]]
        return sum(reply[1] for reply in replies), sum(reply[2] for reply in replies), deliveries


# --- the memory anchor: a bare grpc.aio server ------------------------------


async def _bare_server(conn: Connection) -> None:
    async def wait_forever(request, context):
        await context.write(score_pb2.WatchBoardResponse().SerializeToString())
        await asyncio.Event().wait()

    server = grpc.aio.server(options=SERVER_OPTIONS)
    handler = grpc.unary_stream_rpc_method_handler(wait_forever)
    service, method = WATCH_METHOD.strip("/").split("/")
    server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, {method: handler}),))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    conn.send(port)
    await asyncio.to_thread(conn.recv)
    await server.stop(0)


def bare_server_main(conn: Connection) -> None:
    asyncio.run(_bare_server(conn))


async def idle_stream_memory(address: str, pid: int, request: bytes, count: int) -> tuple[int, int, int]:
    """Open `count` idle streams; return (RSS before in KB, RSS after in KB, streams opened)."""
    before = rss_kb(pid)
    clients = Clients(address, request, count, measure=False)
    opened, _ = await clients.wait_open()
    await asyncio.sleep(SETTLE_SECONDS)
    after = rss_kb(pid)
    await clients.stop()
    return before, after, opened


async def bare_grpc_memory(count: int) -> float:
    """KB of server RSS per idle stream on a grpc.aio server whose handler only waits."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=bare_server_main, args=(child,), daemon=True)
    process.start()
    try:
        port = await asyncio.to_thread(parent.recv)
        address = f"127.0.0.1:{port}"
        await idle_stream_memory(address, process.pid, b"", 20)
        before, after, opened = await idle_stream_memory(address, process.pid, b"", count)
        return (after - before) / max(opened, 1)
    finally:
        parent.send("stop")
        await asyncio.to_thread(process.join, 30)


# --- measurements -----------------------------------------------------------


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def submit_at_rate(scores, devices: list[tuple], seconds: float, rate: float, run: str) -> dict[int, int]:
    """Submit scores at `rate` per second in turn from each device.

    Each score's value is its send time in microseconds. Return each value's
    acknowledgement time in microseconds.

    Each device sends one score at a time, as a machine does, so a slow
    submit delays that device's next score but not the other devices'.
    """
    acknowledged = {}
    lanes = [asyncio.Lock() for _ in devices]

    async def submit(number: int) -> None:
        lane = number % len(devices)
        async with lanes[lane]:
            value = time.time_ns() // 1000
            await scores.SubmitScore(
                score_pb2.SubmitScoreRequest(submission_id=f"{run}-{number}", value=value, initials="LAT"),
                metadata=devices[lane],
            )
            acknowledged[value] = time.time_ns() // 1000

    start = time.monotonic()
    calls = []
    for number in range(int(seconds * rate)):
        delay = start + number / rate - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        calls.append(asyncio.create_task(submit(number)))
    await asyncio.gather(*calls)
    return acknowledged


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def verdict(met: bool) -> str:
    return "ok" if met else "MISSED"


async def held_watchers(address: str, pid: int, request: bytes, scores, devices: list[tuple]) -> None:
    """Hold HELD_WATCHERS idle watchers: memory per watcher, then one update to all."""
    before = rss_kb(pid)
    clients = Clients(address, request, HELD_WATCHERS, measure=False)
    opened, failed = await clients.wait_open()
    await asyncio.sleep(SETTLE_SECONDS)
    after = rss_kb(pid)

    await scores.SubmitScore(
        score_pb2.SubmitScoreRequest(submission_id="held", value=time.time_ns() // 1000, initials="HLD"),
        metadata=devices[0],
    )
    await asyncio.sleep(SETTLE_SECONDS)
    errors, messages, _ = await clients.stop()

    per_watcher = (after - before) / max(opened, 1)
    bare = await bare_grpc_memory(min(HELD_WATCHERS, 2000))
    print(f"{HELD_WATCHERS:,} watchers held in {len(clients.processes)} client processes: "
          f"{opened:,} opened, {failed} failed to open, {errors} stream errors, {messages:,} messages "
          f"(every watcher gets its snapshot and one update: {2 * HELD_WATCHERS:,})  "
          f"{verdict(opened == HELD_WATCHERS and not failed and not errors and messages >= 2 * HELD_WATCHERS)}")
    print(f"server memory per idle watcher: RSS {before:,} KB -> {after:,} KB, {per_watcher:.1f} KB per watcher  "
          f"anchor bare grpc.aio stream {bare:.1f} KB  ratio {per_watcher / bare:.2f}x  "
          f"target <= {MEMORY_TARGET_KB:.0f} KB  {verdict(per_watcher <= MEMORY_TARGET_KB)}")


async def delivery_latency(address: str, pid: int, request: bytes, scores, devices: list[tuple], watchers: int,
                           seconds: float, sample_every: int) -> tuple[float, float]:
    """Hold `watchers` watchers of one board while scores arrive at RATE per
    second; print what happened and return the latency p50 and p99 in ms."""
    # Two client processes, so the clients' own work is not one queue.
    clients = [Clients(address, request, watchers // 2, measure=True, sample_every=sample_every),
               Clients(address, request, watchers - watchers // 2, measure=True, sample_every=sample_every)]
    opened = [await group.wait_open() for group in clients]
    cpu_before = cpu_seconds(pid)
    started = time.monotonic()
    acknowledged = await submit_at_rate(scores, devices, seconds, RATE, run=f"w{watchers}")
    await asyncio.sleep(1.0)
    cpu_used = cpu_seconds(pid) - cpu_before
    elapsed = time.monotonic() - started
    results = [await group.stop() for group in clients]

    deliveries = [delivery for result in results for delivery in result[2] if delivery[0] in acknowledged]
    from_ack = [(received - acknowledged[value]) / 1000 for value, received in deliveries]
    from_send = [(received - value) / 1000 for value, received in deliveries]
    submit_ms = [(ack - value) / 1000 for value, ack in acknowledged.items()]
    sampled = sum(len(range(0, o[0], sample_every)) for o in opened)
    print(f"{watchers:,} watchers ({sum(o[0] for o in opened):,} opened), {len(acknowledged)} scores at {RATE:g}/s, "
          f"{sum(result[1] for result in results):,} messages, {sum(result[0] for result in results)} stream errors, "
          f"server CPU {cpu_used / elapsed:.0%} of one core")
    print(f"  {sampled} sampled watchers saw {len(deliveries):,} of {len(acknowledged) * sampled:,} scores; "
          f"submit p50 {percentile(submit_ms, 0.5):.1f} ms, p99 {percentile(submit_ms, 0.99):.1f} ms")
    print(f"  latency from the send p50 {percentile(from_send, 0.5):.1f} ms, p99 {percentile(from_send, 0.99):.1f} ms; "
          f"from the acknowledgement p50 {percentile(from_ack, 0.5):.1f} ms, "
          f"p99 {percentile(from_ack, 0.99):.1f} ms, max {max(from_ack):.1f} ms")
    return percentile(from_ack, 0.5), percentile(from_ack, 0.99)


async def main() -> None:
    overrides = {"ORIGIN_WATCH_COALESCE_SECONDS": COALESCE_SECONDS} if COALESCE_SECONDS else {}
    if os.environ.get("BENCH_SERVER_LOG_LEVEL"):
        overrides["ORIGIN_LOG_LEVEL"] = os.environ["BENCH_SERVER_LOG_LEVEL"]
    window = float(COALESCE_SECONDS or Settings.watch_coalesce_seconds)
    print(f"coalescing window {window * 1000:.0f} ms")
    async with database() as url, server_process(url, **overrides) as (address, process):
        async with grpc.aio.insecure_channel(address) as channel:
            game, devices = await seed(channel)
            scores = score_pb2_grpc.ScoreServiceStub(channel)
            health = health_pb2_grpc.HealthStub(channel)
            empty_rpc = await median_seconds(lambda: health.Check(health_pb2.HealthCheckRequest()))
            request = watch_request(game)
            print(f"empty RPC (health Check) median {empty_rpc * 1000:.3f} ms")

            # Warm the server's watch path up before the memory baseline.
            warm = Clients(address, request, 20, measure=False)
            await warm.wait_open()
            await warm.stop()

            if HELD_WATCHERS:
                await held_watchers(address, process.pid, request, scores, devices)
            if WATCHERS:
                # The anchor: the same path with ten watchers, so fan-out costs little.
                _, few_p99 = await delivery_latency(address, process.pid, request, scores, devices, 10, 10, 1)
                _, p99 = await delivery_latency(
                    address, process.pid, request, scores, devices, WATCHERS, SECONDS, SAMPLE_EVERY
                )
                print(f"delivery p99 from the acknowledgement, {WATCHERS:,} watchers: {p99:.1f} ms  "
                      f"anchor 10 watchers {few_p99:.1f} ms  ratio {p99 / few_p99:.2f}x  "
                      f"target <= {LATENCY_TARGET_MS:.0f} ms  {verdict(p99 <= LATENCY_TARGET_MS)}")


if __name__ == "__main__":
    asyncio.run(main())
