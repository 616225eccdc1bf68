"""Second factor: TOTP and email enrolment, the log-in challenge, single-use codes, recovery codes, disabling."""

from __future__ import annotations

import asyncio
import re
import time

import grpc
import pyotp
import pytest
from origin.v1 import auth_pb2, second_factor_pb2, second_factor_pb2_grpc

from tests.helpers import PASSWORD, error_info, retry_delay, sign_up
from tests.services.support import assert_invalid, rpc_error

TOTP = second_factor_pb2.SECOND_FACTOR_METHOD_TOTP
EMAIL = second_factor_pb2.SECOND_FACTOR_METHOD_EMAIL
RECOVERY = second_factor_pb2.SECOND_FACTOR_METHOD_RECOVERY_CODE


def _stub(api) -> second_factor_pb2_grpc.SecondFactorServiceStub:
    return second_factor_pb2_grpc.SecondFactorServiceStub(api.channel)


async def _enroll_totp(api, owner):
    """Enrol and confirm TOTP with the current step's code; return the TOTP and the enrolment reply."""
    reply = await _stub(api).EnrollSecondFactor(
        second_factor_pb2.EnrollSecondFactorRequest(method=TOTP, password=PASSWORD), metadata=owner.metadata
    )
    totp = pyotp.TOTP(reply.totp_secret)
    await _stub(api).ConfirmSecondFactor(
        second_factor_pb2.ConfirmSecondFactorRequest(code=totp.now()), metadata=owner.metadata
    )
    return totp, reply


def _next_step_code(totp: pyotp.TOTP) -> str:
    """A code of the step after the current one, which the one-step drift window accepts and nothing used yet."""
    return totp.at(time.time() + 30)


async def _challenge(api, email: str) -> auth_pb2.CreateTokenResponse:
    reply = await api.auth.CreateToken(auth_pb2.CreateTokenRequest(email=email, password=PASSWORD))
    assert reply.second_factor_challenge
    return reply


async def _complete(api, challenge: str, code: str) -> auth_pb2.CompleteSignInResponse:
    return await api.auth.CompleteSignIn(auth_pb2.CompleteSignInRequest(challenge=challenge, code=code))


async def test_enroll_returns_secret_and_uri(api):
    owner = await sign_up(api, "ann")

    reply = await _stub(api).EnrollSecondFactor(
        second_factor_pb2.EnrollSecondFactorRequest(method=TOTP, password=PASSWORD), metadata=owner.metadata
    )

    assert re.fullmatch(r"[A-Z2-7]{32}", reply.totp_secret)
    assert reply.totp_uri.startswith("otpauth://totp/")
    assert f"secret={reply.totp_secret}" in reply.totp_uri
    assert "issuer=Origin" in reply.totp_uri
    assert len(reply.recovery_codes) == 10
    assert len(set(reply.recovery_codes)) == 10
    assert all(re.fullmatch(r"[a-z2-9]{5}-[a-z2-9]{5}", code) for code in reply.recovery_codes)


async def test_pending_factor_is_off(api):
    owner = await sign_up(api, "ann")
    await _stub(api).EnrollSecondFactor(
        second_factor_pb2.EnrollSecondFactorRequest(method=TOTP, password=PASSWORD), metadata=owner.metadata
    )

    reply = await api.auth.CreateToken(auth_pb2.CreateTokenRequest(email="ann@example.com", password=PASSWORD))

    assert reply.access_token
    assert reply.second_factor_challenge == ""


async def test_secret_and_codes_not_stored(api, db):
    owner = await sign_up(api, "ann")
    totp, reply = await _enroll_totp(api, owner)

    tables = ("second_factors", "second_factors_history", "recovery_codes", "recovery_codes_history")
    for table in tables:
        rows = await (await db.execute(f"SELECT row_to_json(t)::text FROM {table} t")).fetchall()
        dump = " ".join(row[0] for row in rows)
        assert rows, table
        assert reply.totp_secret not in dump
        assert reply.totp_secret.lower() not in dump
        for code in reply.recovery_codes:
            assert code not in dump
            assert code.replace("-", "") not in dump


async def test_challenge_then_tokens(api):
    owner = await sign_up(api, "ann")
    totp, _ = await _enroll_totp(api, owner)

    challenge = await _challenge(api, "ann@example.com")
    tokens = await _complete(api, challenge.second_factor_challenge, _next_step_code(totp))

    assert challenge.access_token == ""
    assert challenge.refresh_token == ""
    assert challenge.second_factor_challenge.startswith("origin_sc_")
    assert list(challenge.second_factor_methods) == [TOTP, RECOVERY]
    assert challenge.HasField("second_factor_challenge_expire_time")
    assert tokens.refresh_token.startswith("origin_rt_")
    me = await api.auth.GetCurrentUser(
        auth_pb2.GetCurrentUserRequest(), metadata=(("authorization", f"Bearer {tokens.access_token}"),)
    )
    assert me.user.id == owner.user_id


async def test_challenge_stored_hashed(api, db):
    owner = await sign_up(api, "ann")
    await _enroll_totp(api, owner)

    challenge = await _challenge(api, "ann@example.com")

    rows = await (await db.execute("SELECT row_to_json(c)::text FROM sign_in_challenges c")).fetchall()
    assert len(rows) == 1
    assert challenge.second_factor_challenge not in rows[0][0]


async def test_totp_code_rejected_second_time(api):
    owner = await sign_up(api, "ann")
    totp, _ = await _enroll_totp(api, owner)
    code = _next_step_code(totp)
    first = await _challenge(api, "ann@example.com")
    await _complete(api, first.second_factor_challenge, code)

    second = await _challenge(api, "ann@example.com")
    again = await rpc_error(_complete(api, second.second_factor_challenge, code))
    earlier = await rpc_error(_complete(api, second.second_factor_challenge, totp.now()))

    assert again.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(again).reason == "BAD_CODE"
    # The confirmation used the current step, which is earlier than the one accepted last.
    assert error_info(earlier).reason == "BAD_CODE"


async def test_concurrent_code_one_success(api):
    owner = await sign_up(api, "ann")
    totp, _ = await _enroll_totp(api, owner)
    challenges = [await _challenge(api, "ann@example.com") for _ in range(2)]
    code = _next_step_code(totp)

    results = await asyncio.gather(
        *(_complete(api, c.second_factor_challenge, code) for c in challenges), return_exceptions=True
    )

    successes = [r for r in results if isinstance(r, auth_pb2.CompleteSignInResponse)]
    failures = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(successes) == 1
    assert len(failures) == 1
    assert error_info(failures[0]).reason == "BAD_CODE"


async def test_wrong_totp_code_rejected(api):
    owner = await sign_up(api, "ann")
    totp, _ = await _enroll_totp(api, owner)
    challenge = await _challenge(api, "ann@example.com")
    wrong = f"{(int(_next_step_code(totp)) + 1) % 1_000_000:06d}"

    error = await rpc_error(_complete(api, challenge.second_factor_challenge, wrong))

    assert error_info(error).reason == "BAD_CODE"


async def test_recovery_code_single_use(api):
    owner = await sign_up(api, "ann")
    _, reply = await _enroll_totp(api, owner)
    code = reply.recovery_codes[3]
    first = await _challenge(api, "ann@example.com")

    # Case and the dash do not matter.
    await _complete(api, first.second_factor_challenge, code.upper().replace("-", ""))
    second = await _challenge(api, "ann@example.com")
    again = await rpc_error(_complete(api, second.second_factor_challenge, code))
    other = await _complete(api, second.second_factor_challenge, reply.recovery_codes[4])

    assert error_info(again).reason == "BAD_CODE"
    assert other.access_token


async def test_challenge_single_use(api):
    owner = await sign_up(api, "ann")
    _, reply = await _enroll_totp(api, owner)
    challenge = await _challenge(api, "ann@example.com")
    await _complete(api, challenge.second_factor_challenge, reply.recovery_codes[0])

    error = await rpc_error(_complete(api, challenge.second_factor_challenge, reply.recovery_codes[1]))

    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(error).reason == "BAD_CHALLENGE"


async def test_challenge_expires(api, db):
    owner = await sign_up(api, "ann")
    _, reply = await _enroll_totp(api, owner)
    challenge = await _challenge(api, "ann@example.com")
    await db.execute("UPDATE sign_in_challenges SET expire_time = clock_timestamp() - interval '1 second'")

    error = await rpc_error(_complete(api, challenge.second_factor_challenge, reply.recovery_codes[0]))

    assert error_info(error).reason == "BAD_CHALLENGE"


async def test_challenge_lifetime_five_minutes(api, db):
    owner = await sign_up(api, "ann")
    await _enroll_totp(api, owner)

    await _challenge(api, "ann@example.com")

    row = await (
        await db.execute("SELECT extract(epoch FROM expire_time - clock_timestamp()) FROM sign_in_challenges")
    ).fetchone()
    assert 290 < row[0] <= 300


async def test_five_wrong_codes_spend_challenge(api):
    owner = await sign_up(api, "ann")
    _, reply = await _enroll_totp(api, owner)
    challenge = await _challenge(api, "ann@example.com")

    for _ in range(5):
        error = await rpc_error(_complete(api, challenge.second_factor_challenge, "zzzzz-zzzzz"))
        assert error_info(error).reason == "BAD_CODE"
    last = await rpc_error(_complete(api, challenge.second_factor_challenge, reply.recovery_codes[0]))

    assert error_info(last).reason == "BAD_CHALLENGE"


async def test_email_factor_flow(api):
    owner = await sign_up(api, "ann")
    email = "ann@example.com"
    await api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(email=email, code=await api.mailbox.last_code(email)))

    reply = await _stub(api).EnrollSecondFactor(
        second_factor_pb2.EnrollSecondFactorRequest(method=EMAIL, password=PASSWORD), metadata=owner.metadata
    )
    await _stub(api).ConfirmSecondFactor(
        second_factor_pb2.ConfirmSecondFactorRequest(code=await api.mailbox.last_code(email, count=2)),
        metadata=owner.metadata,
    )
    challenge = await _challenge(api, email)
    code = await api.mailbox.last_code(email, count=3)
    tokens = await _complete(api, challenge.second_factor_challenge, code)

    assert reply.totp_secret == ""
    assert reply.totp_uri == ""
    assert len(reply.recovery_codes) == 10
    assert list(challenge.second_factor_methods) == [EMAIL, RECOVERY]
    assert api.mailbox.messages(email)[2]["Subject"] == f"Your Origin sign-in code is {code}"
    assert tokens.access_token


async def test_email_factor_needs_verified_email(api):
    owner = await sign_up(api, "ann")

    error = await rpc_error(
        _stub(api).EnrollSecondFactor(
            second_factor_pb2.EnrollSecondFactorRequest(method=EMAIL, password=PASSWORD), metadata=owner.metadata
        )
    )

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(error).reason == "EMAIL_NOT_VERIFIED"


async def test_enroll_again_when_on(api):
    owner = await sign_up(api, "ann")
    await _enroll_totp(api, owner)

    error = await rpc_error(
        _stub(api).EnrollSecondFactor(
            second_factor_pb2.EnrollSecondFactorRequest(method=TOTP, password=PASSWORD), metadata=owner.metadata
        )
    )

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(error).reason == "SECOND_FACTOR_ON"


async def test_enroll_wrong_password(api):
    owner = await sign_up(api, "ann")

    error = await rpc_error(
        _stub(api).EnrollSecondFactor(
            second_factor_pb2.EnrollSecondFactorRequest(method=TOTP, password="wrong password"), metadata=owner.metadata
        )
    )

    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(error).reason == "BAD_CREDENTIALS"


async def test_confirm_wrong_code_stays_off(api):
    owner = await sign_up(api, "ann")
    reply = await _stub(api).EnrollSecondFactor(
        second_factor_pb2.EnrollSecondFactorRequest(method=TOTP, password=PASSWORD), metadata=owner.metadata
    )
    wrong = f"{(int(pyotp.TOTP(reply.totp_secret).now()) + 1) % 1_000_000:06d}"

    error = await rpc_error(
        _stub(api).ConfirmSecondFactor(second_factor_pb2.ConfirmSecondFactorRequest(code=wrong), metadata=owner.metadata)
    )
    tokens = await api.auth.CreateToken(auth_pb2.CreateTokenRequest(email="ann@example.com", password=PASSWORD))

    assert error_info(error).reason == "BAD_CODE"
    assert tokens.access_token


async def test_disable_needs_password_and_code(api):
    owner = await sign_up(api, "ann")
    totp, reply = await _enroll_totp(api, owner)
    stub = _stub(api)

    bad_password = await rpc_error(
        stub.DisableSecondFactor(
            second_factor_pb2.DisableSecondFactorRequest(password="wrong password", code=reply.recovery_codes[0]),
            metadata=owner.metadata,
        )
    )
    bad_code = await rpc_error(
        stub.DisableSecondFactor(
            second_factor_pb2.DisableSecondFactorRequest(password=PASSWORD, code="zzzzz-zzzzz"), metadata=owner.metadata
        )
    )
    still_on = await api.auth.CreateToken(auth_pb2.CreateTokenRequest(email="ann@example.com", password=PASSWORD))
    await stub.DisableSecondFactor(
        second_factor_pb2.DisableSecondFactorRequest(password=PASSWORD, code=_next_step_code(totp)),
        metadata=owner.metadata,
    )
    off = await api.auth.CreateToken(auth_pb2.CreateTokenRequest(email="ann@example.com", password=PASSWORD))

    assert error_info(bad_password).reason == "BAD_CREDENTIALS"
    assert error_info(bad_code).reason == "BAD_CODE"
    assert still_on.second_factor_challenge
    assert off.access_token
    assert off.second_factor_challenge == ""


async def test_disable_without_factor(api):
    owner = await sign_up(api, "ann")

    error = await rpc_error(
        _stub(api).DisableSecondFactor(
            second_factor_pb2.DisableSecondFactorRequest(password=PASSWORD, code="123456"), metadata=owner.metadata
        )
    )

    assert error.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert error_info(error).reason == "NO_SECOND_FACTOR"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"password": PASSWORD}, "method"),
        ({"method": RECOVERY, "password": PASSWORD}, "method"),
        ({"method": 99, "password": PASSWORD}, "method"),
        ({"method": TOTP}, "password"),
    ],
    ids=repr,
)
async def test_enroll_rejects_bad_field(api, db, fields, field):
    owner = await sign_up(api, "ann")

    error = await rpc_error(
        _stub(api).EnrollSecondFactor(second_factor_pb2.EnrollSecondFactorRequest(**fields), metadata=owner.metadata)
    )

    assert_invalid(error, field)
    assert (await (await db.execute("SELECT count(*) FROM second_factors")).fetchone())[0] == 0


@pytest.mark.parametrize("code", ["", "12345", "1234567", "12345a", "١٢٣٤٥٦", "abcde-fghjk"], ids=repr)
async def test_confirm_rejects_bad_code(api, code):
    owner = await sign_up(api, "ann")

    error = await rpc_error(
        _stub(api).ConfirmSecondFactor(second_factor_pb2.ConfirmSecondFactorRequest(code=code), metadata=owner.metadata)
    )

    assert_invalid(error, "code")


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"code": "123456"}, "challenge"),
        ({"challenge": "origin_sc_x"}, "code"),
        ({"challenge": "origin_sc_x", "code": "12345"}, "code"),
        ({"challenge": "origin_sc_x", "code": "abcde-fghj"}, "code"),
        ({"challenge": "origin_sc_x", "code": "abcde-fghj0"}, "code"),
    ],
    ids=repr,
)
async def test_complete_rejects_bad_field(api, fields, field):
    error = await rpc_error(api.auth.CompleteSignIn(auth_pb2.CompleteSignInRequest(**fields)))

    assert_invalid(error, field)


async def test_wrong_codes_lock_account(api):
    owner = await sign_up(api, "ann")
    _, reply = await _enroll_totp(api, owner)
    first = await _challenge(api, "ann@example.com")
    for _ in range(5):
        await rpc_error(_complete(api, first.second_factor_challenge, "zzzzz-zzzzz"))
    second = await _challenge(api, "ann@example.com")

    wrong = await rpc_error(_complete(api, second.second_factor_challenge, "zzzzz-zzzzz"))
    locked = await rpc_error(_complete(api, second.second_factor_challenge, reply.recovery_codes[0]))

    assert error_info(wrong).reason == "BAD_CODE"
    assert locked.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert error_info(locked).reason == "TOO_MANY_ATTEMPTS"
    assert retry_delay(locked) == 2
