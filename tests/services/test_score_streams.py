"""StreamScores acknowledgements and WatchBoard snapshots, coalescing,
slow watchers and cancellation, against a real server."""

import asyncio
import gc
import time

import grpc
from google.protobuf import timestamp_pb2
from origin.v1 import common_pb2, score_pb2

from tests.helpers import error_info, owner_with_machine, status_info


def _score(submission_id, value, **player):
    return score_pb2.StreamScoresRequest(
        score=score_pb2.SubmitScoreRequest(submission_id=submission_id, value=value, **player)
    )


async def _stream(api, machine, requests):
    async def source():
        for request in requests:
            yield request

    return [response async for response in api.scores.StreamScores(source(), metadata=machine.metadata)]


async def _count_scores(db):
    return (await (await db.execute("SELECT count(*) FROM scores")).fetchone())[0]


async def test_stream_acknowledges_in_order(api, db):
    _, _, machine = await owner_with_machine(api)
    responses = await _stream(api, machine, [_score(f"s{n}", n * 10) for n in range(5)])
    assert [r.submission_id for r in responses] == [f"s{n}" for n in range(5)]
    assert all(r.WhichOneof("result") == "score" for r in responses)
    assert await _count_scores(db) == 5


async def test_stream_reports_rejected_score_and_goes_on(api, db):
    _, _, machine = await owner_with_machine(api)
    responses = await _stream(
        api, machine, [_score("ok1", 1), _score("bad", -5), _score("ok2", 2, initials="A\x07B")]
    )
    assert [r.WhichOneof("result") for r in responses] == ["score", "error", "error"]
    assert responses[1].error.code == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert status_info(responses[1].error).metadata["field"] == "value"
    assert status_info(responses[2].error).metadata["field"] == "initials"
    assert await _count_scores(db) == 1


async def test_resend_after_reconnect_makes_no_duplicates(api, db):
    _, _, machine = await owner_with_machine(api)
    # The first connection's acknowledgements for s3 and s4 are "lost": the
    # device resends everything from s3 on a new stream.
    await _stream(api, machine, [_score(f"s{n}", n) for n in range(5)])
    responses = await _stream(api, machine, [_score(f"s{n}", n) for n in range(3, 8)])
    assert [r.duplicate for r in responses] == [True, True, False, False, False]
    assert await _count_scores(db) == 8


async def test_stream_rejects_user_token(api):
    owner, _, _ = await owner_with_machine(api)

    async def source():
        yield _score("x", 1)

    call = api.scores.StreamScores(source(), metadata=owner.metadata)
    try:
        async for _ in call:
            pass
        raise AssertionError("the stream should have failed")
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED


def _watch(api, machine, size=10):
    return api.scores.WatchBoard(
        score_pb2.WatchBoardRequest(
            game=machine.game_id,
            scope=common_pb2.BOARD_SCOPE_MACHINE,
            machine_id=machine.machine_id,
            mode=common_pb2.BOARD_MODE_EVERY_ENTRY,
            page_size=size,
        )
    )


async def test_watch_sends_snapshot_then_changes(api):
    _, _, machine = await owner_with_machine(api)
    watch = _watch(api, machine)
    first = await asyncio.wait_for(watch.read(), 5)
    assert first.snapshot.total_size == 0
    await _stream(api, machine, [_score("w1", 1234)])
    second = await asyncio.wait_for(watch.read(), 5)
    assert [e.score.value for e in second.snapshot.entries] == [1234]
    assert second.snapshot.board.machine_id == machine.machine_id
    watch.cancel()


async def test_watch_coalesces_bursts(api):
    _, _, machine = await owner_with_machine(api)
    watch = _watch(api, machine, size=5)
    await asyncio.wait_for(watch.read(), 5)

    updates = []

    async def collect():
        while True:
            message = await watch.read()
            updates.append(message)
            if message.snapshot.total_size == 100:
                return

    collector = asyncio.create_task(collect())
    started = time.monotonic()
    await _stream(api, machine, [_score(f"b{n}", n) for n in range(100)])
    await asyncio.wait_for(collector, 20)
    elapsed = time.monotonic() - started
    # One hundred scores give at most one snapshot per coalescing window
    # however long the burst takes on a busy machine, and the last one is
    # complete.
    assert len(updates) <= elapsed / api.running.deps.settings.watch_coalesce_seconds + 2
    assert len(updates) < 100
    assert updates[-1].snapshot.total_size == 100
    assert [e.score.value for e in updates[-1].snapshot.entries] == [99, 98, 97, 96, 95]
    watch.cancel()


async def test_slow_watcher_gets_latest_without_blocking(api):
    _, _, machine = await owner_with_machine(api)
    slow = _watch(api, machine)
    fast = _watch(api, machine)
    await asyncio.wait_for(slow.read(), 5)
    await asyncio.wait_for(fast.read(), 5)

    # The slow watcher reads nothing while scores arrive in several bursts.
    started = time.monotonic()
    for burst in range(5):
        await _stream(api, machine, [_score(f"x{burst}-{n}", burst * 10 + n) for n in range(10)])
        await asyncio.sleep(0.15)
    devices_took = time.monotonic() - started
    assert devices_took < 10

    latest = None
    while latest is None or latest.snapshot.total_size < 50:
        latest = await asyncio.wait_for(fast.read(), 5)
    # The slow watcher's first read skips the intermediate states.
    caught_up = await asyncio.wait_for(slow.read(), 5)
    while caught_up.snapshot.total_size < 50:
        caught_up = await asyncio.wait_for(slow.read(), 5)
    assert caught_up.snapshot.entries[0].score.value == 49
    slow.cancel()
    fast.cancel()


async def test_cancelled_watch_frees_server_state(api):
    _, _, machine = await owner_with_machine(api)
    watch = _watch(api, machine)
    await asyncio.wait_for(watch.read(), 5)
    hub = api.running.deps.hub
    assert hub.watcher_count() == 1
    watch.cancel()
    deadline = time.monotonic() + 1.0
    while hub.watcher_count() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert hub.watcher_count() == 0
    assert hub.group_count() == 0


async def test_revocation_ends_open_stream(api, db):
    owner, _, machine = await owner_with_machine(api)
    queue: asyncio.Queue = asyncio.Queue()

    async def source():
        while True:
            item = await queue.get()
            if item is None:
                return
            yield item

    call = api.scores.StreamScores(source(), metadata=machine.metadata)
    await queue.put(_score("before", 1))
    first = await asyncio.wait_for(call.read(), 5)
    assert first.WhichOneof("result") == "score"

    from origin.v1 import machine_pb2

    await api.machines.RevokeDeviceToken(
        machine_pb2.RevokeDeviceTokenRequest(machine_id=machine.machine_id), metadata=owner.metadata
    )
    await queue.put(_score("after", 2))
    try:
        await asyncio.wait_for(call.read(), 5)
        raise AssertionError("the stream should have ended")
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    await queue.put(None)
    assert await _count_scores(db) == 1


async def test_cancelled_stream_leaves_no_pending_read(api, caplog):
    _, _, machine = await owner_with_machine(api)

    async def silent():
        await asyncio.sleep(3600)
        yield _score("never", 1)

    call = api.scores.StreamScores(silent(), metadata=machine.metadata)
    await asyncio.sleep(0.3)
    call.cancel()
    await asyncio.sleep(0.5)
    # asyncio reports an unretrieved task exception when the task is
    # collected, so collect now instead of at some later test.
    gc.collect()
    await asyncio.sleep(0.1)
    lost = [r.getMessage() for r in caplog.records if "never retrieved" in r.getMessage()]
    # The server's pending read of the request stream ends with
    # StopAsyncIteration; it must not be reported as lost.
    assert not [message for message in lost if "StopAsyncIteration" in message]


async def test_watchers_receive_identical_wire_bytes(api):
    _, _, machine = await owner_with_machine(api)
    # A channel without a response deserializer returns the bytes as sent.
    raw_watch = api.channel.unary_stream(
        "/origin.v1.ScoreService/WatchBoard",
        request_serializer=score_pb2.WatchBoardRequest.SerializeToString,
        response_deserializer=None,
    )
    request = score_pb2.WatchBoardRequest(
        game=machine.game_id, scope=common_pb2.BOARD_SCOPE_MACHINE, machine_id=machine.machine_id
    )
    watches = [raw_watch(request) for _ in range(3)]
    for watch in watches:
        await asyncio.wait_for(watch.read(), 5)

    await _stream(api, machine, [_score("wire", 4321)])
    received = [await asyncio.wait_for(watch.read(), 5) for watch in watches]
    for watch in watches:
        watch.cancel()

    assert received[0] == received[1] == received[2]
    decoded = score_pb2.WatchBoardResponse.FromString(received[0])
    assert [e.score.value for e in decoded.snapshot.entries] == [4321]
    assert len(decoded.events) == 2
    # The hub joins separately encoded parts; the result is byte for byte
    # what serialising the whole message gives.
    assert decoded.SerializeToString() == received[0]


async def test_watch_bad_selection_goes_through_interceptor(api):
    call = api.scores.WatchBoard(score_pb2.WatchBoardRequest(game="afm", scope=common_pb2.BOARD_SCOPE_MACHINE))
    try:
        await asyncio.wait_for(call.read(), 5)
        raise AssertionError("the watch should have failed")
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert error_info(error).metadata["field"] == "machine_id"


def _resume_request(machine, resume_time=None):
    request = score_pb2.WatchBoardRequest(
        game=machine.game_id,
        scope=common_pb2.BOARD_SCOPE_MACHINE,
        machine_id=machine.machine_id,
        mode=common_pb2.BOARD_MODE_EVERY_ENTRY,
        page_size=3,
    )
    if resume_time is not None:
        request.resume_time.CopyFrom(resume_time)
    return request


async def test_resumed_watch_announces_missed_events(api):
    _, _, machine = await owner_with_machine(api)
    await _stream(api, machine, [_score("r1", 500), _score("r2", 400)])
    watch = api.scores.WatchBoard(_resume_request(machine))
    first = await asyncio.wait_for(watch.read(), 5)
    assert [entry.score.value for entry in first.snapshot.entries] == [500, 400]
    assert first.snapshot.HasField("read_time")
    watch.cancel()

    # While the watcher is away: a new leader, and an entry below it.
    await _stream(api, machine, [_score("r3", 900), _score("r4", 450)])

    resumed = api.scores.WatchBoard(_resume_request(machine, first.snapshot.read_time))
    message = await asyncio.wait_for(resumed.read(), 5)
    resumed.cancel()
    fresh = api.scores.WatchBoard(_resume_request(machine))
    plain = await asyncio.wait_for(fresh.read(), 5)
    fresh.cancel()

    assert [entry.score.value for entry in message.snapshot.entries] == [900, 500, 450]
    kinds = [(event.kind, event.entry.score.value) for event in message.events]
    assert (common_pb2.BoardEvent.KIND_NEW_LEADER, 900) in kinds
    assert (common_pb2.BoardEvent.KIND_ENTERED_TOP, 450) in kinds
    assert list(plain.events) == []


async def test_resume_from_latest_snapshot_has_no_events(api):
    _, _, machine = await owner_with_machine(api)
    await _stream(api, machine, [_score("q1", 700)])
    watch = api.scores.WatchBoard(_resume_request(machine))
    first = await asyncio.wait_for(watch.read(), 5)
    watch.cancel()

    resumed = api.scores.WatchBoard(_resume_request(machine, first.snapshot.read_time))
    message = await asyncio.wait_for(resumed.read(), 5)
    resumed.cancel()

    assert [entry.score.value for entry in message.snapshot.entries] == [700]
    assert list(message.events) == []


async def test_resume_time_in_future_is_invalid(api):
    _, _, machine = await owner_with_machine(api)
    future = timestamp_pb2.Timestamp(seconds=int(time.time()) + 3600)
    call = api.scores.WatchBoard(_resume_request(machine, future))
    try:
        await asyncio.wait_for(call.read(), 5)
    except grpc.aio.AioRpcError as error:
        assert error.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "resume_time" in error.details()
    else:
        raise AssertionError("a resume_time an hour ahead was accepted")
