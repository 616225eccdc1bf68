"""MachineService: machines, device tokens and their retries, with bad input on every field."""

import hashlib
import uuid

import grpc
import pytest
from origin.v1 import machine_pb2, score_pb2

from server.domain import paging
from tests.helpers import create_arcade, create_machine, error_info, owner_with_machine, sign_up
from tests.services.support import assert_invalid, count_rows, database_now, rpc_error, timestamp

TABLES = ("machines", "machines_history", "games")


def _bearer(token: str):
    return (("authorization", f"Bearer {token}"),)


async def _submit(api, token: str) -> score_pb2.SubmitScoreResponse:
    request = score_pb2.SubmitScoreRequest(submission_id=uuid.uuid4().hex, value=1000)
    return await api.scores.SubmitScore(request, metadata=_bearer(token))


async def _token_error(api, token: str) -> grpc.aio.AioRpcError:
    return await rpc_error(_submit(api, token))


async def test_create_machine_returns_token(api, db):
    owner = await sign_up(api)
    arcade = await create_arcade(api, owner)

    reply = await api.machines.CreateMachine(
        machine_pb2.CreateMachineRequest(arcade_id=arcade.id, game_title="  Attack From Mars (1.13b)  "),
        metadata=owner.metadata,
    )

    assert uuid.UUID(reply.machine.id)
    assert reply.machine.arcade_id == arcade.id
    assert reply.machine.game_id == "attack-from-mars"
    assert reply.machine.game_title == "Attack From Mars (1.13b)"
    assert reply.machine.display_name == "Attack From Mars (1.13b)"
    assert reply.device_token.startswith("origin_dev_")
    assert reply.device_token.startswith(reply.machine.device_token_prefix)
    assert reply.machine.device_token_active
    assert not reply.machine.HasField("last_seen_time")
    assert reply.machine.HasField("create_time")
    assert await count_rows(db, "machines") == {"machines": 1}
    stored = await (await db.execute("SELECT device_token_hash FROM machines")).fetchone()
    assert bytes(stored[0]) == hashlib.sha256(reply.device_token.encode()).digest()
    assert (await _submit(api, reply.device_token)).score.machine_id == reply.machine.id


async def test_create_machine_keeps_display_name(api):
    owner = await sign_up(api)
    arcade = await create_arcade(api, owner)

    reply = await api.machines.CreateMachine(
        machine_pb2.CreateMachineRequest(arcade_id=arcade.id, game_title="Medieval Madness", display_name="MM by the door"),
        metadata=owner.metadata,
    )

    assert reply.machine.display_name == "MM by the door"
    assert reply.machine.game_id == "medieval-madness"


@pytest.mark.parametrize(
    "field, value",
    [
        ("arcade_id", ""),
        ("arcade_id", "not-a-uuid"),
        ("arcade_id", "\x00"),
        ("game_title", ""),
        ("game_title", "   "),
        ("game_title", "x" * 201),
        ("game_title", "Attack\x00From Mars"),
        ("game_title", "Attack From Mars\r\n"),
        ("display_name", "x" * 101),
        ("display_name", "AFM\x7f"),
        ("request_id", "r" * 65),
        ("request_id", "\x00"),
    ],
    ids=repr,
)
async def test_create_machine_rejects_bad_field(api, db, field, value):
    owner = await sign_up(api)
    arcade = await create_arcade(api, owner)
    request = machine_pb2.CreateMachineRequest(arcade_id=arcade.id, game_title="Attack From Mars")
    setattr(request, field, value)
    before = await count_rows(db, *TABLES)

    error = await rpc_error(api.machines.CreateMachine(request, metadata=owner.metadata))

    assert_invalid(error, field)
    assert await count_rows(db, *TABLES) == before


@pytest.mark.parametrize(
    "field, value",
    [("game_title", "x" * 200), ("display_name", "x" * 100), ("request_id", "r" * 64)],
    ids=repr,
)
async def test_create_machine_accepts_limits(api, db, field, value):
    owner = await sign_up(api)
    arcade = await create_arcade(api, owner)
    request = machine_pb2.CreateMachineRequest(arcade_id=arcade.id, game_title="Attack From Mars")
    setattr(request, field, value)

    reply = await api.machines.CreateMachine(request, metadata=owner.metadata)

    assert reply.machine.id
    assert await count_rows(db, "machines") == {"machines": 1}


async def test_create_machine_unknown_arcade(api, db):
    owner = await sign_up(api)

    error = await rpc_error(
        api.machines.CreateMachine(
            machine_pb2.CreateMachineRequest(arcade_id=str(uuid.uuid4()), game_title="Attack From Mars"),
            metadata=owner.metadata,
        )
    )

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(error).reason == "ARCADE_NOT_FOUND"
    assert await count_rows(db, *TABLES) == {"machines": 0, "machines_history": 0, "games": 0}


async def test_create_machine_in_foreign_arcade(api, db):
    owner = await sign_up(api)
    arcade = await create_arcade(api, owner)
    stranger = await sign_up(api)

    error = await rpc_error(
        api.machines.CreateMachine(
            machine_pb2.CreateMachineRequest(arcade_id=arcade.id, game_title="Attack From Mars"),
            metadata=stranger.metadata,
        )
    )

    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_info(error).reason == "NOT_ARCADE_OWNER"
    assert await count_rows(db, *TABLES) == {"machines": 0, "machines_history": 0, "games": 0}


async def test_create_machine_retry_renews_token(api, db):
    owner = await sign_up(api)
    arcade = await create_arcade(api, owner)
    request = machine_pb2.CreateMachineRequest(arcade_id=arcade.id, game_title="Attack From Mars", request_id="m-1")
    first = await api.machines.CreateMachine(request, metadata=owner.metadata)
    await _submit(api, first.device_token)

    second = await api.machines.CreateMachine(request, metadata=owner.metadata)

    assert second.machine.id == first.machine.id
    assert second.device_token != first.device_token
    assert await count_rows(db, "machines") == {"machines": 1}
    assert (await _submit(api, second.device_token)).score.machine_id == first.machine.id
    error = await _token_error(api, first.device_token)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(error).reason == "BAD_DEVICE_TOKEN"


@pytest.mark.parametrize(
    "changed",
    [{"game_title": "Medieval Madness"}, {"display_name": "AFM by the bar"}],
    ids=["game_title", "display_name"],
)
async def test_create_machine_request_id_reused(api, db, changed):
    owner = await sign_up(api)
    arcade = await create_arcade(api, owner)
    request = machine_pb2.CreateMachineRequest(arcade_id=arcade.id, game_title="Attack From Mars", request_id="m-1")
    first = await api.machines.CreateMachine(request, metadata=owner.metadata)
    for field, value in changed.items():
        setattr(request, field, value)

    error = await rpc_error(api.machines.CreateMachine(request, metadata=owner.metadata))

    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_info(error).reason == "REQUEST_ID_REUSED"
    assert await count_rows(db, "machines") == {"machines": 1}
    # The rejected retry must not have rotated the first token.
    assert (await _submit(api, first.device_token)).score.machine_id == first.machine.id


async def test_create_machine_request_id_per_arcade(api, db):
    owner = await sign_up(api)
    first_arcade, second_arcade = await create_arcade(api, owner), await create_arcade(api, owner)

    first = await api.machines.CreateMachine(
        machine_pb2.CreateMachineRequest(arcade_id=first_arcade.id, game_title="Attack From Mars", request_id="m-1"),
        metadata=owner.metadata,
    )
    second = await api.machines.CreateMachine(
        machine_pb2.CreateMachineRequest(arcade_id=second_arcade.id, game_title="Attack From Mars", request_id="m-1"),
        metadata=owner.metadata,
    )

    assert first.machine.id != second.machine.id
    assert await count_rows(db, "machines") == {"machines": 2}
    assert (await _submit(api, first.device_token)).score.machine_id == first.machine.id


async def test_get_machine_returns_machine(api):
    owner, _, machine = await owner_with_machine(api)

    reply = await api.machines.GetMachine(machine_pb2.GetMachineRequest(machine_id=machine.machine_id), metadata=owner.metadata)

    assert reply.machine.id == machine.machine_id
    assert reply.machine.arcade_id == machine.arcade_id
    assert reply.machine.game_id == "attack-from-mars"
    assert reply.machine.device_token_active


@pytest.mark.parametrize("method", ["GetMachine", "RevokeDeviceToken", "RenewDeviceToken"])
@pytest.mark.parametrize("machine_id", ["", "not-a-uuid", "1234", "\x00"], ids=repr)
async def test_machine_rpc_rejects_bad_id(api, db, method, machine_id):
    owner, _, _ = await owner_with_machine(api)
    request_type = getattr(machine_pb2, f"{method}Request")
    before = await count_rows(db, "machines", "machines_history")

    error = await rpc_error(getattr(api.machines, method)(request_type(machine_id=machine_id), metadata=owner.metadata))

    assert_invalid(error, "machine_id")
    assert await count_rows(db, "machines", "machines_history") == before


@pytest.mark.parametrize("method", ["GetMachine", "RevokeDeviceToken", "RenewDeviceToken"])
async def test_machine_rpc_unknown_machine(api, method):
    owner, _, _ = await owner_with_machine(api)
    request_type = getattr(machine_pb2, f"{method}Request")

    error = await rpc_error(
        getattr(api.machines, method)(request_type(machine_id=str(uuid.uuid4())), metadata=owner.metadata)
    )

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(error).reason == "MACHINE_NOT_FOUND"


@pytest.mark.parametrize("method", ["GetMachine", "RevokeDeviceToken", "RenewDeviceToken"])
async def test_machine_rpc_foreign_machine(api, db, method):
    _, _, machine = await owner_with_machine(api)
    stranger, _, _ = await owner_with_machine(api)
    request_type = getattr(machine_pb2, f"{method}Request")
    before = await count_rows(db, "machines_history")

    error = await rpc_error(
        getattr(api.machines, method)(request_type(machine_id=machine.machine_id), metadata=stranger.metadata)
    )

    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_info(error).reason == "NOT_ARCADE_OWNER"
    assert await count_rows(db, "machines_history") == before
    assert (await _submit(api, machine.token)).score.machine_id == machine.machine_id


async def test_get_machine_reads_old_version(api, db):
    owner, _, machine = await owner_with_machine(api)
    between = await database_now(db)
    await db.execute("UPDATE machines SET display_name = %s WHERE id = %s", ("AFM upstairs", machine.machine_id))

    old = await api.machines.GetMachine(
        machine_pb2.GetMachineRequest(machine_id=machine.machine_id, read_time=timestamp(between)),
        metadata=owner.metadata,
    )
    now = await api.machines.GetMachine(machine_pb2.GetMachineRequest(machine_id=machine.machine_id), metadata=owner.metadata)

    assert old.machine.display_name == "Attack From Mars (1.13b)"
    assert now.machine.display_name == "AFM upstairs"
    assert old.machine.create_time == now.machine.create_time


async def test_get_machine_read_time_keeps_last_seen_of_then(api, db):
    owner, _, machine = await owner_with_machine(api)
    never_seen = await database_now(db)
    await _submit(api, machine.token)

    old = await api.machines.GetMachine(
        machine_pb2.GetMachineRequest(machine_id=machine.machine_id, read_time=timestamp(never_seen)),
        metadata=owner.metadata,
    )
    now = await api.machines.GetMachine(machine_pb2.GetMachineRequest(machine_id=machine.machine_id), metadata=owner.metadata)

    assert not old.machine.HasField("last_seen_time")
    assert now.machine.HasField("last_seen_time")


async def test_get_machine_before_creation(api, db):
    owner = await sign_up(api)
    arcade = await create_arcade(api, owner)
    before = await database_now(db)
    machine = await create_machine(api, owner, arcade.id)

    error = await rpc_error(
        api.machines.GetMachine(
            machine_pb2.GetMachineRequest(machine_id=machine.machine_id, read_time=timestamp(before)),
            metadata=owner.metadata,
        )
    )

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(error).reason == "MACHINE_NOT_FOUND"


async def test_get_machine_rejects_bad_read_time(api):
    owner, _, machine = await owner_with_machine(api)
    request = machine_pb2.GetMachineRequest(machine_id=machine.machine_id)
    request.read_time.seconds = -62135596801

    error = await rpc_error(api.machines.GetMachine(request, metadata=owner.metadata))

    assert_invalid(error, "read_time")


async def test_list_machines_in_registration_order(api):
    owner = await sign_up(api)
    arcade = await create_arcade(api, owner)
    titles = ["Twilight Zone", "Attack From Mars", "Medieval Madness", "Addams Family", "Cactus Canyon"]
    created = [(await create_machine(api, owner, arcade.id, title)).machine_id for title in titles]
    other_arcade = await create_arcade(api, owner)
    await create_machine(api, owner, other_arcade.id)

    seen, pages, token = [], 0, ""
    for _ in range(10):
        reply = await api.machines.ListMachines(
            machine_pb2.ListMachinesRequest(arcade_id=arcade.id, page_size=2, page_token=token), metadata=owner.metadata
        )
        seen.extend(machine.id for machine in reply.machines)
        pages += 1
        token = reply.next_page_token
        if not token:
            break

    assert seen == created
    assert pages == 3


async def test_list_machines_default_page(api):
    owner = await sign_up(api)
    arcade = await create_arcade(api, owner)
    created = [(await create_machine(api, owner, arcade.id, f"Game {n}")).machine_id for n in range(3)]

    reply = await api.machines.ListMachines(machine_pb2.ListMachinesRequest(arcade_id=arcade.id), metadata=owner.metadata)

    assert [machine.id for machine in reply.machines] == created
    assert reply.next_page_token == ""


async def test_list_machines_shows_last_seen(api):
    owner, arcade, machine = await owner_with_machine(api)
    idle = await create_machine(api, owner, arcade.id, "Medieval Madness")
    before = await api.machines.ListMachines(machine_pb2.ListMachinesRequest(arcade_id=arcade.id), metadata=owner.metadata)

    submitted = await _submit(api, machine.token)

    after = await api.machines.ListMachines(machine_pb2.ListMachinesRequest(arcade_id=arcade.id), metadata=owner.metadata)
    by_id = {listed.id: listed for listed in after.machines}
    assert not any(listed.HasField("last_seen_time") for listed in before.machines)
    assert by_id[machine.machine_id].HasField("last_seen_time")
    assert not by_id[idle.machine_id].HasField("last_seen_time")
    seen = by_id[machine.machine_id].last_seen_time.ToDatetime()
    assert abs((seen - submitted.score.achieve_time.ToDatetime()).total_seconds()) < 5


@pytest.mark.parametrize(
    "field, value",
    [
        ("arcade_id", ""),
        ("arcade_id", "not-a-uuid"),
        ("page_size", -1),
        ("page_size", 101),
        ("page_token", "not a token"),
        ("page_token", "e30"),
    ],
    ids=repr,
)
async def test_list_machines_rejects_bad_field(api, db, field, value):
    owner, arcade, _ = await owner_with_machine(api)
    request = machine_pb2.ListMachinesRequest(arcade_id=arcade.id)
    setattr(request, field, value)
    before = await count_rows(db, *TABLES)

    error = await rpc_error(api.machines.ListMachines(request, metadata=owner.metadata))

    assert_invalid(error, field)
    assert await count_rows(db, *TABLES) == before


async def test_list_machines_rejects_other_arcades_token(api):
    owner = await sign_up(api)
    first_arcade, second_arcade = await create_arcade(api, owner), await create_arcade(api, owner)
    for arcade in (first_arcade, second_arcade):
        await create_machine(api, owner, arcade.id, "Attack From Mars")
        await create_machine(api, owner, arcade.id, "Medieval Madness")
    first_page = await api.machines.ListMachines(
        machine_pb2.ListMachinesRequest(arcade_id=first_arcade.id, page_size=1), metadata=owner.metadata
    )

    error = await rpc_error(
        api.machines.ListMachines(
            machine_pb2.ListMachinesRequest(arcade_id=second_arcade.id, page_size=1, page_token=first_page.next_page_token),
            metadata=owner.metadata,
        )
    )

    assert_invalid(error, "page_token")


@pytest.mark.parametrize("position", [["one"], [1, 2], [2**63], [None], {"seq": 1}], ids=repr)
async def test_list_machines_rejects_forged_token(api, position):
    owner, arcade, _ = await owner_with_machine(api)
    # The digest matches the query, so only the position can give the forgery away.
    token = paging.encode(["machines", arcade.id], position)

    error = await rpc_error(
        api.machines.ListMachines(
            machine_pb2.ListMachinesRequest(arcade_id=arcade.id, page_token=token), metadata=owner.metadata
        )
    )

    assert_invalid(error, "page_token")


async def test_list_machines_unknown_arcade(api):
    owner = await sign_up(api)

    error = await rpc_error(
        api.machines.ListMachines(machine_pb2.ListMachinesRequest(arcade_id=str(uuid.uuid4())), metadata=owner.metadata)
    )

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(error).reason == "ARCADE_NOT_FOUND"


async def test_list_machines_foreign_arcade(api):
    _, arcade, _ = await owner_with_machine(api)
    stranger = await sign_up(api)

    error = await rpc_error(
        api.machines.ListMachines(machine_pb2.ListMachinesRequest(arcade_id=arcade.id), metadata=stranger.metadata)
    )

    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_info(error).reason == "NOT_ARCADE_OWNER"


async def test_revoke_device_token_stops_device(api, db):
    owner, _, machine = await owner_with_machine(api)
    await _submit(api, machine.token)
    unknown = await _token_error(api, "origin_dev_" + "A" * 43)

    reply = await api.machines.RevokeDeviceToken(
        machine_pb2.RevokeDeviceTokenRequest(machine_id=machine.machine_id), metadata=owner.metadata
    )

    assert not reply.machine.device_token_active
    assert reply.machine.device_token_prefix == ""
    error = await _token_error(api, machine.token)
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(error).reason == "BAD_DEVICE_TOKEN"
    assert error.details() == unknown.details()
    assert error_info(error) == error_info(unknown)
    stored = await (await db.execute("SELECT device_token_hash FROM machines")).fetchone()
    assert stored[0] is None


async def test_revoke_device_token_twice(api):
    owner, _, machine = await owner_with_machine(api)
    request = machine_pb2.RevokeDeviceTokenRequest(machine_id=machine.machine_id)

    await api.machines.RevokeDeviceToken(request, metadata=owner.metadata)
    again = await api.machines.RevokeDeviceToken(request, metadata=owner.metadata)

    assert not again.machine.device_token_active


async def test_renew_device_token_replaces_token(api):
    owner, _, machine = await owner_with_machine(api)
    await _submit(api, machine.token)

    reply = await api.machines.RenewDeviceToken(
        machine_pb2.RenewDeviceTokenRequest(machine_id=machine.machine_id), metadata=owner.metadata
    )

    assert reply.device_token != machine.token
    assert reply.machine.device_token_active
    assert reply.device_token.startswith(reply.machine.device_token_prefix)
    assert (await _submit(api, reply.device_token)).score.machine_id == machine.machine_id
    # The replaced token works on during the overlap window (10 minutes by
    # default); tests/services/test_token_overlap.py covers its end.
    assert (await _submit(api, machine.token)).score.machine_id == machine.machine_id


async def test_renew_after_revoke_restores_device(api):
    owner, _, machine = await owner_with_machine(api)
    await api.machines.RevokeDeviceToken(
        machine_pb2.RevokeDeviceTokenRequest(machine_id=machine.machine_id), metadata=owner.metadata
    )

    reply = await api.machines.RenewDeviceToken(
        machine_pb2.RenewDeviceTokenRequest(machine_id=machine.machine_id), metadata=owner.metadata
    )

    assert reply.machine.device_token_active
    assert (await _submit(api, reply.device_token)).score.machine_id == machine.machine_id
    assert (await _token_error(api, machine.token)).code() == grpc.StatusCode.UNAUTHENTICATED
