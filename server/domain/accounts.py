"""Accounts: sign-up, log-in and profiles."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import re
import time
import unicodedata
import uuid

from server.db import users as db
from server.db.engine import read, transaction
from server.deps import Deps
from server.domain import codes, limits, mail, screen_names, second_factor, security, sessions, validate
from server.domain.callers import Caller
from server.errors import AlreadyExists, InvalidArgument, NotFound, Unauthenticated

# One "@", no spaces, a dot in the domain; deliverability is for the
# verification mail to prove.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_BAD_LOGIN = "the email or password is incorrect"
_BAD_CODE = "the code or link is wrong, expired or already used; request a new code"
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")


@dataclasses.dataclass(frozen=True)
class UserRecord:
    id: uuid.UUID
    email: str
    screen_name: str
    email_verified: bool
    create_time: datetime.datetime | None


def email_key(email: str) -> str:
    """Lower-case ASCII letters only: Unicode case mapping (the Turkish dotless i,
    the Kelvin sign) must never make two different addresses one key."""
    return email.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def screen_name_key(name: str) -> str:
    """NFKC case fold, applied until stable so the key of a key is itself."""
    key = unicodedata.normalize("NFKC", name.casefold())
    while True:
        again = unicodedata.normalize("NFKC", key.casefold())
        if again == key:
            return key
        key = again


def check_email(value: str) -> str:
    email = unicodedata.normalize("NFC", value.strip())
    if not email:
        raise InvalidArgument("email", "required")
    if len(email) > 254 or not _EMAIL.match(email):
        raise InvalidArgument("email", "must be an address like name@example.com, at most 254 characters")
    validate.printable("email", email)
    return email


def check_password(value: str) -> str:
    if not 10 <= len(value) <= 128:
        raise InvalidArgument("password", "must be 10 to 128 characters")
    return value


def check_phone_number(value: str) -> str | None:
    """Return an E.164 number (a "+", then 2 to 15 digits, no leading zero), or None when empty."""
    if value == "":
        return None
    if not _E164.fullmatch(value):
        raise InvalidArgument("phone_number", "must be in E.164 form, such as +4930123456")
    return value


@contextlib.asynccontextmanager
async def uniform_reply_time(deps: Deps):
    """Pad the block to at least settings.account_reply_seconds, whether it returns or raises.

    Sign-up, log-in and reset do different work when an account exists; the
    padding keeps their timing from showing that, as long as the work fits
    in the padded time.
    """
    deadline = time.monotonic() + deps.settings.account_reply_seconds
    try:
        yield
    finally:
        remaining = deadline - time.monotonic()
        if remaining > 0:
            await asyncio.sleep(remaining)


async def check_create_user(
    deps: Deps, email: str, password: str, screen_name: str, phone_number: str = ""
) -> UserRecord:
    """Validate and create an unverified account, then mail it a verification code.

    For an email that already has an account nothing is created: the reply
    looks the same, and the owner of the address is told by mail instead.
    Raises AlreadyExists for a taken screen name, checked first so that
    error never depends on the email.
    """
    email = check_email(email)
    check_password(password)
    screen_name = validate.text("screen_name", screen_name, min_length=3, max_length=32)
    phone_number = check_phone_number(phone_number)

    async with uniform_reply_time(deps):
        password_hash = await security.hash_password(password)
        async with transaction(deps.engine) as conn:
            # Taken also when it only looks like another name (the UTS #39 skeleton).
            await screen_names.check_free(conn, screen_name_key(screen_name))
            record = await _insert_or_notify(deps, conn, email, password_hash, screen_name, phone_number)
            await screen_names.store_skeleton(conn, record.id, screen_name_key(screen_name))
        mail.notify_queued(deps)
    return record


async def _insert_or_notify(deps: Deps, conn, email, password_hash, screen_name, phone_number) -> UserRecord:
    key = email_key(email)
    user_id = await db.insert_user(
        conn,
        email=email,
        email_key=key,
        password_hash=password_hash,
        screen_name=screen_name,
        screen_name_key=screen_name_key(screen_name),
        phone_number=phone_number,
    )
    if user_id is None:
        existing = await db.select_login(conn, key)
        await mail.queue(conn, existing.id, mail.SIGN_UP_EXISTING)
        # A profile that belongs to no account, shaped like a new one.
        now = datetime.datetime.now(datetime.timezone.utc)
        return UserRecord(uuid.uuid4(), email, screen_name, False, now)

    code_id = await codes.issue(conn, codes.code_key(deps.jwt_secret), user_id, codes.VERIFY_EMAIL)
    await mail.queue(conn, user_id, mail.VERIFY_EMAIL, code_id=str(code_id))
    return UserRecord(**(await db.select_user(conn, user_id))._mapping)


async def do_send_verification_code(deps: Deps, email: str) -> None:
    """Mail a new code to an unverified account; the same reply and database work for any other address."""
    key = email_key(check_email(email))
    async with uniform_reply_time(deps):
        async with transaction(deps.engine) as conn:
            row = await db.select_login(conn, key)
            if row is not None and not row.email_verified:
                code_id = await codes.issue(conn, codes.code_key(deps.jwt_secret), row.id, codes.VERIFY_EMAIL)
                await mail.queue(conn, row.id, mail.VERIFY_EMAIL, code_id=str(code_id))
            else:
                await mail.queue(conn, None, mail.NO_ACCOUNT)
        mail.notify_queued(deps)


async def do_verify_email(deps: Deps, email: str, code: str, link_token: str) -> None:
    """Mark an account verified with its mailed code (and email) or its link token."""
    if link_token:
        if email or code:
            raise InvalidArgument("link_token", "set either link_token alone or email with code")
        async with transaction(deps.engine) as conn:
            match = await codes.spend_link(conn, codes.VERIFY_EMAIL, link_token)
            if match is not None:
                await db.mark_email_verified(conn, match.user_id)
    else:
        match = await _check_verification_code(deps, email, code)
    if match is None or not match.matched:
        raise Unauthenticated(_BAD_CODE, reason="BAD_CODE")


async def _check_verification_code(deps: Deps, email: str, code: str) -> codes.CodeMatch | None:
    key = email_key(check_email(email))
    check_code_format("code", code)
    async with transaction(deps.engine) as conn:
        row = await db.select_login(conn, key)
        if row is None:
            return None
        match = await codes.check(conn, codes.code_key(deps.jwt_secret), row.id, codes.VERIFY_EMAIL, code)
        if match is not None and match.matched:
            await db.mark_email_verified(conn, row.id)
    return match


def check_code_format(field: str, code: str) -> str:
    if not code:
        raise InvalidArgument(field, "required")
    if not (len(code) == codes.CODE_DIGITS and code.isascii() and code.isdigit()):
        raise InvalidArgument(field, f"must be {codes.CODE_DIGITS} digits")
    return code


async def do_create_token(
    deps: Deps, email: str, password: str, client_address: str
) -> sessions.Tokens | second_factor.Challenge:
    """Check an email and password, then start a session, or a challenge when a second factor is on.

    Failures count per email and per client address, whether or not the
    email has an account, so the lockout shows nothing about who has one.
    """
    if not email:
        raise InvalidArgument("email", "required")
    if not password:
        raise InvalidArgument("password", "required")
    limit_key = "email:" + email_key(email.strip())

    async with uniform_reply_time(deps):
        limits.check_attempt(deps, limit_key, client_address)
        try:
            row = await _check_password(deps, email, password)
        except Unauthenticated:
            limits.record_failure(deps, limit_key, client_address)
            raise
        limits.record_success(deps, limit_key)

        async with transaction(deps.engine) as conn:
            factor = await second_factor.confirmed_factor(conn, row.id)
            if factor is None:
                return await sessions.do_start_session(deps, conn, row.id, client_address)
            challenge = await second_factor.start_challenge(deps, conn, factor)
        mail.notify_queued(deps)
        return challenge


async def _check_password(deps: Deps, email: str, password: str):
    """Return the login row of a matching account; raise Unauthenticated otherwise."""
    try:
        key = email_key(check_email(email))
    except InvalidArgument:
        # Sign-up rejects such an address, so no account has it. Some of them
        # (with NUL) cannot even be sent to PostgreSQL, so the lookup is skipped.
        key = None
    row = None
    if key is not None:
        async with read(deps.engine) as conn:
            row = await db.select_login(conn, key)
    # The hash check runs whether or not the account exists, so the reply
    # takes the same time either way.
    ok = await security.verify_password(row.password_hash if row else None, password)
    if row is None or not ok:
        raise Unauthenticated(_BAD_LOGIN, reason="BAD_CREDENTIALS")
    return row


async def get_current_user(deps: Deps, caller: Caller, read_time: datetime.datetime | None) -> UserRecord:
    user_id = caller.require_user()
    async with read(deps.engine) as conn:
        row = await db.select_user(conn, user_id, read_time)
    if row is None:
        raise NotFound("the account does not exist" + (" at read_time" if read_time else ""), reason="USER_NOT_FOUND")
    return UserRecord(**row._mapping)
