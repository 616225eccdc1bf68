"""Password reset by mail, and changes of password and email address.

A reset link and code work once, for 30 minutes, and are stored hashed (see
codes.py). With a second factor on, a reset also needs a TOTP code or a
recovery code: an email code would prove only the mailbox, which the reset
mail already proves. After a reset every session of the account ends; after
a change of password every session but the current one ends. Either way a
mail notifies the account.
"""

from __future__ import annotations

import uuid
from typing import NoReturn

from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import users as db
from server.db.engine import read, transaction
from server.deps import Deps
from server.domain import accounts, codes, limits, mail, second_factor, security, sessions
from server.domain.callers import Caller
from server.errors import InvalidArgument, Unauthenticated

_BAD_CODE = "the code or link is wrong, expired or already used; request a new reset"
_BAD_SECOND_FACTOR = "a valid second-factor code is required"
_BAD_PASSWORD = "the password is incorrect"


def _check_new_password(value: str) -> str:
    try:
        return accounts.check_password(value)
    except InvalidArgument as error:
        raise InvalidArgument("new_password", error.description) from None


async def do_request_password_reset(deps: Deps, email: str, client_address: str) -> None:
    """Mail a reset link and code to the account with this email; the same reply and work for any other address.

    The lookup uses the email key, which folds ASCII letter case only, so an
    address that differs from a stored one by a Unicode case mapping (the
    dotless i) finds no account, and the mail goes to the stored address.
    Each request counts against the email and the address like a failure,
    which bounds how much reset mail one caller can cause.
    """
    key = accounts.email_key(accounts.check_email(email))
    limit_key = "reset:" + key
    async with accounts.uniform_reply_time(deps):
        limits.check_attempt(deps, limit_key, client_address)
        limits.record_failure(deps, limit_key, client_address)
        async with transaction(deps.engine) as conn:
            row = await db.select_login(conn, key)
            if row is not None:
                code_id = await codes.issue(conn, codes.code_key(deps.jwt_secret), row.id, codes.PASSWORD_RESET)
                await mail.queue(conn, row.id, mail.PASSWORD_RESET, code_id=str(code_id))
            else:
                await mail.queue(conn, None, mail.NO_ACCOUNT)
        mail.notify_queued(deps)


async def do_reset_password(
    deps: Deps,
    link_token: str,
    email: str,
    code: str,
    new_password: str,
    second_factor_code: str,
    client_address: str,
) -> None:
    """Set a new password with a reset link or code (and the second factor when on), then end every session."""
    key = _check_reset_request(link_token, email, code)
    _check_new_password(new_password)
    if second_factor_code:
        second_factor.parse_code("second_factor_code", second_factor_code)
    # A link token has 256 bits, so guessing one needs no per-account limit; the address limit still applies.
    limit_key = "email:" + key if key else None
    limits.check_attempt(deps, limit_key, client_address)
    password_hash = await security.hash_password(new_password)

    async with transaction(deps.engine) as conn:
        match = await _find_reset_code(deps, conn, link_token, key, code)
        outcome = "bad_code"
        if match is not None and match.matched:
            outcome = await _apply_reset(deps, conn, match, password_hash, second_factor_code)

    if outcome != "ok":
        limits.record_failure(deps, limit_key, client_address)
        if outcome == "bad_second_factor":
            raise Unauthenticated(_BAD_SECOND_FACTOR, reason="BAD_SECOND_FACTOR")
        raise Unauthenticated(_BAD_CODE, reason="BAD_CODE")
    deps.sessions.clear()
    mail.notify_queued(deps)


def _check_reset_request(link_token: str, email: str, code: str) -> str | None:
    """Validate the field combination; return the email key for the code form, None for a link."""
    if link_token:
        if email or code:
            raise InvalidArgument("link_token", "set either link_token alone or email with code")
        return None
    if not email:
        raise InvalidArgument("email", "required with code, unless link_token is set")
    key = accounts.email_key(accounts.check_email(email))
    accounts.check_code_format("code", code)
    return key


async def _find_reset_code(deps: Deps, conn: AsyncConnection, link_token: str, key: str | None, code: str):
    if key is None:
        return await codes.find_link(conn, codes.PASSWORD_RESET, link_token)
    row = await db.select_login(conn, key)
    if row is None:
        return None
    return await codes.find(conn, codes.code_key(deps.jwt_secret), row.id, codes.PASSWORD_RESET, code)


async def _apply_reset(deps: Deps, conn: AsyncConnection, match: codes.CodeMatch, password_hash: str, factor_code: str) -> str:
    """Check the second factor, then spend the code, store the password and end the sessions.

    Returns "ok" or "bad_second_factor"; in the second case the reset code
    stays open, so the user can retry with the right second-factor code.
    """
    factor = await second_factor.confirmed_factor(conn, match.user_id, lock=True)
    if factor is not None:
        if not factor_code or not await second_factor.verify_code(deps, conn, factor, factor_code, email=False):
            return "bad_second_factor"

    await codes.spend(conn, match.id)
    await db.update_password(conn, match.user_id, password_hash)
    # The link or code reached the stored address, which proves it.
    await db.mark_email_verified(conn, match.user_id)
    await sessions.end_all_sessions(deps, conn, match.user_id, "password_reset")
    await mail.queue(conn, match.user_id, mail.PASSWORD_CHANGED)
    return "ok"


async def check_current_password(deps: Deps, user_id: uuid.UUID, password: str, field: str, client_address: str):
    """Raise unless `password` is the user's, counting failures against the same limits as log-in."""
    if not password:
        raise InvalidArgument(field, "required")
    limit_key = second_factor.user_limit_key(user_id)
    limits.check_attempt(deps, limit_key, client_address)
    async with read(deps.engine) as conn:
        row = await db.select_login_by_id(conn, user_id)
    ok = await security.verify_password(row.password_hash if row else None, password)
    if row is None or not ok:
        limits.record_failure(deps, limit_key, client_address)
        raise Unauthenticated(_BAD_PASSWORD, reason="BAD_CREDENTIALS")
    return row


async def do_change_password(
    deps: Deps, caller: Caller, current_password: str, new_password: str, client_address: str
) -> None:
    """Replace the password after checking the current one, end every other session and notify the account by mail."""
    user_id = caller.require_user()
    _check_new_password(new_password)
    await check_current_password(deps, user_id, current_password, "current_password", client_address)
    password_hash = await security.hash_password(new_password)

    async with transaction(deps.engine) as conn:
        await db.update_password(conn, user_id, password_hash)
        await sessions.end_all_sessions(deps, conn, user_id, "password_changed", keep_id=caller.session_id)
        await mail.queue(conn, user_id, mail.PASSWORD_CHANGED)
    deps.sessions.clear()
    mail.notify_queued(deps)


async def do_change_email(
    deps: Deps, caller: Caller, new_email: str, password: str, factor_code: str, client_address: str
) -> None:
    """Start an email change: a confirmation link to the new address, a notice to the current one.

    When another account already has the new address, no link is sent (that
    address's owner already has an account) and the reply is the same.
    """
    user_id = caller.require_user()
    try:
        new_email = accounts.check_email(new_email)
    except InvalidArgument as error:
        raise InvalidArgument("new_email", error.description) from None
    if factor_code:
        second_factor.parse_code("second_factor_code", factor_code)
    login = await check_current_password(deps, user_id, password, "password", client_address)
    new_key = accounts.email_key(new_email)
    if new_key == login.email_key:
        raise InvalidArgument("new_email", "must differ from the account's current address")

    async with transaction(deps.engine) as conn:
        factor = await second_factor.confirmed_factor(conn, user_id, lock=True)
        ok = factor is None or (
            bool(factor_code) and await second_factor.verify_code(deps, conn, factor, factor_code)
        )
        if ok:
            await _queue_email_change(deps, conn, user_id, new_email, new_key)
    if not ok:
        reject_second_factor(deps, user_id, client_address)
    mail.notify_queued(deps)


def reject_second_factor(deps: Deps, user_id: uuid.UUID, client_address: str) -> NoReturn:
    """Count a missing or wrong second-factor code against the limits and raise UNAUTHENTICATED."""
    limits.record_failure(deps, second_factor.user_limit_key(user_id), client_address)
    raise Unauthenticated(_BAD_SECOND_FACTOR, reason="BAD_SECOND_FACTOR")


async def _queue_email_change(deps: Deps, conn: AsyncConnection, user_id: uuid.UUID, new_email: str, new_key: str):
    if await db.select_login(conn, new_key) is None:
        key = codes.code_key(deps.jwt_secret)
        code_id = await codes.issue(conn, key, user_id, codes.CHANGE_EMAIL, detail=new_email)
        await mail.queue(conn, user_id, mail.CHANGE_EMAIL_CONFIRM, code_id=str(code_id))
    else:
        await mail.queue(conn, None, mail.NO_ACCOUNT)
    await mail.queue(conn, user_id, mail.CHANGE_EMAIL_NOTICE)


async def do_confirm_email_change(deps: Deps, link_token: str) -> None:
    """Move the account to the address the link was sent to, which the link proves."""
    if not link_token:
        raise InvalidArgument("link_token", "required")
    async with transaction(deps.engine) as conn:
        match = await codes.spend_link(conn, codes.CHANGE_EMAIL, link_token)
        if match is not None:
            await db.update_email(conn, match.user_id, match.detail, accounts.email_key(match.detail))
    if match is None:
        raise Unauthenticated("the link is wrong, expired or already used", reason="BAD_CODE")
