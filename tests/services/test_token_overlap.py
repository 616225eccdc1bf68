"""Device token renewal: the replaced token works for the overlap window, revocation is immediate."""

import asyncio
import uuid

import grpc
from origin.v1 import machine_pb2, score_pb2

from tests import conftest
from tests.helpers import error_info, owner_with_machine
from tests.services.support import rpc_error


def _bearer(token: str):
    return (("authorization", f"Bearer {token}"),)


async def _submit(api, token: str) -> score_pb2.SubmitScoreResponse:
    request = score_pb2.SubmitScoreRequest(submission_id=uuid.uuid4().hex, value=1000)
    return await api.scores.SubmitScore(request, metadata=_bearer(token))


async def _renew(api, owner, machine) -> str:
    request = machine_pb2.RenewDeviceTokenRequest(machine_id=machine.machine_id)
    return (await api.machines.RenewDeviceToken(request, metadata=owner.metadata)).device_token


def _short_overlap(tmp_path):
    return conftest.test_settings(tmp_path, device_token_overlap_seconds=0.6)


async def test_old_token_works_until_overlap_ends(database_url, tmp_path):
    async with conftest.serving(database_url, _short_overlap(tmp_path)) as api:
        owner, _, machine = await owner_with_machine(api)
        new_token = await _renew(api, owner, machine)

        during = await _submit(api, machine.token)
        await asyncio.sleep(0.8)
        after = await rpc_error(_submit(api, machine.token))
        still_new = await _submit(api, new_token)

    assert during.score.machine_id == machine.machine_id
    assert after.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(after).reason == "BAD_DEVICE_TOKEN"
    assert still_new.score.machine_id == machine.machine_id


async def test_revoke_ends_both_tokens_at_once(api, db):
    owner, _, machine = await owner_with_machine(api)
    new_token = await _renew(api, owner, machine)

    await api.machines.RevokeDeviceToken(
        machine_pb2.RevokeDeviceTokenRequest(machine_id=machine.machine_id), metadata=owner.metadata
    )

    for token in (machine.token, new_token):
        error = await rpc_error(_submit(api, token))
        assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    row = await (await db.execute("SELECT device_token_hash, previous_token_hash FROM machines")).fetchone()
    assert row == (None, None)


async def test_second_renewal_ends_first_token(api):
    owner, _, machine = await owner_with_machine(api)
    second = await _renew(api, owner, machine)

    third = await _renew(api, owner, machine)

    assert (await rpc_error(_submit(api, machine.token))).code() == grpc.StatusCode.UNAUTHENTICATED
    assert (await _submit(api, second)).score.machine_id == machine.machine_id
    assert (await _submit(api, third)).score.machine_id == machine.machine_id


async def test_open_stream_on_old_token_ends_after_overlap(database_url, tmp_path):
    async with conftest.serving(database_url, _short_overlap(tmp_path)) as api:
        owner, _, machine = await owner_with_machine(api)
        stream = api.scores.StreamScores(metadata=machine.metadata)
        await _renew(api, owner, machine)

        await stream.write(score_pb2.StreamScoresRequest(score=score_pb2.SubmitScoreRequest(submission_id="a", value=1)))
        during = await asyncio.wait_for(stream.read(), 10)
        await asyncio.sleep(0.8)
        await stream.write(score_pb2.StreamScoresRequest(score=score_pb2.SubmitScoreRequest(submission_id="b", value=2)))
        try:
            await asyncio.wait_for(stream.read(), 10)
        except grpc.aio.AioRpcError as error:
            code = error.code()
        else:
            code = grpc.StatusCode.OK

    assert during.WhichOneof("result") == "score"
    assert code == grpc.StatusCode.UNAUTHENTICATED
