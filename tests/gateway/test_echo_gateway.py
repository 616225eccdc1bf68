"""The gateway end to end in front of the echo test service: the rule features Origin's protos do not use."""

import asyncio
import json

import httpx
import pytest

from server.gateway import start_gateway
from tests.conftest import test_settings as make_settings
from tests.gateway.echo import EchoServer


async def test_nested_path_fields(echo_gateway):
    reply = await echo_gateway.http.get("/v1/games/afm/arcades/a1")
    assert reply.status_code == 200
    assert reply.json()["echo"]["board"] == {"game": "afm", "arcadeId": "a1"}


async def test_double_wildcard_path(echo_gateway):
    reply = await echo_gateway.http.get("/v1/files/docs/read%20me.txt")
    assert reply.json()["echo"]["path"] == "docs/read me.txt"


async def test_double_wildcard_with_verb(echo_gateway):
    reply = await echo_gateway.http.get("/v1/files/docs/a.txt:download", params={"name": "dl"})
    assert reply.json()["echo"] == {"path": "docs/a.txt", "name": "dl"}


async def test_additional_bindings(echo_gateway):
    first = await echo_gateway.http.get("/v1/shelves/s1")
    second = await echo_gateway.http.get("/v1/rooms/r1/shelves/s2")
    third = await echo_gateway.http.post("/v1/shelves/s3:get", json={"score": "7"})
    assert first.json()["echo"]["name"] == "shelves/s1"
    assert second.json()["echo"]["name"] == "rooms/r1/shelves/s2"
    assert third.json()["echo"] == {"name": "shelves/s3", "score": "7"}


async def test_body_mapped_to_one_field(echo_gateway):
    reply = await echo_gateway.http.patch("/v1/boards/afm/filter?name=n", json={"minScore": "9000000000"})
    assert reply.status_code == 200
    assert reply.json()["echo"] == {"board": {"game": "afm"}, "name": "n", "filter": {"minScore": "9000000000"}}


async def test_body_mapped_to_repeated_field(echo_gateway):
    reply = await echo_gateway.http.put("/v1/items/i1/tags", json=["a", "b"])
    assert reply.json()["tags"] == ["a", "b"]


async def test_response_body(echo_gateway):
    reply = await echo_gateway.http.get("/v1/echo", params={"name": "n", "score": "3"})
    assert reply.json() == {"name": "n", "score": "3"}
    tags = await echo_gateway.http.get("/v1/echo/tags", params=[("tags", "x"), ("tags", "y")])
    assert tags.json() == ["x", "y"]


async def test_custom_http_method(echo_gateway):
    reply = await echo_gateway.http.request("SEARCH", "/v1/search", params={"name": "q"})
    assert reply.status_code == 200
    assert reply.json()["echo"]["name"] == "q"


async def test_query_parameter_kinds(echo_gateway):
    params = [
        ("score", "9223372036854775807"),
        ("flag", "true"),
        ("color", "COLOR_BLUE"),
        ("colors", "1"),
        ("colors", "COLOR_BLUE"),
        ("time", "2024-01-01T00:00:00Z"),
        ("wait", "2s"),
        ("filter.minScore", "5"),
    ]
    reply = await echo_gateway.http.get("/v1/echo", params=params)
    assert reply.json() == {
        "score": "9223372036854775807",
        "flag": True,
        "color": "COLOR_BLUE",
        "colors": ["COLOR_RED", "COLOR_BLUE"],
        "time": "2024-01-01T00:00:00Z",
        "wait": "2s",
        "filter": {"minScore": "5"},
    }


async def test_metadata_comes_back_as_headers(echo_gateway):
    reply = await echo_gateway.http.get("/v1/echo", headers={"authorization": "Bearer secret"})
    assert reply.headers["grpc-metadata-x-echo-initial"] == "hello"
    assert reply.headers["grpc-metadata-x-echo-trailing"] == "bye"
    assert reply.headers["grpc-metadata-x-echo-bin"] == "AAE="
    assert "secret" not in str(reply.headers)
    assert echo_gateway.server.metadata_seen[-1]["authorization"] == "Bearer secret"


async def test_metadata_headers_on_errors(echo_gateway):
    reply = await echo_gateway.http.get("/v1/echo", params={"name": "deny"})
    assert reply.status_code == 403
    assert reply.json()["code"] == 7
    assert reply.json()["message"] == "denied by the echo server"
    assert reply.headers["grpc-metadata-x-echo-initial"] == "hello"


async def test_grpc_metadata_request_headers_are_forwarded(echo_gateway):
    headers = {"Grpc-Metadata-X-Tenant": "t1", "Grpc-Metadata-X-Raw-Bin": "AAE", "X-Not-Forwarded": "no"}
    await echo_gateway.http.get("/v1/echo", headers=headers)
    seen = echo_gateway.server.metadata_seen[-1]
    assert seen["x-tenant"] == "t1"
    assert seen["x-raw-bin"] == b"\x00\x01"
    assert "x-not-forwarded" not in seen


async def test_configured_headers_are_forwarded(echo_table, tmp_path):
    server = EchoServer(echo_table)
    await server.start()
    settings = make_settings(tmp_path, http_forward_headers=("x-client-version",))
    running = await start_gateway(settings, f"127.0.0.1:{server.port}", routes=echo_table)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{running.port}") as client:
            await client.get("/v1/echo", headers={"X-Client-Version": "2.1", "X-Other": "no"})
    finally:
        await running.stop()
        await server.stop()
    assert server.metadata_seen[-1]["x-client-version"] == "2.1"
    assert "x-other" not in server.metadata_seen[-1]


@pytest.mark.parametrize(
    ("headers", "field"),
    [
        ({"Grpc-Metadata-Bad-Bin": "!!!"}, "grpc-metadata-bad-bin"),
        ({"Grpc-Metadata-grpc-status": "0"}, "grpc-metadata-grpc-status"),
        ({"Authorization": "Bearer caf\u00e9"}, "authorization"),
        ({"Grpc-Timeout": "soon"}, "Grpc-Timeout"),
        ({"Grpc-Timeout": "123456789S"}, "Grpc-Timeout"),
    ],
)
async def test_bad_headers_are_400(echo_gateway, headers, field):
    reply = await echo_gateway.http.get("/v1/echo", headers={k: v.encode("latin-1") for k, v in headers.items()})
    assert reply.status_code == 400
    details = reply.json()["details"]
    assert details[1]["fieldViolations"][0]["field"] == field


async def test_grpc_timeout_becomes_deadline(echo_gateway):
    await echo_gateway.http.get("/v1/echo", headers={"Grpc-Timeout": "5S"})
    assert "grpc-timeout" not in echo_gateway.server.metadata_seen[-1]


async def test_grpc_timeout_expires(echo_gateway):
    reply = await echo_gateway.http.get("/v1/echo:watch", params={"name": "forever"}, headers={"Grpc-Timeout": "300m"})
    lines = [json.loads(line) for line in reply.text.splitlines()]
    assert "result" in lines[0]
    assert lines[-1]["error"]["code"] == 4


async def test_request_id_passes_through(echo_gateway):
    reply = await echo_gateway.http.get("/v1/echo", headers={"X-Request-Id": "req-123"})
    assert reply.headers["x-request-id"] == "req-123"
    assert echo_gateway.server.metadata_seen[-1]["x-request-id"] == "req-123"


async def test_request_id_is_created(echo_gateway):
    reply = await echo_gateway.http.get("/v1/echo")
    created = reply.headers["x-request-id"]
    assert len(created) == 32
    assert echo_gateway.server.metadata_seen[-1]["x-request-id"] == created


async def test_overlong_request_id_is_replaced(echo_gateway):
    reply = await echo_gateway.http.get("/v1/echo", headers={"X-Request-Id": "x" * 200})
    assert reply.headers["x-request-id"] != "x" * 200
    assert len(reply.headers["x-request-id"]) == 32


async def test_stream_ndjson_ends_cleanly(echo_gateway):
    reply = await echo_gateway.http.get("/v1/echo:watch", params={"name": "n", "count": "2"})
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "application/x-ndjson"
    lines = [json.loads(line) for line in reply.text.splitlines()]
    assert lines == [{"result": {"echo": {"name": "n", "count": 2}}}] * 2


async def test_stream_ndjson_error_line(echo_gateway):
    reply = await echo_gateway.http.get("/v1/echo:watch", params={"name": "fail"})
    lines = [json.loads(line) for line in reply.text.splitlines()]
    assert lines[0] == {"result": {"echo": {"name": "fail"}}}
    assert lines[1] == {"error": {"code": 5, "message": "the echo ran out", "details": []}}


async def test_stream_sse_ends_with_status_event(echo_gateway):
    reply = await echo_gateway.http.get("/v1/echo:watch", params={"count": "2"}, headers={"Accept": "text/event-stream"})
    assert reply.headers["content-type"] == "text/event-stream"
    events = reply.text.split("\n\n")
    assert events[0] == 'id: 1\ndata: {"echo":{"count":2}}'
    assert events[1] == 'id: 2\ndata: {"echo":{"count":2}}'
    assert events[2] == 'event: status\ndata: {"code":0,"message":"","details":[]}'


async def test_stream_sse_error_status_event(echo_gateway):
    reply = await echo_gateway.http.get("/v1/echo:watch", params={"name": "fail"}, headers={"Accept": "text/event-stream"})
    events = reply.text.split("\n\n")
    assert events[1].startswith("event: status\ndata: ")
    assert json.loads(events[1].split("data: ", 1)[1])["code"] == 5


async def test_stream_sse_last_event_id_continues_numbering(echo_gateway):
    headers = {"Accept": "text/event-stream", "Last-Event-ID": "41"}
    reply = await echo_gateway.http.get("/v1/echo:watch", params={"count": "1"}, headers=headers)
    assert reply.text.startswith("id: 42\n")
    assert echo_gateway.server.metadata_seen[-1]["last-event-id"] == "41"


async def read_sse_until(client, params, predicate, headers=None, limit_seconds=5.0) -> str:
    """Read an SSE stream until predicate(text so far) holds, then disconnect; bounded in time."""
    text = ""
    headers = {"Accept": "text/event-stream", **(headers or {})}
    async with asyncio.timeout(limit_seconds):
        async with client.stream("GET", "/v1/echo:watch", params=params, headers=headers) as reply:
            async for chunk in reply.aiter_text():
                text += chunk
                if predicate(text):
                    break
    return text


async def test_stream_sse_heartbeats_when_quiet(echo_gateway):
    text = await read_sse_until(echo_gateway.http, {"name": "quiet"}, lambda t: t.count(": heartbeat") >= 2)
    events = text.split("\n\n")
    assert events[0] == 'id: 1\ndata: {"echo":{"name":"quiet"}}'
    assert events[1:3] == [": heartbeat", ": heartbeat"]


async def test_stream_sse_starts_with_heartbeat_when_silent(echo_gateway):
    text = await read_sse_until(echo_gateway.http, {"name": "silent"}, lambda t: ": heartbeat" in t)
    assert text.startswith(": heartbeat\n\n")


@pytest.mark.parametrize("accept", ["text/event-stream", "application/x-ndjson"])
async def test_stream_client_disconnect_cancels_call(echo_gateway, accept):
    async with asyncio.timeout(5):
        async with echo_gateway.http.stream("GET", "/v1/echo:watch", params={"name": "quiet"}, headers={"Accept": accept}) as reply:
            async for _ in reply.aiter_bytes():
                break
            assert echo_gateway.server.active_watches == 1
    for _ in range(50):
        if echo_gateway.server.active_watches == 0:
            break
        await asyncio.sleep(0.02)
    assert echo_gateway.server.active_watches == 0


async def test_stream_gateway_stop_ends_stream_with_unavailable(echo_table, tmp_path):
    server = EchoServer(echo_table)
    await server.start()
    running = await start_gateway(make_settings(tmp_path), f"127.0.0.1:{server.port}", routes=echo_table)
    lines = []
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{running.port}", timeout=10) as client:
            async with client.stream("GET", "/v1/echo:watch", params={"name": "forever"}) as reply:
                async for line in reply.aiter_lines():
                    lines.append(json.loads(line))
                    if len(lines) == 2:
                        asyncio.get_running_loop().create_task(running.stop())
    finally:
        await running.stop()
        await server.stop()
    assert lines[-1]["error"]["code"] == 14
    assert lines[-1]["error"]["details"][0]["reason"] == "GATEWAY_SHUTTING_DOWN"
