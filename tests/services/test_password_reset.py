"""Password reset by mail, and changes of password and email address."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import grpc
import pyotp
import pytest
from origin.v1 import auth_pb2, second_factor_pb2, second_factor_pb2_grpc

from tests.helpers import PASSWORD, error_info, sign_up
from tests.mailbox import text_body
from tests.services.support import assert_invalid, count_rows, rpc_error

NEW_PASSWORD = "a brand new password"


def _bearer(token: str) -> tuple:
    return (("authorization", f"Bearer {token}"),)


async def _outbox_drained(db, timeout: float = 10.0) -> None:
    """Wait until the sender has handled every queued message, sent or dropped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = await (await db.execute("SELECT count(*) FROM mail_outbox WHERE done_time IS NULL")).fetchone()
        if row[0] == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the mail outbox was not drained")


async def _request_reset(api, email: str) -> None:
    await api.auth.RequestPasswordReset(auth_pb2.RequestPasswordResetRequest(email=email))


async def _log_in(api, email: str, password: str):
    return await api.auth.CreateToken(auth_pb2.CreateTokenRequest(email=email, password=password))


async def _me(api, access_token: str):
    return await api.auth.GetCurrentUser(auth_pb2.GetCurrentUserRequest(), metadata=_bearer(access_token))


async def test_reset_by_link(api):
    owner = await sign_up(api, "ann")
    await _request_reset(api, "ann@example.com")
    token = await api.mailbox.last_link_token("ann@example.com", count=2)

    await api.auth.ResetPassword(auth_pb2.ResetPasswordRequest(link_token=token, new_password=NEW_PASSWORD))

    assert (await _log_in(api, "ann@example.com", NEW_PASSWORD)).access_token
    old = await rpc_error(_log_in(api, "ann@example.com", PASSWORD))
    assert error_info(old).reason == "BAD_CREDENTIALS"
    ended = await rpc_error(_me(api, owner.token))
    assert ended.code() == grpc.StatusCode.UNAUTHENTICATED
    notice = (await api.mailbox.wait_for("ann@example.com", count=3))[2]
    assert notice["Subject"] == "Your Origin password was changed"


async def test_reset_mail_content(api):
    await sign_up(api, "ann")
    await _request_reset(api, "ann@example.com")

    message = (await api.mailbox.wait_for("ann@example.com", count=2))[1]

    assert message["Subject"] == "Reset your Origin password"
    assert "within 30 minutes" in text_body(message)
    assert "/reset-password?token=" in text_body(message)


async def test_reset_by_code(api):
    await sign_up(api, "ann")
    await _request_reset(api, "Ann@Example.com")
    code = await api.mailbox.last_code("ann@example.com", count=2)

    await api.auth.ResetPassword(
        auth_pb2.ResetPasswordRequest(email="ANN@example.com", code=code, new_password=NEW_PASSWORD)
    )

    assert (await _log_in(api, "ann@example.com", NEW_PASSWORD)).access_token


async def test_reset_link_single_use(api):
    await sign_up(api, "ann")
    await _request_reset(api, "ann@example.com")
    token = await api.mailbox.last_link_token("ann@example.com", count=2)
    await api.auth.ResetPassword(auth_pb2.ResetPasswordRequest(link_token=token, new_password=NEW_PASSWORD))

    again = await rpc_error(
        api.auth.ResetPassword(auth_pb2.ResetPasswordRequest(link_token=token, new_password="another password 1"))
    )

    assert again.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(again).reason == "BAD_CODE"
    assert (await _log_in(api, "ann@example.com", NEW_PASSWORD)).access_token


async def test_reset_link_expires(api, db):
    await sign_up(api, "ann")
    await _request_reset(api, "ann@example.com")
    token = await api.mailbox.last_link_token("ann@example.com", count=2)
    lifetime = await (
        await db.execute(
            "SELECT extract(epoch FROM expire_time - clock_timestamp()) FROM account_codes WHERE purpose = 'password_reset'"
        )
    ).fetchone()
    await db.execute("UPDATE account_codes SET expire_time = clock_timestamp() - interval '1 second'")

    error = await rpc_error(
        api.auth.ResetPassword(auth_pb2.ResetPasswordRequest(link_token=token, new_password=NEW_PASSWORD))
    )

    assert 1790 < lifetime[0] <= 1800
    assert error_info(error).reason == "BAD_CODE"


async def test_reset_stored_hashed(api, db):
    await sign_up(api, "ann")
    await _request_reset(api, "ann@example.com")
    token = await api.mailbox.last_link_token("ann@example.com", count=2)
    code = await api.mailbox.last_code("ann@example.com", count=2)

    rows = await (await db.execute("SELECT row_to_json(c)::text FROM account_codes c")).fetchall()
    for row in rows:
        assert token not in row[0]
        assert code not in row[0]


async def test_reset_unknown_email_same_reply(api, db):
    await sign_up(api, "ann")
    await _outbox_drained(db)

    unknown = await api.auth.RequestPasswordReset(auth_pb2.RequestPasswordResetRequest(email="zed@example.com"))
    known = await api.auth.RequestPasswordReset(auth_pb2.RequestPasswordResetRequest(email="ann@example.com"))
    await _outbox_drained(db)

    assert unknown == known
    assert api.mailbox.messages("zed@example.com") == []
    assert len(api.mailbox.messages("ann@example.com")) == 2


async def test_reset_timing_hides_account(api, db):
    await sign_up(api, "ann")
    deps = api.running.deps
    deps.settings = dataclasses.replace(deps.settings, account_reply_seconds=0.3)

    durations = {}
    for email in ("zed@example.com", "ann@example.com"):
        start = time.monotonic()
        await _request_reset(api, email)
        durations[email] = time.monotonic() - start

    assert all(0.3 <= seconds < 0.6 for seconds in durations.values()), durations


async def test_reset_dotless_i_sends_nothing(api, db):
    await sign_up(api, "pit")
    await _outbox_drained(db)

    await _request_reset(api, "p\u0131t@example.com")
    await _outbox_drained(db)

    assert [to for _, tos in api.mailbox.envelopes for to in tos] == ["pit@example.com"]
    assert (await count_rows(db, "account_codes")) == {"account_codes": 1}


async def test_reset_letter_case_mails_stored_address(api, db):
    await sign_up(api, "pit")
    await _outbox_drained(db)

    await _request_reset(api, "PIT@EXAMPLE.COM")
    await _outbox_drained(db)

    recipients = [to for _, tos in api.mailbox.envelopes for to in tos]
    assert recipients == ["pit@example.com", "pit@example.com"]
    assert api.mailbox.messages("pit@example.com")[1]["Subject"] == "Reset your Origin password"
    assert api.mailbox.messages("PIT@EXAMPLE.COM") == []


async def _enroll_totp(api, owner) -> tuple[pyotp.TOTP, list[str]]:
    stub = second_factor_pb2_grpc.SecondFactorServiceStub(api.channel)
    reply = await stub.EnrollSecondFactor(
        second_factor_pb2.EnrollSecondFactorRequest(
            method=second_factor_pb2.SECOND_FACTOR_METHOD_TOTP, password=PASSWORD
        ),
        metadata=owner.metadata,
    )
    totp = pyotp.TOTP(reply.totp_secret)
    await stub.ConfirmSecondFactor(second_factor_pb2.ConfirmSecondFactorRequest(code=totp.now()), metadata=owner.metadata)
    return totp, list(reply.recovery_codes)


async def test_reset_needs_second_factor(api):
    owner = await sign_up(api, "ann")
    totp, _ = await _enroll_totp(api, owner)
    await _request_reset(api, "ann@example.com")
    token = await api.mailbox.last_link_token("ann@example.com", count=2)

    missing = await rpc_error(
        api.auth.ResetPassword(auth_pb2.ResetPasswordRequest(link_token=token, new_password=NEW_PASSWORD))
    )
    wrong = await rpc_error(
        api.auth.ResetPassword(
            auth_pb2.ResetPasswordRequest(link_token=token, new_password=NEW_PASSWORD, second_factor_code="zzzzz-zzzzz")
        )
    )
    unchanged = await _log_in(api, "ann@example.com", PASSWORD)
    await api.auth.ResetPassword(
        auth_pb2.ResetPasswordRequest(
            link_token=token, new_password=NEW_PASSWORD, second_factor_code=totp.at(time.time() + 30)
        )
    )

    assert error_info(missing).reason == "BAD_SECOND_FACTOR"
    assert error_info(wrong).reason == "BAD_SECOND_FACTOR"
    assert unchanged.second_factor_challenge
    changed = await _log_in(api, "ann@example.com", NEW_PASSWORD)
    assert changed.second_factor_challenge


async def test_reset_accepts_recovery_code(api):
    owner = await sign_up(api, "ann")
    _, recovery_codes = await _enroll_totp(api, owner)
    await _request_reset(api, "ann@example.com")
    code = await api.mailbox.last_code("ann@example.com", count=2)

    await api.auth.ResetPassword(
        auth_pb2.ResetPasswordRequest(
            email="ann@example.com", code=code, new_password=NEW_PASSWORD, second_factor_code=recovery_codes[0]
        )
    )

    assert (await _log_in(api, "ann@example.com", NEW_PASSWORD)).second_factor_challenge


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"new_password": NEW_PASSWORD}, "email"),
        ({"link_token": "abc", "email": "ann@example.com", "new_password": NEW_PASSWORD}, "link_token"),
        ({"link_token": "abc", "code": "123456", "new_password": NEW_PASSWORD}, "link_token"),
        ({"email": "ann@example.com", "new_password": NEW_PASSWORD}, "code"),
        ({"email": "ann@example.com", "code": "12a456", "new_password": NEW_PASSWORD}, "code"),
        ({"email": "nope", "code": "123456", "new_password": NEW_PASSWORD}, "email"),
        ({"link_token": "abc", "new_password": "short"}, "new_password"),
        ({"link_token": "abc", "new_password": "x" * 129}, "new_password"),
        ({"link_token": "abc", "new_password": NEW_PASSWORD, "second_factor_code": "12"}, "second_factor_code"),
    ],
    ids=repr,
)
async def test_reset_rejects_bad_field(api, db, fields, field):
    await sign_up(api, "ann")
    before = await count_rows(db, "users_history", "account_codes_history")

    error = await rpc_error(api.auth.ResetPassword(auth_pb2.ResetPasswordRequest(**fields)))

    assert_invalid(error, field)
    assert await count_rows(db, "users_history", "account_codes_history") == before


@pytest.mark.parametrize("email", ["", "nope", "a@b"], ids=repr)
async def test_request_reset_rejects_bad_email(api, email):
    error = await rpc_error(api.auth.RequestPasswordReset(auth_pb2.RequestPasswordResetRequest(email=email)))

    assert_invalid(error, "email")


async def test_reset_requests_limited(api):
    await sign_up(api, "ann")

    outcomes = {}
    for email in ("ann@example.com", "zed@example.com"):
        for _ in range(6):
            await _request_reset(api, email)
        outcomes[email] = await rpc_error(_request_reset(api, email))

    # Six requests pass, the seventh waits, for an account and for an unknown address alike.
    for error in outcomes.values():
        assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        assert error_info(error).reason == "TOO_MANY_ATTEMPTS"
    assert outcomes["ann@example.com"].details() == outcomes["zed@example.com"].details()


async def test_change_password_keeps_current(api):
    owner = await sign_up(api, "ann")
    other = await _log_in(api, "ann@example.com", PASSWORD)

    await api.auth.ChangePassword(
        auth_pb2.ChangePasswordRequest(current_password=PASSWORD, new_password=NEW_PASSWORD), metadata=owner.metadata
    )

    assert (await _me(api, owner.token)).user.id == owner.user_id
    ended = await rpc_error(_me(api, other.access_token))
    assert ended.code() == grpc.StatusCode.UNAUTHENTICATED
    refresh = await rpc_error(api.auth.RefreshToken(auth_pb2.RefreshTokenRequest(refresh_token=other.refresh_token)))
    assert error_info(refresh).reason == "BAD_REFRESH_TOKEN"
    assert (await _log_in(api, "ann@example.com", NEW_PASSWORD)).access_token
    notice = (await api.mailbox.wait_for("ann@example.com", count=2))[1]
    assert notice["Subject"] == "Your Origin password was changed"


async def test_change_password_wrong_current(api):
    owner = await sign_up(api, "ann")

    error = await rpc_error(
        api.auth.ChangePassword(
            auth_pb2.ChangePasswordRequest(current_password="wrong password", new_password=NEW_PASSWORD),
            metadata=owner.metadata,
        )
    )

    assert error.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(error).reason == "BAD_CREDENTIALS"
    assert (await _log_in(api, "ann@example.com", PASSWORD)).access_token


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"new_password": NEW_PASSWORD}, "current_password"),
        ({"current_password": PASSWORD, "new_password": "short"}, "new_password"),
        ({"current_password": PASSWORD}, "new_password"),
    ],
    ids=repr,
)
async def test_change_password_rejects_bad_field(api, fields, field):
    owner = await sign_up(api, "ann")

    error = await rpc_error(api.auth.ChangePassword(auth_pb2.ChangePasswordRequest(**fields), metadata=owner.metadata))

    assert_invalid(error, field)


async def test_change_email_pending_until_confirmed(api):
    owner = await sign_up(api, "ann")

    await api.auth.ChangeEmail(
        auth_pb2.ChangeEmailRequest(new_email="Ann.New@example.com", password=PASSWORD), metadata=owner.metadata
    )
    token = await api.mailbox.last_link_token("Ann.New@example.com")
    notice = (await api.mailbox.wait_for("ann@example.com", count=2))[1]
    pending = await _me(api, owner.token)
    await api.auth.ConfirmEmailChange(auth_pb2.ConfirmEmailChangeRequest(link_token=token))
    confirmed = await _me(api, owner.token)
    again = await rpc_error(api.auth.ConfirmEmailChange(auth_pb2.ConfirmEmailChangeRequest(link_token=token)))

    assert notice["Subject"] == "Your Origin email address is being changed"
    assert pending.user.email == "ann@example.com"
    assert confirmed.user.email == "Ann.New@example.com"
    assert error_info(again).reason == "BAD_CODE"
    assert (await _log_in(api, "ann.new@example.com", PASSWORD)).access_token
    old = await rpc_error(_log_in(api, "ann@example.com", PASSWORD))
    assert error_info(old).reason == "BAD_CREDENTIALS"


async def test_change_email_taken_sends_no_link(api, db):
    owner = await sign_up(api, "ann")
    await sign_up(api, "bob")
    await _outbox_drained(db)

    await api.auth.ChangeEmail(
        auth_pb2.ChangeEmailRequest(new_email="BOB@example.com", password=PASSWORD), metadata=owner.metadata
    )
    await _outbox_drained(db)

    assert len(api.mailbox.messages("bob@example.com")) == 1
    assert api.mailbox.messages("BOB@example.com") == []
    assert len(api.mailbox.messages("ann@example.com")) == 2


async def test_change_email_needs_second_factor(api):
    owner = await sign_up(api, "ann")
    totp, _ = await _enroll_totp(api, owner)

    missing = await rpc_error(
        api.auth.ChangeEmail(
            auth_pb2.ChangeEmailRequest(new_email="new@example.com", password=PASSWORD), metadata=owner.metadata
        )
    )
    await api.auth.ChangeEmail(
        auth_pb2.ChangeEmailRequest(
            new_email="new@example.com", password=PASSWORD, second_factor_code=totp.at(time.time() + 30)
        ),
        metadata=owner.metadata,
    )

    assert missing.code() == grpc.StatusCode.UNAUTHENTICATED
    assert error_info(missing).reason == "BAD_SECOND_FACTOR"
    assert await api.mailbox.last_link_token("new@example.com")


async def test_change_email_wrong_password(api):
    owner = await sign_up(api, "ann")

    error = await rpc_error(
        api.auth.ChangeEmail(
            auth_pb2.ChangeEmailRequest(new_email="new@example.com", password="wrong password"), metadata=owner.metadata
        )
    )

    assert error_info(error).reason == "BAD_CREDENTIALS"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"password": PASSWORD}, "new_email"),
        ({"new_email": "nope", "password": PASSWORD}, "new_email"),
        ({"new_email": "ANN@example.com", "password": PASSWORD}, "new_email"),
        ({"new_email": "new@example.com"}, "password"),
        ({"new_email": "new@example.com", "password": PASSWORD, "second_factor_code": "1"}, "second_factor_code"),
    ],
    ids=repr,
)
async def test_change_email_rejects_bad_field(api, fields, field):
    owner = await sign_up(api, "ann")

    error = await rpc_error(api.auth.ChangeEmail(auth_pb2.ChangeEmailRequest(**fields), metadata=owner.metadata))

    assert_invalid(error, field)


async def test_confirm_email_change_rejects_empty(api):
    error = await rpc_error(api.auth.ConfirmEmailChange(auth_pb2.ConfirmEmailChangeRequest()))

    assert_invalid(error, "link_token")
