"""OriginClient against real servers: sign-in, token refresh, typed errors, retries and request IDs."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import pathlib
import shutil
import ssl
import subprocess
import time
import uuid

import grpc
import pyotp
import pytest
from origin.v1 import arcade_pb2, arcade_pb2_grpc, auth_pb2, common_pb2, second_factor_pb2
from origin_sdk import errors
from origin_sdk.client import OriginClient
from origin_sdk.retry import RetryPolicy

from tests import conftest
from tests.helpers import PASSWORD
from tests.sdk.python.proxy import CuttableProxy
from tests.sdk.python.test_device import unused_port


async def signed_up(client: OriginClient, name: str | None = None) -> str:
    """Create an account through the client, sign in, and return its email."""
    name = name or f"sdk{uuid.uuid4().hex[:8]}"
    email = f"{name}@example.com"
    await client.sign_up(email, PASSWORD, name)
    result = await client.sign_in(email, PASSWORD)
    assert not result.needs_second_factor
    return email


async def test_sign_in_and_current_user(api):
    async with OriginClient(api.address) as client:
        email = await signed_up(client, "ada_sdk")
        user = await client.current_user()
        session = client.session

    assert user.screen_name == "ada_sdk"
    assert user.email == email
    assert session is not None
    assert session.session_id
    assert session.access_token not in repr(session)


async def test_wrong_password_is_typed(api):
    async with OriginClient(api.address) as client:
        email = await signed_up(client)
        with pytest.raises(errors.Unauthenticated) as caught:
            await client.sign_in(email, "not the password at all")

    assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert caught.value.reason == "BAD_CREDENTIALS"
    assert caught.value.domain == "origin.pinball"
    assert caught.value.request_id
    assert isinstance(caught.value.__cause__, grpc.aio.AioRpcError)


async def test_invalid_argument_names_field(api):
    async with OriginClient(api.address) as client:
        await signed_up(client)
        with pytest.raises(errors.InvalidArgument) as caught:
            await client.create_arcade("Flipper Hall", "Mars/Olympus_Mons")

    assert caught.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert [violation.field for violation in caught.value.field_violations] == ["time_zone"]


async def test_not_found_is_typed(api):
    async with OriginClient(api.address) as client:
        await signed_up(client)
        with pytest.raises(errors.NotFound) as caught:
            await client.register_machine(str(uuid.uuid4()), "Attack From Mars (1.13b)")

    assert caught.value.code == grpc.StatusCode.NOT_FOUND


async def test_register_machine_then_submit(api):
    async with OriginClient(api.address) as owner:
        await signed_up(owner)
        arcade = await owner.create_arcade("Flipper Hall", "Europe/Berlin", latitude=52.5, longitude=13.4)
        registered = await owner.register_machine(arcade.id, "Attack From Mars (1.13b)")

    async with OriginClient(api.address, token=registered.device_token) as device:
        first = await device.submit_score("game-1", 52_310_000, initials="AFM")
        again = await device.submit_score("game-1", 52_310_000, initials="AFM")

    async with OriginClient(api.address) as anonymous:
        board = await anonymous.list_top_scores(
            registered.machine.game_id, common_pb2.BOARD_SCOPE_ARCADE, arcade_id=arcade.id
        )

    assert registered.device_token not in repr(registered)
    assert (first.duplicate, again.duplicate) == (False, True)
    assert [(entry.score.value, entry.score.submission_id) for entry in board.entries] == [(52_310_000, "game-1")]


async def test_raw_stubs_carry_token(api):
    async with OriginClient(api.address) as client:
        await signed_up(client, "raw_stub")
        reply = await client.stubs.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest())
        arcades = client.stubs.service(arcade_pb2_grpc.ArcadeServiceStub)
        created = await arcades.CreateArcade(
            arcade_pb2.CreateArcadeRequest(display_name="Raw Hall", time_zone="Europe/Berlin")
        )
        with pytest.raises(errors.InvalidArgument):
            await arcades.CreateArcade(arcade_pb2.CreateArcadeRequest(display_name="Raw Hall"))

    assert reply.user.screen_name == "raw_stub"
    assert created.arcade.display_name == "Raw Hall"


async def test_refresh_after_rejected_token(api):
    async with OriginClient(api.address) as first:
        await signed_up(first, "stale_token")
        stored = first.session
    # A stored session whose access token the server rejects: the client
    # refreshes with the refresh token and retries the call once.
    stale = dataclasses.replace(stored, access_token=stored.access_token[:-4] + "AAAA")
    changes = []

    async with OriginClient(api.address, session=stale, on_session_change=changes.append) as client:
        user = await client.current_user()
        refreshed = client.session

    assert user.screen_name == "stale_token"
    assert refreshed.session_id == stored.session_id
    assert refreshed.refresh_token != stored.refresh_token
    assert changes == [refreshed]


async def test_no_refresh_token_raises(api):
    async with OriginClient(api.address, token="not-a-jwt") as client:
        with pytest.raises(errors.Unauthenticated):
            await client.current_user()


async def test_refresh_before_expiry(database_url, tmp_path):
    settings = conftest.test_settings(tmp_path, access_token_seconds=2)
    async with conftest.serving(database_url, settings) as api:
        async with OriginClient(api.address) as client:
            await signed_up(client)
            signed_in = client.session
            # Half the 2 s lifetime is the refresh margin.
            await asyncio.sleep(1.1)
            await client.current_user()
            refreshed = client.session

    assert signed_in.lifetime_seconds == 2
    assert refreshed.access_token != signed_in.access_token
    assert refreshed.session_id == signed_in.session_id


async def test_unreachable_gives_up_after_attempts():
    retry = RetryPolicy(max_attempts=3, initial_backoff=0.05, max_backoff=0.1)
    started = time.monotonic()

    async with OriginClient(f"127.0.0.1:{unused_port()}", retry=retry, timeout=5) as client:
        with pytest.raises(errors.Unavailable) as caught:
            await client.list_top_scores("attack-from-mars")

    assert caught.value.code == grpc.StatusCode.UNAVAILABLE
    assert time.monotonic() - started < 3


async def test_deadline_bounds_retries():
    retry = RetryPolicy(max_attempts=100, initial_backoff=0.2, max_backoff=0.2)
    started = time.monotonic()

    async with OriginClient(f"127.0.0.1:{unused_port()}", retry=retry, timeout=0.5) as client:
        with pytest.raises((errors.Unavailable, errors.DeadlineExceeded)):
            await client.list_top_scores("attack-from-mars")

    assert time.monotonic() - started < 1.5


async def test_retry_reuses_request_id(api, db, caplog):
    """The first CreateArcade reaches the server but its response is lost:
    the retry carries the same request_id, so one arcade exists."""
    caplog.set_level(logging.INFO, logger="origin.rpc")
    proxy = CuttableProxy(api.running.port)
    await proxy.start()
    try:
        async with OriginClient(proxy.address, retry=RetryPolicy(initial_backoff=0.05)) as client:
            await signed_up(client)
            proxy.drop_responses = True
            create = asyncio.create_task(client.create_arcade("Lost Reply Hall", "Europe/Berlin"))
            await wait_until_arcade(db, "Lost Reply Hall")
            await proxy.cut()
            proxy.drop_responses = False
            await proxy.reopen()
            arcade = await create
    finally:
        await proxy.close()

    cursor = await db.execute("SELECT id::text FROM arcades WHERE display_name = %s", ("Lost Reply Hall",))
    logged = [
        record.args for record in caplog.records
        if record.name == "origin.rpc" and record.args[0] == "/origin.v1.ArcadeService/CreateArcade"
    ]
    assert [row[0] for row in await cursor.fetchall()] == [arcade.id]
    assert proxy.connections >= 2
    # The server logged both attempts with the same x-request-id.
    assert len(logged) >= 2
    assert len({fields[3] for fields in logged}) == 1


async def wait_until_arcade(db, name: str) -> None:
    found = []

    async def poll():
        cursor = await db.execute("SELECT 1 FROM arcades WHERE display_name = %s", (name,))
        found.extend(await cursor.fetchall())

    async def check() -> None:
        while not found:
            await poll()
            await asyncio.sleep(0.02)

    await asyncio.wait_for(check(), timeout=10)


def test_retry_policy_rejects_bad_values():
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError, match="initial_backoff"):
        RetryPolicy(initial_backoff=2, max_backoff=1)


def test_retry_policy_backoff_grows_to_cap():
    policy = RetryPolicy(initial_backoff=0.1, max_backoff=1.0)
    for retry in range(1, 10):
        base = min(0.1 * 2 ** (retry - 1), 1.0)
        assert base / 2 <= policy.backoff(retry) <= base


async def test_complete_sign_in_without_challenge_raises():
    client = OriginClient("127.0.0.1:1")
    with pytest.raises(ValueError, match="sign_in"):
        await client.complete_sign_in("123456")
    await client.close()



async def test_second_factor_sign_in(api):
    async with OriginClient(api.address) as enrolling:
        email = await signed_up(enrolling, "two_factor")
        enrolled = await enrolling.stubs.second_factor.EnrollSecondFactor(
            second_factor_pb2.EnrollSecondFactorRequest(method=second_factor_pb2.SECOND_FACTOR_METHOD_TOTP, password=PASSWORD)
        )
        totp = pyotp.TOTP(enrolled.totp_secret)
        await enrolling.stubs.second_factor.ConfirmSecondFactor(
            second_factor_pb2.ConfirmSecondFactorRequest(code=totp.now())
        )

    async with OriginClient(api.address) as client:
        result = await client.sign_in(email, PASSWORD)
        with pytest.raises(errors.Unauthenticated) as wrong:
            await client.complete_sign_in("000000" if totp.now() != "000000" else "111111")
        # The next step's code: the server's one-step drift window accepts it
        # and the enrolment has not used it.
        session = await client.complete_sign_in(totp.at(time.time() + 30))
        user = await client.current_user()

    assert result.needs_second_factor
    assert result.session is None
    assert second_factor_pb2.SECOND_FACTOR_METHOD_TOTP in result.second_factor.methods
    assert result.second_factor.challenge not in repr(result.second_factor)
    assert wrong.value.reason == "BAD_CODE"
    assert session.refresh_token
    assert user.screen_name == "two_factor"


async def test_repeated_failures_carry_retry_delay(api):
    async with OriginClient(api.address) as client:
        email = await signed_up(client)
        for _ in range(10):
            try:
                await client.sign_in(email, "wrong password, again")
            except errors.ResourceExhausted as error:
                exhausted = error
                break
            except errors.Unauthenticated:
                continue
        else:
            pytest.fail("ten wrong passwords never raised ResourceExhausted")

    assert exhausted.code == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert exhausted.reason == "TOO_MANY_ATTEMPTS"
    assert 0 < exhausted.retry_delay <= 900


def self_signed_tls(directory: pathlib.Path) -> tuple[ssl.SSLContext, bytes]:
    """Make a certificate for localhost with openssl; return a server context that offers h2, and the PEM."""
    key, cert = directory / "key.pem", directory / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    # gRPC clients require HTTP/2 to be negotiated through ALPN.
    context.set_alpn_protocols(["h2"])
    return context, cert.read_bytes()


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command to make a certificate")
async def test_tls_with_root_certificates(api, tmp_path):
    context, certificate = await asyncio.to_thread(self_signed_tls, tmp_path)
    proxy = CuttableProxy(api.running.port, tls=context)
    await proxy.start()
    target = f"localhost:{proxy.port}"
    try:
        async with OriginClient(target, root_certificates=certificate) as trusted:
            await signed_up(trusted, "tls_user")
            user = await trusted.current_user()
        no_retry = RetryPolicy(max_attempts=1)
        async with OriginClient(target, tls=True, retry=no_retry, timeout=5) as untrusted:
            with pytest.raises(errors.Unavailable):
                await untrusted.list_top_scores("attack-from-mars")
    finally:
        await proxy.close()

    assert user.screen_name == "tls_user"


async def test_sign_out_ends_session(api):
    changes = []
    async with OriginClient(api.address, on_session_change=changes.append) as client:
        await signed_up(client)
        stored = client.session
        await client.sign_out()
        signed_out = client.session

    async with OriginClient(api.address, session=stored) as reused:
        with pytest.raises(errors.Unauthenticated) as caught:
            await reused.current_user()

    assert signed_out is None
    assert changes == [stored, None]
    assert caught.value.code == grpc.StatusCode.UNAUTHENTICATED
