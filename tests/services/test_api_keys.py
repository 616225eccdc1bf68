"""ApiKeyService and calls made with partner API keys: scopes, arcade, revocation, rate limit, gateway."""

from __future__ import annotations

import hashlib
import uuid

import grpc
import httpx
import pytest
from origin.v1 import api_key_pb2, api_key_pb2_grpc, arcade_pb2, common_pb2, machine_status_pb2, score_pb2

from tests import conftest
from tests.helpers import create_arcade, create_machine, error_info, owner_with_machine, sign_up
from tests.services.support import assert_invalid, rpc_error

BOARDS = api_key_pb2.API_KEY_SCOPE_BOARDS_READ
STATUSES = api_key_pb2.API_KEY_SCOPE_MACHINE_STATUSES_READ


def _keys(api) -> api_key_pb2_grpc.ApiKeyServiceStub:
    return api_key_pb2_grpc.ApiKeyServiceStub(api.channel)


async def _create(api, owner, arcade_id, scopes=(BOARDS, STATUSES), name="Partner") -> api_key_pb2.CreateApiKeyResponse:
    request = api_key_pb2.CreateApiKeyRequest(arcade_id=arcade_id, display_name=name, scopes=list(scopes))
    return await _keys(api).CreateApiKey(request, metadata=owner.metadata)


def _key(secret: str) -> tuple:
    return (("x-api-key", secret),)


def _statuses(arcade_id: str) -> machine_status_pb2.ListMachineStatusesRequest:
    return machine_status_pb2.ListMachineStatusesRequest(arcade_id=arcade_id)


def _board(machine, scope=common_pb2.BOARD_SCOPE_ARCADE, arcade_id=None) -> score_pb2.ListTopScoresRequest:
    return score_pb2.ListTopScoresRequest(game=machine.game_id, scope=scope, arcade_id=arcade_id or machine.arcade_id)


async def test_secret_shown_once_and_stored_hashed(api, db):
    owner, arcade, _ = await owner_with_machine(api)

    created = await _create(api, owner, arcade.id)
    listed = await _keys(api).ListApiKeys(api_key_pb2.ListApiKeysRequest(arcade_id=arcade.id), metadata=owner.metadata)

    secret = created.secret
    assert secret.startswith("origin_key_")
    assert len(secret) == len("origin_key_") + 43
    assert created.api_key.key_prefix == secret[: len("origin_key_") + 6]
    assert [key.api_key_id for key in listed.api_keys] == [created.api_key.api_key_id]
    assert list(listed.api_keys[0].scopes) == [BOARDS, STATUSES]
    assert secret.encode() not in listed.SerializeToString()
    stored = await (await db.execute("SELECT key_hash FROM api_keys")).fetchone()
    assert bytes(stored[0]) == hashlib.sha256(secret.encode()).digest()
    for table in ("api_keys", "api_keys_history"):
        dump = await (await db.execute(f"SELECT t::text FROM {table} t")).fetchall()
        assert all(secret not in row[0] for row in dump), table


async def test_key_reads_its_arcade(api):
    owner, arcade, machine = await owner_with_machine(api)
    created = await _create(api, owner, arcade.id)

    statuses = await api.statuses.ListMachineStatuses(_statuses(arcade.id), metadata=_key(created.secret))
    machine_board = _board(machine, scope=common_pb2.BOARD_SCOPE_MACHINE)
    machine_board.machine_id = machine.machine_id
    await api.scores.ListTopScores(_board(machine), metadata=_key(created.secret))
    await api.scores.ListTopScores(machine_board, metadata=_key(created.secret))

    assert [status.machine_id for status in statuses.statuses] == [machine.machine_id]


async def test_key_denied_outside_its_arcade(api):
    owner, arcade, machine = await owner_with_machine(api)
    other_owner = await sign_up(api)
    other_arcade = await create_arcade(api, other_owner, name="Other Hall")
    await create_machine(api, other_owner, other_arcade.id)
    created = await _create(api, owner, arcade.id)

    calls = {
        "other statuses": api.statuses.ListMachineStatuses(_statuses(other_arcade.id), metadata=_key(created.secret)),
        "other board": api.scores.ListTopScores(_board(machine, arcade_id=other_arcade.id), metadata=_key(created.secret)),
        "global board": api.scores.ListTopScores(
            _board(machine, scope=common_pb2.BOARD_SCOPE_GLOBAL), metadata=_key(created.secret)
        ),
    }

    for name, call in calls.items():
        error = await rpc_error(call)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, name
        assert error_info(error).reason == "API_KEY_OTHER_ARCADE", name


async def test_key_limited_to_its_scopes(api):
    owner, arcade, machine = await owner_with_machine(api)
    boards_only = await _create(api, owner, arcade.id, scopes=[BOARDS])

    statuses = await rpc_error(api.statuses.ListMachineStatuses(_statuses(arcade.id), metadata=_key(boards_only.secret)))
    public = await rpc_error(
        api.arcades.GetArcade(arcade_pb2.GetArcadeRequest(arcade_id=arcade.id), metadata=_key(boards_only.secret))
    )
    manage = await rpc_error(
        _keys(api).ListApiKeys(api_key_pb2.ListApiKeysRequest(arcade_id=arcade.id), metadata=_key(boards_only.secret))
    )
    board = await api.scores.ListTopScores(_board(machine), metadata=_key(boards_only.secret))

    for error in (statuses, public, manage):
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED
        assert error_info(error).reason == "API_KEY_SCOPE"
    assert board.total_size == 0


async def test_revoked_key_rejected(api):
    owner, arcade, _ = await owner_with_machine(api)
    created = await _create(api, owner, arcade.id)
    await api.statuses.ListMachineStatuses(_statuses(arcade.id), metadata=_key(created.secret))

    revoked = await _keys(api).RevokeApiKey(
        api_key_pb2.RevokeApiKeyRequest(api_key_id=created.api_key.api_key_id), metadata=owner.metadata
    )
    again = await _keys(api).RevokeApiKey(
        api_key_pb2.RevokeApiKeyRequest(api_key_id=created.api_key.api_key_id), metadata=owner.metadata
    )
    after = await rpc_error(api.statuses.ListMachineStatuses(_statuses(arcade.id), metadata=_key(created.secret)))
    unknown = await rpc_error(
        api.statuses.ListMachineStatuses(_statuses(arcade.id), metadata=_key("origin_key_" + "A" * 43))
    )

    assert revoked.api_key.HasField("revoke_time")
    assert again.api_key.revoke_time == revoked.api_key.revoke_time
    assert after.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(after).reason == "BAD_API_KEY"
    assert after.details() == unknown.details()


async def test_key_and_token_together_rejected(api):
    owner, arcade, _ = await owner_with_machine(api)
    created = await _create(api, owner, arcade.id)

    error = await rpc_error(
        api.statuses.ListMachineStatuses(_statuses(arcade.id), metadata=_key(created.secret) + owner.metadata)
    )

    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(error).reason == "BAD_AUTHORIZATION"


async def test_key_rate_limited_per_key(database_url, tmp_path):
    settings = conftest.test_settings(tmp_path, api_key_burst=3, api_key_rate=0.01)
    async with conftest.serving(database_url, settings) as api:
        owner, arcade, _ = await owner_with_machine(api)
        busy = await _create(api, owner, arcade.id, name="Busy")
        quiet = await _create(api, owner, arcade.id, name="Quiet")
        for _ in range(3):
            await api.statuses.ListMachineStatuses(_statuses(arcade.id), metadata=_key(busy.secret))

        limited = await rpc_error(api.statuses.ListMachineStatuses(_statuses(arcade.id), metadata=_key(busy.secret)))
        await api.statuses.ListMachineStatuses(_statuses(arcade.id), metadata=_key(quiet.secret))

    assert limited.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_info(limited).reason == "API_KEY_RATE_LIMITED"


@pytest.mark.parametrize(
    "field, fields",
    [
        ("scopes", {"display_name": "Partner"}),
        ("scopes", {"display_name": "Partner", "scopes": [api_key_pb2.API_KEY_SCOPE_UNSPECIFIED]}),
        ("display_name", {"scopes": [BOARDS]}),
        ("arcade_id", {"display_name": "Partner", "scopes": [BOARDS], "arcade_id": "not-a-uuid"}),
    ],
    ids=["no scope", "unspecified scope", "no name", "malformed arcade"],
)
async def test_create_key_bad_input(api, db, field, fields):
    owner, arcade, _ = await owner_with_machine(api)
    request = api_key_pb2.CreateApiKeyRequest(**{"arcade_id": arcade.id, **fields})

    error = await rpc_error(_keys(api).CreateApiKey(request, metadata=owner.metadata))

    assert_invalid(error, field)
    assert (await (await db.execute("SELECT count(*) FROM api_keys")).fetchone())[0] == 0


async def test_revoke_unknown_key(api):
    owner, _, _ = await owner_with_machine(api)

    error = await rpc_error(
        _keys(api).RevokeApiKey(api_key_pb2.RevokeApiKeyRequest(api_key_id=str(uuid.uuid4())), metadata=owner.metadata)
    )

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(error).reason == "API_KEY_NOT_FOUND"


async def test_key_through_gateway_header(api):
    owner, arcade, machine = await owner_with_machine(api)
    created = await _create(api, owner, arcade.id, scopes=[STATUSES])
    url = f"http://127.0.0.1:{api.running.http_port}/v1/arcades/{arcade.id}/machineStatuses"

    async with httpx.AsyncClient() as client:
        allowed = await client.get(url, headers={"X-Api-Key": created.secret})
        missing = await client.get(url)

    assert allowed.status_code == 200, allowed.text
    assert [status["machineId"] for status in allowed.json()["statuses"]] == [machine.machine_id]
    assert created.secret not in str(allowed.headers)
    assert missing.status_code == 401
