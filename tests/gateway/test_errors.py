"""gRPC status codes as HTTP statuses, Status bodies with typed details, and unexpected failures."""

import json
import logging

import grpc
import httpx
import pytest
from google.rpc import error_details_pb2, status_pb2

from server.gateway import start_gateway, transcode
from server.gateway.descriptors import build_pool, load_sdk_file_set
from server.gateway.errors import HTTP_STATUS_BY_CODE, GatewayError, code_from_number, http_status, status_json
from tests.conftest import test_settings as make_settings

STANDARD_TABLE = {
    "OK": 200,
    "CANCELLED": 499,
    "UNKNOWN": 500,
    "INVALID_ARGUMENT": 400,
    "DEADLINE_EXCEEDED": 504,
    "NOT_FOUND": 404,
    "ALREADY_EXISTS": 409,
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "RESOURCE_EXHAUSTED": 429,
    "FAILED_PRECONDITION": 400,
    "ABORTED": 409,
    "OUT_OF_RANGE": 400,
    "UNIMPLEMENTED": 501,
    "INTERNAL": 500,
    "UNAVAILABLE": 503,
    "DATA_LOSS": 500,
}


@pytest.mark.parametrize("code", list(grpc.StatusCode), ids=lambda code: code.name)
def test_table_maps_every_code(code):
    assert http_status(code) == STANDARD_TABLE[code.name]


def test_table_has_exactly_the_standard_codes():
    assert {code.name for code in HTTP_STATUS_BY_CODE} == set(STANDARD_TABLE)


def test_unknown_code_number_is_unknown():
    assert code_from_number(99) == grpc.StatusCode.UNKNOWN
    assert code_from_number(5) == grpc.StatusCode.NOT_FOUND


def test_gateway_error_status_has_error_info_and_bad_request():
    status = GatewayError(grpc.StatusCode.INVALID_ARGUMENT, "bad x", reason="INVALID_ARGUMENT", field="x").status()
    rendered = status_json(status, build_pool(load_sdk_file_set()))
    assert rendered["code"] == 3
    assert rendered["details"][0] == {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "INVALID_ARGUMENT",
        "domain": "origin.pinball",
        "metadata": {"field": "x"},
    }
    assert rendered["details"][1]["fieldViolations"] == [{"field": "x", "description": "bad x"}]


def test_status_json_drops_only_unknown_detail_types(caplog):
    status = status_pb2.Status(code=5, message="m")
    status.details.add().Pack(error_details_pb2.ErrorInfo(reason="R"))
    status.details.add(type_url="type.googleapis.com/unknown.Thing", value=b"\x08\x01")
    with caplog.at_level(logging.WARNING):
        rendered = status_json(status, build_pool(load_sdk_file_set()))
    assert [d["@type"] for d in rendered["details"]] == ["type.googleapis.com/google.rpc.ErrorInfo"]
    assert "unknown.Thing" in caplog.text


@pytest.mark.parametrize("code", [c for c in grpc.StatusCode if c != grpc.StatusCode.OK], ids=lambda code: code.name)
async def test_every_code_end_to_end(echo_gateway, code):
    reply = await echo_gateway.http.get("/v1/echo", params={"name": f"code-{code.name}"})
    assert reply.status_code == STANDARD_TABLE[code.name]
    body = reply.json()
    assert body["code"] == code.value[0]
    assert body["message"] == f"echo failed with {code.name}"
    assert body["details"] == [
        {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": f"ECHO_{code.name}", "domain": "echo.test"}
    ]


async def test_unreachable_server_is_503(echo_table, tmp_path):
    # Port 1 on loopback has no listener, so every call fails with UNAVAILABLE.
    running = await start_gateway(make_settings(tmp_path), "127.0.0.1:1", routes=echo_table)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{running.port}") as client:
            reply = await client.get("/v1/echo")
    finally:
        await running.stop()
    assert reply.status_code == 503
    assert reply.json()["code"] == 14


async def test_unexpected_failure_is_500_and_logged(echo_gateway, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("rendering exploded")

    monkeypatch.setattr(transcode, "response_json", broken)
    with caplog.at_level(logging.ERROR, logger="origin.http"):
        reply = await echo_gateway.http.get("/v1/echo", headers={"X-Request-Id": "boom-1"})
    assert reply.status_code == 500
    body = reply.json()
    assert body["code"] == 13
    assert body["details"][0]["reason"] == "INTERNAL"
    assert body["details"][0]["metadata"] == {"request_id": "boom-1"}
    assert "exploded" not in reply.text
    assert "Traceback" not in reply.text
    errors = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert errors[0].exc_info is not None
    assert "rendering exploded" in caplog.text


async def test_unexpected_failure_mid_stream_ends_with_internal(echo_gateway, monkeypatch, caplog):
    calls = []

    def render_once(route, message, pool):
        calls.append(message)
        if len(calls) > 1:
            raise RuntimeError("second message exploded")
        return {}

    monkeypatch.setattr(transcode, "response_json", render_once)
    with caplog.at_level(logging.ERROR):
        reply = await echo_gateway.http.get("/v1/echo:watch", params={"count": "3"})
    lines = [json.loads(line) for line in reply.text.splitlines()]
    assert lines[0] == {"result": {}}
    assert lines[1]["error"]["code"] == 13
    assert "second message exploded" in caplog.text
