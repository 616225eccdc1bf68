"""DeviceClient at the machine: status reports, check-in codes and check-in notices."""

from __future__ import annotations

import pytest
from origin.v1 import checkin_pb2, machine_status_pb2
from origin_sdk.device import DeviceClient, build_request

from tests.helpers import owner_with_machine, sign_up
from tests.sdk.python.test_device import wait_until


async def _state(api, owner, arcade_id) -> int:
    reply = await api.statuses.ListMachineStatuses(
        machine_status_pb2.ListMachineStatusesRequest(arcade_id=arcade_id), metadata=owner.metadata
    )
    return reply.statuses[0].state


async def test_check_in_reaches_device(api, db, tmp_path):
    _, _, machine = await owner_with_machine(api)
    player = await sign_up(api, "dot")
    notices: list[checkin_pb2.CheckIn] = []

    async with DeviceClient(api.address, machine.token, tmp_path / "outbox.sqlite3", on_check_in=notices.append) as device:
        code = await device.request_check_in_code(2, timeout=10)
        await api.checkins.ClaimCheckIn(checkin_pb2.ClaimCheckInRequest(code=code.code), metadata=player.metadata)
        await wait_until(lambda: 2 in device.check_ins)
        await device.submit("slot-game", 4200, player_slot=2, initials="DOT")
        await device.flush(timeout=10)
        await api.checkins.EndCheckIns(checkin_pb2.EndCheckInsRequest(), metadata=machine.metadata)
        await wait_until(lambda: not device.check_ins)

    assert code.qr_payload == f"origin://checkin/{code.code}"
    assert [(notice.player_slot, notice.screen_name) for notice in notices] == [(2, "dot"), (2, "dot")]
    assert notices[1].HasField("end_time")
    row = await (await db.execute("SELECT user_id::text, player_slot FROM scores")).fetchone()
    assert row == (player.user_id, 2)


async def test_report_status_on_stream(api, tmp_path):
    owner, arcade, machine = await owner_with_machine(api)

    async with DeviceClient(api.address, machine.token, tmp_path / "outbox.sqlite3") as device:
        device.report_status(machine_status_pb2.MACHINE_STATE_IN_GAME)
        for _ in range(200):
            if await _state(api, owner, arcade.id) == machine_status_pb2.MACHINE_STATE_IN_GAME:
                break
        state = await _state(api, owner, arcade.id)

    assert state == machine_status_pb2.MACHINE_STATE_IN_GAME


async def test_request_code_rejects_bad_slot(api, tmp_path):
    _, _, machine = await owner_with_machine(api)

    async with DeviceClient(api.address, machine.token, tmp_path / "outbox.sqlite3") as device:
        with pytest.raises(ValueError):
            await device.request_check_in_code(7)


def test_build_request_rejects_bad_slot():
    with pytest.raises(ValueError):
        build_request("s1", 10, player_slot=9)
    assert build_request("s1", 10, player_slot=3).player_slot == 3
