"""The interceptor chain: request IDs, error mapping and the per-RPC log line."""

import asyncio
import logging

import grpc
import pytest
from origin.v1 import arcade_pb2

from server.domain import arcades
from tests.helpers import error_info, sign_up


async def _rpc_records(caplog, method: str):
    """Return the RPC log records of a method. The server writes its line
    after the client has its reply, so wait up to a second for it."""
    for _ in range(100):
        records = [r for r in caplog.records if r.name == "origin.rpc" and method in r.getMessage()]
        if records:
            return records
        await asyncio.sleep(0.01)
    return []


async def test_unexpected_error_is_internal_without_details(api, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(arcades, "get_arcade", broken)
    caplog.set_level(logging.INFO, logger="origin.rpc")
    call = api.arcades.GetArcade(
        arcade_pb2.GetArcadeRequest(arcade_id="123e4567-e89b-12d3-a456-426614174000"),
        metadata=(("x-request-id", "req-internal-1"),),
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    assert caught.value.code() == grpc.StatusCode.INTERNAL
    assert "secret internals" not in caught.value.details()
    assert "req-internal-1" in caught.value.details()
    assert error_info(caught.value).reason == "INTERNAL"

    records = await _rpc_records(caplog, "GetArcade")
    assert len(records) == 1
    assert records[0].levelno == logging.ERROR
    assert records[0].exc_info is not None
    assert "code=INTERNAL" in records[0].getMessage()


async def test_request_id_echoed(api):
    call = api.arcades.ListNearbyArcades(
        arcade_pb2.ListNearbyArcadesRequest(latitude=1, longitude=1), metadata=(("x-request-id", "abc-123"),)
    )
    await call
    assert dict(await call.initial_metadata())["x-request-id"] == "abc-123"


async def test_request_id_created_when_missing(api):
    call = api.arcades.ListNearbyArcades(arcade_pb2.ListNearbyArcadesRequest(latitude=1, longitude=1))
    await call
    assert len(dict(await call.initial_metadata())["x-request-id"]) == 32


async def test_log_line_names_caller_not_token(api, caplog):
    owner = await sign_up(api)
    caplog.set_level(logging.INFO, logger="origin.rpc")
    await api.arcades.CreateArcade(
        arcade_pb2.CreateArcadeRequest(display_name="Hall", latitude=1, longitude=2, time_zone="UTC"),
        metadata=owner.metadata,
    )
    lines = [r.getMessage() for r in await _rpc_records(caplog, "CreateArcade")]
    assert len(lines) == 1
    assert f"caller=user:{owner.user_id}" in lines[0]
    assert "code=OK" in lines[0]
    assert "duration_ms=" in lines[0]
    assert owner.token not in caplog.text


async def test_client_error_logged_at_info(api, caplog):
    caplog.set_level(logging.INFO, logger="origin.rpc")
    with pytest.raises(grpc.aio.AioRpcError):
        await api.arcades.GetArcade(arcade_pb2.GetArcadeRequest(arcade_id="not-a-uuid"))
    records = await _rpc_records(caplog, "GetArcade")
    assert records[0].levelno == logging.INFO
    assert "code=INVALID_ARGUMENT" in records[0].getMessage()
