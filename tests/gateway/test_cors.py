"""CORS per configured origin, for REST and gRPC-Web, with preflight requests."""

import httpx
import pytest

from server.gateway import start_gateway
from tests.conftest import test_settings as make_settings
from tests.gateway import grpcweb_client
from tests.gateway.echo import EchoServer

ALLOWED = "https://scores.example.com"


@pytest.fixture
async def cors_client(echo_table, tmp_path):
    server = EchoServer(echo_table)
    await server.start()
    settings = make_settings(tmp_path, cors_origins=(ALLOWED, "http://localhost:3000"), http_forward_headers=("x-client-version",))
    running = await start_gateway(settings, f"127.0.0.1:{server.port}", routes=echo_table)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{running.port}") as client:
            yield client
    finally:
        await running.stop()
        await server.stop()


async def test_simple_request_from_allowed_origin(cors_client):
    reply = await cors_client.get("/v1/echo", headers={"Origin": ALLOWED})
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == ALLOWED
    assert "x-request-id" in reply.headers["access-control-expose-headers"]


async def test_simple_request_from_other_origin_gets_no_cors_headers(cors_client):
    reply = await cors_client.get("/v1/echo", headers={"Origin": "https://evil.example.com"})
    assert reply.status_code == 200
    assert "access-control-allow-origin" not in reply.headers


async def test_rest_preflight(cors_client):
    headers = {
        "Origin": ALLOWED,
        "Access-Control-Request-Method": "PATCH",
        "Access-Control-Request-Headers": "authorization, content-type, x-client-version",
    }
    reply = await cors_client.options("/v1/boards/afm/filter", headers=headers)
    assert reply.status_code == 200
    assert reply.headers["access-control-allow-origin"] == ALLOWED
    assert "PATCH" in reply.headers["access-control-allow-methods"]
    allowed = reply.headers["access-control-allow-headers"].lower()
    for name in ("authorization", "content-type", "x-client-version"):
        assert name in allowed


async def test_preflight_from_other_origin_is_rejected(cors_client):
    headers = {"Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"}
    reply = await cors_client.options("/v1/echo", headers=headers)
    assert reply.status_code == 400
    assert "access-control-allow-origin" not in reply.headers


async def test_grpc_web_preflight_and_exposed_headers(cors_client):
    path = "/gatewaytest.v1.EchoService/Private"
    preflight = await cors_client.options(
        path,
        headers={
            "Origin": ALLOWED,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, x-grpc-web, x-user-agent, grpc-timeout",
        },
    )
    assert preflight.status_code == 200
    allowed = preflight.headers["access-control-allow-headers"].lower()
    for name in ("x-grpc-web", "x-user-agent", "grpc-timeout"):
        assert name in allowed

    reply = await grpcweb_client.call(cors_client, path, b"", headers={"Origin": ALLOWED})
    assert reply.trailers.code == 0
    assert reply.headers["access-control-allow-origin"] == ALLOWED
    exposed = reply.headers["access-control-expose-headers"].lower()
    for name in ("grpc-status", "grpc-message", "grpc-status-details-bin"):
        assert name in exposed


async def test_no_cors_headers_without_configured_origins(echo_gateway):
    reply = await echo_gateway.http.get("/v1/echo", headers={"Origin": ALLOWED})
    assert "access-control-allow-origin" not in reply.headers
    preflight = await echo_gateway.http.options(
        "/v1/echo", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 405
    assert "access-control-allow-origin" not in preflight.headers
