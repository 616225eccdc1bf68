"""Fixtures for the gateway tests: HTTP clients for the real server's gateway and for an echo service."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from server.gateway import RunningGateway, start_gateway
from server.gateway.routes import RouteTable
from tests.conftest import test_settings
from tests.gateway.echo import EchoServer, compile_echo_proto


@pytest.fixture
async def http(api):
    """An httpx client whose base URL is the gateway of the `api` server."""
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api.running.http_port}", timeout=10) as client:
        yield client


@pytest.fixture(scope="session")
def echo_file_set(tmp_path_factory):
    """The echo test service's descriptors, compiled once per session."""
    return compile_echo_proto(tmp_path_factory.mktemp("echo-proto"))


@pytest.fixture
def echo_table(echo_file_set):
    return RouteTable.from_file_set(echo_file_set)


@pytest.fixture
async def echo_gateway(echo_table, tmp_path):
    """An echo gRPC server with a gateway in front of it that has only the echo routes."""
    server = EchoServer(echo_table)
    await server.start()
    settings = test_settings(tmp_path, sse_heartbeat_seconds=0.2)
    running = await start_gateway(settings, f"127.0.0.1:{server.port}", routes=echo_table)
    client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{running.port}", timeout=10)
    try:
        yield EchoGateway(server, running, client)
    finally:
        await client.aclose()
        await running.stop()
        await server.stop()


@dataclasses.dataclass
class EchoGateway:
    server: EchoServer
    running: RunningGateway
    http: httpx.AsyncClient
