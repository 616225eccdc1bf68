"""DeviceClient against real servers: the outbox, acknowledgements, reconnects and rejections."""

from __future__ import annotations

import asyncio
import datetime
import logging
import socket
import sqlite3

import grpc
import pytest
from origin_sdk.device import Backoff, DeviceAuthError, DeviceClient, DeviceStats, Outbox, build_request

from tests import conftest
from tests.helpers import owner_with_machine
from tests.sdk.python.proxy import CuttableProxy

BURST = 300
# The burst that a cut connection and a server restart interrupt after
# CUT_AFTER acknowledgements.
LONG_BURST = 1000
CUT_AFTER = 300
# Seconds to wait for the outbox to drain. Each score is its own committed
# transaction, so on a loaded machine (2 cores, several test runs at once,
# fsync on) the server acknowledged about 20 scores a second.
FLUSH_SECONDS = 120.0


async def wait_until(condition, timeout: float = 10.0) -> None:
    """Poll `condition` every 10 ms; fail the test when it stays false for `timeout` seconds."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition still false after {timeout} s")
        await asyncio.sleep(0.01)


async def stored_submissions(db, machine_id: str) -> list[str]:
    """Return the machine's stored submission IDs in insertion order."""
    cursor = await db.execute("SELECT submission_id FROM scores WHERE machine_id = %s ORDER BY id", (machine_id,))
    return [row[0] for row in await cursor.fetchall()]


async def submit_burst(device: DeviceClient, count: int) -> None:
    for number in range(count):
        await device.submit(f"burst-{number}", 1000 + number, initials="BRS")


def outbox_counts(path) -> tuple[int, int]:
    """Return the row counts of the outbox and rejected tables of an outbox file."""
    conn = sqlite3.connect(path)
    try:
        outbox = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
        rejected = conn.execute("SELECT count(*) FROM rejected").fetchone()[0]
    finally:
        conn.close()
    return outbox, rejected


def unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_submit_and_flush_stores_scores(api, db, tmp_path):
    owner, arcade, machine = await owner_with_machine(api)
    outbox = tmp_path / "outbox.sqlite3"

    async with DeviceClient(api.address, machine.token, outbox) as device:
        await device.submit("game-1", 52_310_000, initials="AFM")
        await device.submit("game-2", 9_000_000_000)
        await device.flush(timeout=10)
        stats = device.stats

    assert stats == DeviceStats(accepted=2, duplicates=0, rejected=0)
    assert await stored_submissions(db, machine.machine_id) == ["game-1", "game-2"]
    assert await asyncio.to_thread(outbox_counts, outbox) == (0, 0)


async def test_resubmit_after_ack_is_duplicate(api, db, tmp_path):
    owner, arcade, machine = await owner_with_machine(api)

    async with DeviceClient(api.address, machine.token, tmp_path / "outbox.sqlite3") as device:
        await device.submit("game-1", 700, initials="AAA")
        await device.flush(timeout=10)
        await device.submit("game-1", 700, initials="AAA")
        await device.flush(timeout=10)
        stats = device.stats

    assert stats == DeviceStats(accepted=1, duplicates=1, rejected=0)
    assert await stored_submissions(db, machine.machine_id) == ["game-1"]


async def test_reconnect_after_server_restart(database_url, db, tmp_path):
    """Stop the server in the middle of 1,000 scores, keep submitting while it
    is down, start a new one on the same port and database: the outbox drains
    and the server ends with exactly 1,000 entries."""
    async with conftest.serving(database_url, conftest.test_settings(tmp_path)) as api:
        owner, arcade, machine = await owner_with_machine(api)
        port = api.running.port
        device = DeviceClient(api.address, machine.token, tmp_path / "outbox.sqlite3")
        await device.start()
        burst = asyncio.create_task(submit_burst(device, LONG_BURST))
        await wait_until(lambda: device.stats.accepted >= CUT_AFTER, timeout=FLUSH_SECONDS)

    try:
        stored_while_down = len(await stored_submissions(db, machine.machine_id))
        assert device.pending_count > 0
        await asyncio.sleep(1.0)
        restarted = conftest.test_settings(tmp_path, grpc_addr=f"127.0.0.1:{port}")
        async with conftest.serving(database_url, restarted):
            await burst
            await device.flush(timeout=FLUSH_SECONDS)
            stats = device.stats
    finally:
        await device.close()

    stored = await stored_submissions(db, machine.machine_id)
    assert CUT_AFTER <= stored_while_down < LONG_BURST
    assert stored == [f"burst-{number}" for number in range(LONG_BURST)]
    assert stats.accepted + stats.duplicates == LONG_BURST
    assert stats.rejected == 0
    assert await asyncio.to_thread(outbox_counts, tmp_path / "outbox.sqlite3") == (0, 0)


async def test_reconnect_after_connection_cut(api, db, tmp_path):
    """Cut the device's TCP connection in the middle of 1,000 scores and let
    it reconnect through the same address: exactly 1,000 entries arrive."""
    owner, arcade, machine = await owner_with_machine(api)
    proxy = CuttableProxy(api.running.port)
    await proxy.start()
    device = DeviceClient(proxy.address, machine.token, tmp_path / "outbox.sqlite3")
    await device.start()
    try:
        burst = asyncio.create_task(submit_burst(device, LONG_BURST))
        await wait_until(lambda: device.stats.accepted >= CUT_AFTER, timeout=FLUSH_SECONDS)
        await proxy.cut()
        pending_while_cut = device.pending_count
        await asyncio.sleep(0.5)
        await proxy.reopen()
        await burst
        await device.flush(timeout=FLUSH_SECONDS)
        stats = device.stats
    finally:
        await device.close()
        await proxy.close()

    stored = await stored_submissions(db, machine.machine_id)
    assert pending_while_cut > 0
    assert proxy.connections >= 2
    assert stored == [f"burst-{number}" for number in range(LONG_BURST)]
    assert stats.accepted + stats.duplicates == LONG_BURST
    assert stats.rejected == 0
    assert await asyncio.to_thread(outbox_counts, tmp_path / "outbox.sqlite3") == (0, 0)


async def test_reconnect_after_abrupt_stop(database_url, db, tmp_path):
    """Cancel every call at once, so responses to committed scores may be
    lost: the resent scores come back as duplicates and are stored once."""
    async with conftest.serving(database_url, conftest.test_settings(tmp_path)) as api:
        owner, arcade, machine = await owner_with_machine(api)
        port = api.running.port
        device = DeviceClient(api.address, machine.token, tmp_path / "outbox.sqlite3")
        await device.start()
        burst = asyncio.create_task(submit_burst(device, BURST))
        await wait_until(lambda: device.stats.accepted >= 20)
        await api.running.server.stop(None)

    try:
        assert device.pending_count > 0
        restarted = conftest.test_settings(tmp_path, grpc_addr=f"127.0.0.1:{port}")
        async with conftest.serving(database_url, restarted):
            await burst
            await device.flush(timeout=30)
            stats = device.stats
    finally:
        await device.close()

    assert await stored_submissions(db, machine.machine_id) == [f"burst-{number}" for number in range(BURST)]
    assert stats.accepted + stats.duplicates == BURST
    assert stats.rejected == 0


async def test_outbox_survives_client_restart(api, db, tmp_path):
    owner, arcade, machine = await owner_with_machine(api)
    outbox = tmp_path / "outbox.sqlite3"

    async with DeviceClient(f"127.0.0.1:{unused_port()}", machine.token, outbox) as offline:
        for number in range(3):
            await offline.submit(f"offline-{number}", 100 * number)
        with pytest.raises(TimeoutError):
            await offline.flush(timeout=0.3)

    async with DeviceClient(api.address, machine.token, outbox) as online:
        assert online.pending_count == 3
        await online.flush(timeout=10)

    assert await stored_submissions(db, machine.machine_id) == ["offline-0", "offline-1", "offline-2"]
    assert await asyncio.to_thread(outbox_counts, outbox) == (0, 0)


async def test_rejected_score_keeps_stream_open(api, db, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="origin_sdk.device")
    owner, arcade, machine = await owner_with_machine(api)
    outbox = tmp_path / "outbox.sqlite3"
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)

    async with DeviceClient(api.address, machine.token, outbox) as device:
        await device.submit("good-1", 100, initials="AAA")
        await device.submit("bell", 200, initials="A\x07B")
        await device.submit("from-the-future", 300, achieve_time=future)
        await device.submit("good-2", 400)
        await device.flush(timeout=10)
        await device.submit("good-1", 999, initials="AAA")
        await device.flush(timeout=10)
        rejections = await device.rejections()
        stats = device.stats

    assert [rejection.submission_id for rejection in rejections] == ["bell", "from-the-future", "good-1"]
    assert [rejection.code for rejection in rejections] == [
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.INVALID_ARGUMENT,
        grpc.StatusCode.ALREADY_EXISTS,
    ]
    assert [rejection.reason for rejection in rejections] == [
        "INVALID_ARGUMENT",
        "INVALID_ARGUMENT",
        "SUBMISSION_ID_REUSED",
    ]
    assert "initials" in rejections[0].message
    assert rejections[2].request.value == 999
    assert stats == DeviceStats(accepted=2, duplicates=0, rejected=3)
    assert await stored_submissions(db, machine.machine_id) == ["good-1", "good-2"]
    assert await asyncio.to_thread(outbox_counts, outbox) == (0, 3)
    warned = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert any("bell" in message for message in warned)


async def test_bad_token_stops_agent(api, tmp_path, caplog):
    caplog.set_level(logging.DEBUG, logger="origin_sdk.device")
    token = "origin_dev_" + "x" * 40
    outbox = tmp_path / "outbox.sqlite3"

    async with DeviceClient(api.address, token, outbox) as device:
        # The rejection may arrive before or after the score is stored, so
        # either call may be the one that raises.
        with pytest.raises(DeviceAuthError) as caught:
            await device.submit("kept", 100)
            await device.flush(timeout=10)
        with pytest.raises(DeviceAuthError):
            await device.submit("also-kept", 200)
        pending = device.pending_count

    assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert "device token" in str(caught.value)
    assert pending == 2
    assert await asyncio.to_thread(outbox_counts, outbox) == (2, 0)
    assert token not in caplog.text


async def test_submit_rejects_bad_arguments(api, tmp_path):
    owner, arcade, machine = await owner_with_machine(api)

    async with DeviceClient(api.address, machine.token, tmp_path / "outbox.sqlite3") as device:
        with pytest.raises(ValueError, match="submission_id"):
            await device.submit("", 1)
        with pytest.raises(ValueError, match="at most one"):
            await device.submit("both", 1, initials="AAA", user_id=owner.user_id)
        with pytest.raises(ValueError, match="time zone"):
            await device.submit("naive", 1, achieve_time=datetime.datetime(2024, 1, 1))
        with pytest.raises(ValueError, match="64-bit"):
            await device.submit("huge", 2**63)
        assert device.pending_count == 0


async def test_submit_before_start_raises(tmp_path):
    device = DeviceClient("127.0.0.1:1", "odt_unused", tmp_path / "outbox.sqlite3")
    with pytest.raises(RuntimeError, match="not started"):
        await device.submit("early", 1)


def test_build_request_converts_time_to_utc():
    summer_berlin = datetime.timezone(datetime.timedelta(hours=2))
    ended = datetime.datetime(2024, 10, 3, 0, 1, tzinfo=summer_berlin)

    request = build_request("game-1", 5, initials="ABC", achieve_time=ended)

    assert request.WhichOneof("player") == "initials"
    assert request.achieve_time.ToJsonString() == "2024-10-02T22:01:00Z"


def test_build_request_without_player():
    request = build_request("game-1", 5)

    assert request.WhichOneof("player") is None
    assert not request.HasField("achieve_time")


def test_outbox_file_uses_wal(tmp_path):
    path = tmp_path / "outbox.sqlite3"
    outbox = Outbox(path)
    outbox.add("game-1", build_request("game-1", 5).SerializeToString())
    outbox.add("game-1", build_request("game-1", 6).SerializeToString())
    outbox.close()

    conn = sqlite3.connect(path)
    try:
        journal_mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        stored = conn.execute("SELECT submission_id, request FROM outbox").fetchall()
    finally:
        conn.close()
    assert journal_mode == "wal"
    assert stored == [("game-1", build_request("game-1", 5).SerializeToString())]


def test_backoff_doubles_up_to_maximum():
    backoff = Backoff(initial=0.1, maximum=5.0)
    delays = [backoff.next_delay() for _ in range(12)]

    bases = [min(0.1 * 2**attempt, 5.0) for attempt in range(12)]
    assert all(base / 2 <= delay <= base for delay, base in zip(delays, bases))
    backoff.reset()
    assert backoff.next_delay() <= 0.1
