"""MachineStatusService: heartbeats and states, offline after silence, lists and live watches."""

import asyncio

import grpc
import pytest
from origin.v1 import machine_status_pb2, score_pb2

from tests import conftest
from tests.helpers import create_machine, error_info, owner_with_machine, sign_up
from tests.services.support import assert_invalid, count_rows, rpc_error

IDLE = machine_status_pb2.MACHINE_STATE_IDLE
IN_GAME = machine_status_pb2.MACHINE_STATE_IN_GAME
OUT_OF_ORDER = machine_status_pb2.MACHINE_STATE_OUT_OF_ORDER


async def _report(api, machine, state=machine_status_pb2.MACHINE_STATE_UNSPECIFIED):
    request = machine_status_pb2.ReportMachineStatusRequest(state=state)
    return await api.statuses.ReportMachineStatus(request, metadata=machine.metadata)


async def _list(api, owner, arcade_id, **fields) -> machine_status_pb2.ListMachineStatusesResponse:
    request = machine_status_pb2.ListMachineStatusesRequest(arcade_id=arcade_id, **fields)
    return await api.statuses.ListMachineStatuses(request, metadata=owner.metadata)


async def _read(call) -> machine_status_pb2.WatchMachineStatusesResponse:
    return await asyncio.wait_for(call.read(), 10)


async def test_report_and_list_status(api):
    owner, arcade, machine = await owner_with_machine(api)
    silent = await create_machine(api, owner, arcade.id, "Medieval Madness")

    await _report(api, machine, IN_GAME)
    reply = await _list(api, owner, arcade.id)

    first, second = reply.statuses
    assert first.machine_id == machine.machine_id
    assert first.online
    assert first.state == IN_GAME
    assert first.HasField("last_seen_time")
    assert first.HasField("state_time")
    assert second.machine_id == silent.machine_id
    assert not second.online
    assert second.state == machine_status_pb2.MACHINE_STATE_UNSPECIFIED
    assert not second.HasField("last_seen_time")


async def test_heartbeat_keeps_state(api):
    owner, arcade, machine = await owner_with_machine(api)
    await _report(api, machine, OUT_OF_ORDER)

    await _report(api, machine)
    reply = await _list(api, owner, arcade.id)

    assert reply.statuses[0].state == OUT_OF_ORDER


async def test_report_rejects_unknown_state(api, db):
    _, _, machine = await owner_with_machine(api)

    error = await rpc_error(_report(api, machine, 42))

    assert_invalid(error, "state")
    states = await (await db.execute("SELECT count(*) FROM machine_activity WHERE state IS NOT NULL")).fetchone()
    assert states[0] == 0


async def test_last_seen_writes_stay_throttled(api, db):
    _, _, machine = await owner_with_machine(api)

    for _ in range(5):
        await _report(api, machine)
    await _report(api, machine, IDLE)
    await _report(api, machine, IDLE)

    # One version for the first contact and one for the state change: the
    # heartbeats in between wrote nothing.
    assert (await count_rows(db, "machine_activity_history"))["machine_activity_history"] == 2


async def test_list_status_authorization(api):
    owner, arcade, machine = await owner_with_machine(api)
    other = await sign_up(api)

    by_other = await rpc_error(_list(api, other, arcade.id))
    by_device = await rpc_error(api.statuses.ListMachineStatuses(
        machine_status_pb2.ListMachineStatusesRequest(arcade_id=arcade.id), metadata=machine.metadata))
    bad_id = await rpc_error(_list(api, owner, "not-a-uuid"))
    bad_size = await rpc_error(_list(api, owner, arcade.id, page_size=101))

    assert by_other.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_info(by_other).reason == "NOT_ARCADE_OWNER"
    assert by_device.code() == grpc.StatusCode.PERMISSION_DENIED
    assert_invalid(bad_id, "arcade_id")
    assert_invalid(bad_size, "page_size")


async def test_list_status_pages(api):
    owner, arcade, first = await owner_with_machine(api)
    second = await create_machine(api, owner, arcade.id, "Medieval Madness")

    page = await _list(api, owner, arcade.id, page_size=1)
    rest = await _list(api, owner, arcade.id, page_size=1, page_token=page.next_page_token)

    assert [status.machine_id for status in page.statuses] == [first.machine_id]
    assert [status.machine_id for status in rest.statuses] == [second.machine_id]
    assert rest.next_page_token == ""


async def test_silent_device_goes_offline(database_url, tmp_path):
    settings = conftest.test_settings(tmp_path, device_offline_seconds=0.5)
    async with conftest.serving(database_url, settings) as api:
        owner, arcade, machine = await owner_with_machine(api)
        await _report(api, machine, IDLE)
        online = (await _list(api, owner, arcade.id)).statuses[0]
        await asyncio.sleep(0.8)
        offline = (await _list(api, owner, arcade.id)).statuses[0]

    assert online.online
    assert not offline.online
    assert offline.state == IDLE


async def test_watch_snapshot_then_changes(database_url, tmp_path):
    settings = conftest.test_settings(tmp_path, device_offline_seconds=1.0)
    async with conftest.serving(database_url, settings) as api:
        owner, arcade, machine = await owner_with_machine(api)
        other = await create_machine(api, owner, arcade.id, "Medieval Madness")
        watch = api.statuses.WatchMachineStatuses(
            machine_status_pb2.WatchMachineStatusesRequest(arcade_id=arcade.id), metadata=owner.metadata
        )
        snapshot = await _read(watch)

        await _report(api, machine, IN_GAME)
        online = await _read(watch)
        went_offline = await _read(watch)
        watch.cancel()

    assert snapshot.snapshot
    assert [status.machine_id for status in snapshot.statuses] == [machine.machine_id, other.machine_id]
    assert not online.snapshot
    assert [(s.machine_id, s.online, s.state) for s in online.statuses] == [(machine.machine_id, True, IN_GAME)]
    assert [(s.machine_id, s.online) for s in went_offline.statuses] == [(machine.machine_id, False)]


async def test_watch_sees_stream_reports(api):
    owner, arcade, machine = await owner_with_machine(api)
    watch = api.statuses.WatchMachineStatuses(
        machine_status_pb2.WatchMachineStatusesRequest(arcade_id=arcade.id), metadata=owner.metadata
    )
    await _read(watch)
    stream = api.scores.StreamScores(metadata=machine.metadata)

    report = machine_status_pb2.ReportMachineStatusRequest(state=OUT_OF_ORDER)
    await stream.write(score_pb2.StreamScoresRequest(status=report))
    changes = []
    while not any(status.state == OUT_OF_ORDER for status in changes):
        changes = list((await _read(watch)).statuses)
    watch.cancel()
    stream.cancel()

    assert changes[0].machine_id == machine.machine_id


async def test_watch_authorization(api):
    owner, arcade, _ = await owner_with_machine(api)
    other = await sign_up(api)
    watch = api.statuses.WatchMachineStatuses(
        machine_status_pb2.WatchMachineStatusesRequest(arcade_id=arcade.id), metadata=other.metadata
    )

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _read(watch)

    assert caught.value.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_watch_ends_unavailable_on_shutdown(database_url, tmp_path):
    async with conftest.serving(database_url, conftest.test_settings(tmp_path)) as api:
        owner, arcade, _ = await owner_with_machine(api)
        watch = api.statuses.WatchMachineStatuses(
            machine_status_pb2.WatchMachineStatusesRequest(arcade_id=arcade.id), metadata=owner.metadata
        )
        await _read(watch)
        stopping = asyncio.create_task(api.running.stop())

        with pytest.raises(grpc.aio.AioRpcError) as caught:
            await _read(watch)
        await stopping

    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    assert api.running.deps.statuses.watcher_count() == 0
