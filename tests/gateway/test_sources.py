"""Route sources and deployment: reflection instead of the SDK descriptors, and the gateway as its own process."""

import asyncio
import os
import pathlib
import signal
import socket
import sys

import grpc
import httpx
import pytest

from server.app import SERVICE_NAMES
from server.gateway.descriptors import DescriptorSourceError, load_reflection_file_set, load_sdk_file_set
from server.gateway.routes import RouteTable
from server.settings import Settings, SettingsError
from tests.conftest import serving
from tests.conftest import test_settings as make_settings
from tests.gateway.rest import sign_up

REPO = pathlib.Path(__file__).resolve().parents[2]


async def test_reflection_gives_the_same_routes_as_the_sdk(api):
    file_set = await load_reflection_file_set(api.channel)
    from_reflection = RouteTable.from_file_set(file_set)
    from_sdk = RouteTable.from_file_set(load_sdk_file_set())

    # The SDK may describe services the server does not register yet, and
    # reflection lists only registered ones.
    def routes(table):
        return {
            (route.http_method, route.template.text, route.grpc_path)
            for route in table.routes
            if route.grpc_path.split("/")[1] in SERVICE_NAMES
        }

    assert routes(from_reflection)
    assert routes(from_reflection) == routes(from_sdk)


async def test_gateway_with_reflection_routes_serves(database_url, tmp_path):
    async with serving(database_url, make_settings(tmp_path, http_routes="reflection")) as api:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api.running.http_port}") as http:
            user = await sign_up(http)
            reply = await http.get("/v1/users/me", headers=user.headers)
    assert reply.json()["user"]["id"] == user.user_id


async def test_reflection_failure_is_reported(echo_gateway):
    # The echo server has no reflection service.
    async with grpc.aio.insecure_channel(f"127.0.0.1:{echo_gateway.server.port}") as channel:
        with pytest.raises(DescriptorSourceError, match="UNIMPLEMENTED"):
            await load_reflection_file_set(channel)


async def test_no_gateway_when_http_addr_is_empty(database_url, tmp_path):
    async with serving(database_url, make_settings(tmp_path, http_addr="")) as api:
        assert api.running.gateway is None
        assert api.running.http_port is None


async def test_busy_http_port_fails_start(database_url, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(RuntimeError, match="cannot listen"):
            async with serving(database_url, make_settings(tmp_path, http_addr=f"127.0.0.1:{port}")):
                pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_standalone_gateway_process(api, tmp_path):
    port = free_port()
    log = tmp_path / "gateway.log"
    env = {key: value for key, value in os.environ.items() if not key.startswith("ORIGIN_")}
    with open(log, "wb") as output:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server.gateway",
            "--grpc-target", f"127.0.0.1:{api.running.port}",
            "--http-addr", f"127.0.0.1:{port}",
            "--routes", "reflection",
            cwd=REPO, env=env, stdout=output, stderr=output,
        )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            reply = await _first_reply(http, process, log)
            assert reply.status_code == 200
            assert reply.json() == {}
    finally:
        process.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(process.wait(), 20)
    assert code == 0, log.read_text()
    assert "gateway stopped" in log.read_text()


async def _first_reply(http, process, log) -> httpx.Response:
    for _ in range(200):
        if process.returncode is not None:
            raise AssertionError(f"gateway exited early:\n{log.read_text()}")
        try:
            return await http.get("/v1/arcades/nearby", params={"latitude": "1", "longitude": "2"})
        except httpx.TransportError:
            await asyncio.sleep(0.05)
    raise AssertionError(f"gateway did not answer:\n{log.read_text()}")


def test_settings_defaults():
    settings = Settings.from_env({})
    assert settings.http_addr == "127.0.0.1:8080"
    assert settings.http_routes == "sdk"
    assert settings.cors_origins == ()
    assert settings.http_forward_headers == ()
    assert settings.sse_heartbeat_seconds == 15.0


def test_settings_from_environment():
    settings = Settings.from_env(
        {
            "ORIGIN_HTTP_ADDR": "[::1]:9090",
            "ORIGIN_HTTP_ROUTES": "reflection",
            "ORIGIN_CORS_ORIGINS": "https://a.example.com, http://localhost:3000",
            "ORIGIN_HTTP_FORWARD_HEADERS": "X-Client-Version,x-tenant",
            "ORIGIN_SSE_HEARTBEAT_SECONDS": "2.5",
        }
    )
    assert settings.http_addr == "[::1]:9090"
    assert settings.http_routes == "reflection"
    assert settings.cors_origins == ("https://a.example.com", "http://localhost:3000")
    assert settings.http_forward_headers == ("x-client-version", "x-tenant")
    assert settings.sse_heartbeat_seconds == 2.5


def test_settings_empty_http_addr_disables_gateway():
    assert Settings.from_env({"ORIGIN_HTTP_ADDR": ""}).http_addr == ""


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ORIGIN_HTTP_ADDR", "8080"),
        ("ORIGIN_HTTP_ADDR", "localhost:http"),
        ("ORIGIN_HTTP_ROUTES", "files"),
        ("ORIGIN_CORS_ORIGINS", "scores.example.com"),
        ("ORIGIN_HTTP_FORWARD_HEADERS", "grpc-timeout"),
        ("ORIGIN_HTTP_FORWARD_HEADERS", "bad header"),
        ("ORIGIN_SSE_HEARTBEAT_SECONDS", "0"),
    ],
)
def test_settings_reject_bad_values(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})
