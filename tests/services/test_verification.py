"""Email verification: the mailed code or link, single use, expiry, attempts, same replies."""

from __future__ import annotations

import grpc
import pytest
from origin.v1 import auth_pb2

from tests.helpers import PASSWORD, error_info
from tests.services.support import assert_invalid, count_rows, rpc_error


async def _sign_up(api, name="ann"):
    email = f"{name}@example.com"
    await api.auth.CreateUser(auth_pb2.CreateUserRequest(email=email, password=PASSWORD, screen_name=name))
    return email


async def _verified(db, email) -> bool:
    row = await (await db.execute("SELECT email_verified FROM users WHERE email = %s", (email,))).fetchone()
    return row[0]


async def test_code_verifies_once(api, db):
    email = await _sign_up(api)
    code = await api.mailbox.last_code(email)
    assert not await _verified(db, email)

    await api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(email=email, code=code))
    again = await rpc_error(api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(email=email, code=code)))

    assert await _verified(db, email)
    assert again.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(again).reason == "BAD_CODE"


async def test_link_verifies_once(api, db):
    email = await _sign_up(api)
    token = await api.mailbox.last_link_token(email)

    await api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(link_token=token))
    again = await rpc_error(api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(link_token=token)))

    assert await _verified(db, email)
    assert error_info(again).reason == "BAD_CODE"


async def test_code_stored_only_hashed(api, db):
    email = await _sign_up(api)
    code = await api.mailbox.last_code(email)
    token = await api.mailbox.last_link_token(email)

    dump = await (await db.execute("SELECT row_to_json(c)::text FROM account_codes c")).fetchone()
    outbox = await (await db.execute("SELECT row_to_json(m)::text FROM mail_outbox m")).fetchone()

    for text in (dump[0], outbox[0]):
        assert code not in text
        assert token not in text


async def test_expired_code_rejected(api, db):
    email = await _sign_up(api)
    code = await api.mailbox.last_code(email)
    await db.execute("UPDATE account_codes SET expire_time = clock_timestamp() - interval '1 second'")

    error = await rpc_error(api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(email=email, code=code)))

    assert error_info(error).reason == "BAD_CODE"
    assert not await _verified(db, email)


async def test_five_wrong_codes_spend_it(api, db):
    email = await _sign_up(api)
    code = await api.mailbox.last_code(email)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    for _ in range(5):
        error = await rpc_error(api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(email=email, code=wrong)))
        assert error_info(error).reason == "BAD_CODE"
    last = await rpc_error(api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(email=email, code=code)))

    assert error_info(last).reason == "BAD_CODE"
    assert not await _verified(db, email)


async def test_code_bound_to_account(api, db):
    first = await _sign_up(api, "ann")
    second = await _sign_up(api, "bob")
    code = await api.mailbox.last_code(first)

    error = await rpc_error(api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(email=second, code=code)))

    assert error_info(error).reason == "BAD_CODE"
    assert not await _verified(db, second)


async def test_new_code_replaces_old(api, db):
    email = await _sign_up(api)
    old = await api.mailbox.last_code(email)

    await api.auth.SendVerificationCode(auth_pb2.SendVerificationCodeRequest(email=email))
    new = await api.mailbox.last_code(email, count=2)

    if old != new:
        error = await rpc_error(api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(email=email, code=old)))
        assert error_info(error).reason == "BAD_CODE"
    await api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(email=email, code=new))
    assert await _verified(db, email)


async def test_unknown_email_same_reply(api, db):
    email = await _sign_up(api)
    code = await api.mailbox.last_code(email)

    unknown = await rpc_error(api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(email="zed@example.com", code=code)))
    known = await rpc_error(api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(email=email, code="000000" if code != "000000" else "111111")))
    await api.auth.SendVerificationCode(auth_pb2.SendVerificationCodeRequest(email="zed@example.com"))

    assert unknown.code() == known.code() == grpc.StatusCode.UNAUTHENTICATED
    assert unknown.details() == known.details()
    assert error_info(unknown).reason == error_info(known).reason == "BAD_CODE"
    assert api.mailbox.messages("zed@example.com") == []


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"email": "ann@example.com"}, "code"),
        ({"email": "ann@example.com", "code": "12345"}, "code"),
        ({"email": "ann@example.com", "code": "1234567"}, "code"),
        ({"email": "ann@example.com", "code": "12345a"}, "code"),
        ({"email": "ann@example.com", "code": "١٢٣٤٥٦"}, "code"),
        ({"email": "", "code": "123456"}, "email"),
        ({"email": "nope", "code": "123456"}, "email"),
        ({"link_token": "abc", "code": "123456"}, "link_token"),
    ],
    ids=repr,
)
async def test_verify_rejects_bad_field(api, db, fields, field):
    await _sign_up(api)
    before = await count_rows(db, "account_codes_history", "users_history")

    error = await rpc_error(api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(**fields)))

    assert_invalid(error, field)
    assert await count_rows(db, "account_codes_history", "users_history") == before


async def test_profile_shows_verification(api):
    email = await _sign_up(api, "vera")
    token = await api.auth.CreateToken(auth_pb2.CreateTokenRequest(email=email, password=PASSWORD))
    metadata = (("authorization", f"Bearer {token.access_token}"),)
    before = await api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=metadata)

    await api.auth.VerifyEmail(auth_pb2.VerifyEmailRequest(link_token=await api.mailbox.last_link_token(email)))
    after = await api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=metadata)

    assert before.user.email_verified is False
    assert after.user.email_verified is True
