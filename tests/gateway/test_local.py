"""Unary REST calls run in the server's own process, through the same interceptors as gRPC calls."""

from __future__ import annotations

import socket

import httpx
import pytest

from server.gateway.local import peer_of
from tests.conftest import serving, smtp_settings
from tests.conftest import test_settings as make_settings
from tests.gateway.rest import create_arcade, sign_up


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


def test_peer_of_formats_like_grpc():
    assert peer_of(("127.0.0.1", 5000)) == "ipv4:127.0.0.1:5000"
    assert peer_of(("::1", 5000)) == "ipv6:[::1]:5000"
    assert peer_of(None) == ""


@pytest.mark.skipif(not _has_ipv6_loopback(), reason="this machine has no IPv6 loopback")
async def test_session_records_the_http_clients_address(database_url, tmp_path, smtp_server, mailbox):
    # The gateway listens on ::1 and the gRPC server on 127.0.0.1. A call
    # forwarded over a loopback channel would show 127.0.0.1, the gateway's
    # own address, so ::1 shows that the call ran in process.
    settings = make_settings(tmp_path, http_addr="[::1]:0", **smtp_settings(smtp_server))
    async with serving(database_url, settings, mailbox) as api:
        base = f"http://[::1]:{api.running.http_port}"
        async with httpx.AsyncClient(base_url=base, timeout=10) as http:
            user = await sign_up(http)
            sessions = await http.get("/v1/users/me/sessions", headers=user.headers)
    assert sessions.status_code == 200, sessions.text
    assert [session["clientAddress"] for session in sessions.json()["sessions"]] == ["::1"]


async def test_errors_keep_status_details_and_request_id(http):
    reply = await http.post("/v1/arcades", json={"displayName": ""}, headers={"X-Request-Id": "local-check-1"})
    assert reply.status_code == 401
    assert reply.headers["X-Request-Id"] == "local-check-1"
    body = reply.json()
    assert body["code"] == 16
    assert any(detail["@type"].endswith("google.rpc.ErrorInfo") for detail in body["details"])


async def test_invalid_argument_names_the_field(http):
    user = await sign_up(http)
    reply = await http.post("/v1/arcades", json={"displayName": "Hall", "timeZone": "Mars/Olympus"}, headers=user.headers)
    assert reply.status_code == 400
    violations = [
        violation
        for detail in reply.json()["details"]
        if detail["@type"].endswith("google.rpc.BadRequest")
        for violation in detail["fieldViolations"]
    ]
    assert "time_zone" in {violation["field"] for violation in violations}


async def test_deadline_from_the_timeout_header(http):
    user = await sign_up(http)
    arcade = await create_arcade(http, user)
    # A generous timeout passes through; the call succeeds within it.
    reply = await http.get(f"/v1/arcades/{arcade['id']}", headers={"Grpc-Timeout": "5S"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["arcade"]["id"] == arcade["id"]


async def test_deadline_exceeded_is_504(http):
    user = await sign_up(http)
    arcade = await create_arcade(http, user)
    reply = await http.get(f"/v1/arcades/{arcade['id']}", headers={"Grpc-Timeout": "1n"})
    assert reply.status_code == 504, reply.text
    assert reply.json()["code"] == 4
