"""AuthService: sign-up, log-in and the profile, with bad input on every field."""

import contextlib
import datetime
import uuid

import grpc
import pytest
from origin.v1 import auth_pb2

from server.domain import limits

from tests.helpers import PASSWORD, error_info, retry_delay, sign_up
from tests.services.support import assert_invalid, count_rows, database_now, rpc_error, timestamp


def _new_user(**fields) -> auth_pb2.CreateUserRequest:
    values = {"email": "pat@example.com", "password": PASSWORD, "screen_name": "pat"}
    values.update(fields)
    return auth_pb2.CreateUserRequest(**values)


async def test_create_user_returns_profile(api, db):
    created = await api.auth.CreateUser(_new_user(email="Pat.Smith@Example.com", screen_name="Pat Smith"))

    assert uuid.UUID(created.user.id)
    assert created.user.email == "Pat.Smith@Example.com"
    assert created.user.screen_name == "Pat Smith"
    assert created.user.HasField("create_time")
    assert await count_rows(db, "users") == {"users": 1}


async def test_create_user_stores_only_hash(api, db):
    await api.auth.CreateUser(_new_user())

    row = await (await db.execute("SELECT password_hash FROM users")).fetchone()
    assert row[0].startswith("$argon2id$")
    assert PASSWORD not in row[0]


@pytest.mark.parametrize(
    "field, value",
    [
        ("email", ""),
        ("email", "   "),
        ("email", "nope"),
        ("email", "pat@localhost"),
        ("email", "pat@@example.com"),
        ("email", "pat smith@example.com"),
        ("email", "a" * 65 + "@example.com"),
        ("email", "a" * 64 + "@" + "b" * 186 + ".com"),
        ("email", "pat\x00@example.com"),
        ("email", "pat\x07@example.com"),
        ("password", ""),
        ("password", "x" * 9),
        ("password", "x" * 129),
        ("screen_name", ""),
        ("screen_name", "ab"),
        ("screen_name", "  ab  "),
        ("screen_name", "x" * 33),
        ("screen_name", "pat\x07smith"),
        ("screen_name", "pat\x00"),
        ("screen_name", "pat\u200bsmith"),
        ("phone_number", "4930123456"),
        ("phone_number", "+0301234567"),
        ("phone_number", "+1"),
        ("phone_number", "+1234567890123456"),
        ("phone_number", "+49 30 123456"),
        ("phone_number", "+4930123456\n"),
    ],
    ids=repr,
)
async def test_create_user_rejects_bad_field(api, db, field, value):
    before = await count_rows(db, "users", "users_history")

    error = await rpc_error(api.auth.CreateUser(_new_user(**{field: value})))

    assert_invalid(error, field)
    assert await count_rows(db, "users", "users_history") == before


@pytest.mark.parametrize(
    "field, value",
    [
        ("email", "a" * 64 + "@" + "b" * 185 + ".com"),
        ("email", "  pat@example.com  "),
        ("password", "x" * 10),
        ("password", "x" * 128),
        ("screen_name", "abc"),
        ("screen_name", "x" * 32),
        ("screen_name", "Zoë Ünal"),
        ("phone_number", "+4930123456"),
        ("phone_number", "+123456789012345"),
    ],
    ids=repr,
)
async def test_create_user_accepts_limits(api, field, value):
    created = await api.auth.CreateUser(_new_user(**{field: value}))

    assert created.user.id


async def test_email_taken_same_reply_and_mail(api, db):
    first = await api.auth.CreateUser(_new_user(email="Pat@Example.com", screen_name="first"))
    await api.mailbox.wait_for("Pat@Example.com")

    second = await api.auth.CreateUser(_new_user(email="pAT@eXAMPLE.COM", screen_name="second"))

    assert uuid.UUID(second.user.id) != uuid.UUID(first.user.id)
    assert second.user.email == "pAT@eXAMPLE.COM"
    assert second.user.screen_name == "second"
    assert second.user.HasField("create_time")
    assert await count_rows(db, "users") == {"users": 1}
    messages = await api.mailbox.wait_for("Pat@Example.com", count=2)
    assert messages[1]["Subject"] == "Someone tried to sign up with your address"
    assert api.mailbox.messages("pAT@eXAMPLE.COM") == []


async def test_email_taken_and_name_taken(api, db):
    await api.auth.CreateUser(_new_user(email="one@example.com", screen_name="Wizard"))

    error = await rpc_error(api.auth.CreateUser(_new_user(email="one@example.com", screen_name="wizard")))

    # The same error as for a new email, so it does not show the email is taken.
    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_info(error).reason == "SCREEN_NAME_TAKEN"
    assert await count_rows(db, "users") == {"users": 1}


async def test_screen_name_taken_ignoring_case(api, db):
    await api.auth.CreateUser(_new_user(email="one@example.com", screen_name="Wizard"))

    error = await rpc_error(api.auth.CreateUser(_new_user(email="two@example.com", screen_name="wIZARD")))

    assert error.code() == grpc.StatusCode.ALREADY_EXISTS
    assert error_info(error).reason == "SCREEN_NAME_TAKEN"
    assert await count_rows(db, "users") == {"users": 1}


async def test_create_token_returns_bearer(api):
    created = await api.auth.CreateUser(_new_user(email="Pat@Example.com"))
    before = datetime.datetime.now(datetime.timezone.utc)

    token = await api.auth.CreateToken(auth_pb2.CreateTokenRequest(email="pat@EXAMPLE.com", password=PASSWORD))

    expire_time = token.expire_time.ToDatetime(tzinfo=datetime.timezone.utc)
    assert token.token_type == "Bearer"
    assert token.refresh_token.startswith("origin_rt_")
    assert uuid.UUID(token.session_id)
    assert token.expires_in == 900
    assert abs((expire_time - before).total_seconds() - 900) < 5
    me = await api.auth.GetCurrentUser(
        auth_pb2.GetCurrentUserRequest(), metadata=(("authorization", f"Bearer {token.access_token}"),)
    )
    assert me.user.id == created.user.id


@pytest.mark.parametrize("field", ["email", "password"])
async def test_create_token_rejects_empty_field(api, field):
    await api.auth.CreateUser(_new_user())
    request = auth_pb2.CreateTokenRequest(email="pat@example.com", password=PASSWORD)
    setattr(request, field, "")

    error = await rpc_error(api.auth.CreateToken(request))

    assert_invalid(error, field)


@pytest.mark.parametrize(
    "email, password",
    [
        ("nobody@example.com", PASSWORD),
        ("nope", PASSWORD),
        ("pat\x00@example.com", PASSWORD),
        ("pat@example.com", PASSWORD.upper()),
        ("pat@example.com", PASSWORD + " "),
    ],
    ids=["unknown email", "malformed email", "email with NUL", "wrong case password", "extra space"],
)
async def test_create_token_failure_hides_cause(api, email, password):
    await api.auth.CreateUser(_new_user())
    wrong_password = await rpc_error(
        api.auth.CreateToken(auth_pb2.CreateTokenRequest(email="pat@example.com", password="x" * 12))
    )

    error = await rpc_error(api.auth.CreateToken(auth_pb2.CreateTokenRequest(email=email, password=password)))

    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(error).reason == "BAD_CREDENTIALS"
    assert error.details() == wrong_password.details()
    assert wrong_password.code() == grpc.StatusCode.UNAUTHENTICATED


async def test_get_current_user_returns_profile(api):
    owner = await sign_up(api, "pinwizard")

    me = await api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=owner.metadata)

    assert me.user.id == owner.user_id
    assert me.user.email == "pinwizard@example.com"
    assert me.user.screen_name == "pinwizard"


async def test_get_current_user_reads_old_version(api, db):
    owner = await sign_up(api, "oldname")
    between = await database_now(db)
    await db.execute(
        "UPDATE users SET screen_name = %s, screen_name_key = %s WHERE id = %s", ("newname", "newname", owner.user_id)
    )

    old = await api.auth.GetCurrentUser(
        auth_pb2.GetCurrentUserRequest(read_time=timestamp(between)), metadata=owner.metadata
    )
    now = await api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=owner.metadata)

    assert old.user.screen_name == "oldname"
    assert now.user.screen_name == "newname"
    assert old.user.create_time == now.user.create_time


async def test_get_current_user_before_creation(api, db):
    before = await database_now(db)
    owner = await sign_up(api)

    error = await rpc_error(
        api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(read_time=timestamp(before)), metadata=owner.metadata)
    )

    assert error.code() == grpc.StatusCode.NOT_FOUND
    assert error_info(error).reason == "USER_NOT_FOUND"


async def test_get_current_user_deleted_account(api, db):
    owner = await sign_up(api)
    await db.execute("DELETE FROM users WHERE id = %s", (owner.user_id,))

    error = await rpc_error(api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=owner.metadata))

    # Deleting the account deletes its sessions, so its access tokens stop working.
    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(error).reason == "UNAUTHENTICATED"


@pytest.mark.parametrize(
    "seconds, nanos",
    [(253402300800, 0), (-62135596801, 0), (0, -1), (0, 1_000_000_000)],
    ids=["after year 9999", "before year 1", "negative nanos", "nanos overflow"],
)
async def test_get_current_user_rejects_bad_read_time(api, seconds, nanos):
    owner = await sign_up(api)
    request = auth_pb2.GetCurrentUserRequest()
    request.read_time.seconds = seconds
    request.read_time.nanos = nanos

    error = await rpc_error(api.auth.GetCurrentUser(request, metadata=owner.metadata))

    assert_invalid(error, "read_time")


async def test_get_current_user_needs_token(api):
    error = await rpc_error(api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest()))

    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(error).reason == "UNAUTHENTICATED"


class _FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _fake_limits(api) -> _FakeClock:
    """Give the server's limiters a clock the test moves, so lockouts pass without waiting."""
    clock = _FakeClock()
    api.running.deps.account_failures = limits.account_backoff(clock)
    api.running.deps.address_failures = limits.address_backoff(clock)
    return clock


async def _log_in(api, email: str, password: str):
    return await api.auth.CreateToken(auth_pb2.CreateTokenRequest(email=email, password=password))


@pytest.mark.parametrize("email", ["pat@example.com", "nobody@example.com"])
async def test_failed_logins_lock_with_growing_delay(api, email):
    await api.auth.CreateUser(_new_user())
    clock = _fake_limits(api)
    for _ in range(5):
        assert error_info(await rpc_error(_log_in(api, email, "wrong password"))).reason == "BAD_CREDENTIALS"

    waits = []
    for _ in range(3):
        assert error_info(await rpc_error(_log_in(api, email, "wrong password"))).reason == "BAD_CREDENTIALS"
        locked = await rpc_error(_log_in(api, email, PASSWORD))
        assert locked.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert error_info(locked).reason == "TOO_MANY_ATTEMPTS"
        waits.append(retry_delay(locked))
        clock.now += waits[-1]

    assert waits == [2, 4, 8]


async def test_lockout_same_for_unknown_email(api):
    await api.auth.CreateUser(_new_user())
    _fake_limits(api)
    errors = {}
    for email in ("pat@example.com", "nobody@example.com"):
        for _ in range(6):
            await rpc_error(_log_in(api, email, "wrong password"))
        errors[email] = await rpc_error(_log_in(api, email, "wrong password"))

    assert errors["pat@example.com"].details() == errors["nobody@example.com"].details()
    assert retry_delay(errors["pat@example.com"]) == retry_delay(errors["nobody@example.com"]) == 2


async def test_lockout_expires(api):
    await api.auth.CreateUser(_new_user())
    clock = _fake_limits(api)
    for _ in range(20):
        with contextlib.suppress(grpc.aio.AioRpcError):
            await _log_in(api, "pat@example.com", "wrong password")
        clock.now += 1

    clock.now += 900
    token = await _log_in(api, "pat@example.com", PASSWORD)

    assert token.access_token


async def test_failed_logins_limited_per_address(api):
    await api.auth.CreateUser(_new_user())
    _fake_limits(api)
    for number in range(21):
        await rpc_error(_log_in(api, f"user{number}@example.com", "wrong password"))

    error = await rpc_error(_log_in(api, "pat@example.com", PASSWORD))

    assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert retry_delay(error) == 2


async def test_success_clears_account_failures(api):
    await api.auth.CreateUser(_new_user())
    _fake_limits(api)
    for _ in range(5):
        await rpc_error(_log_in(api, "pat@example.com", "wrong password"))
    await _log_in(api, "pat@example.com", PASSWORD)

    for _ in range(5):
        error = await rpc_error(_log_in(api, "pat@example.com", "wrong password"))
        assert error_info(error).reason == "BAD_CREDENTIALS"
