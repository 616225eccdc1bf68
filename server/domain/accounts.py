"""Accounts: sign-up, log-in and profiles."""

from __future__ import annotations

import dataclasses
import datetime
import re
import unicodedata
import uuid

from server.db import users as db
from server.db.engine import read, transaction
from server.deps import Deps
from server.domain import security, validate
from server.domain.callers import Caller
from server.errors import InvalidArgument, NotFound, Unauthenticated

# One "@", no spaces, a dot in the domain; deliverability is for the
# verification mail to prove.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$")
_BAD_LOGIN = "the email or password is incorrect"


@dataclasses.dataclass(frozen=True)
class UserRecord:
    id: uuid.UUID
    email: str
    screen_name: str
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


async def check_create_user(deps: Deps, email: str, password: str, screen_name: str) -> UserRecord:
    """Validate and create an account. Raises AlreadyExists for a taken email or screen name."""
    email = check_email(email)
    check_password(password)
    screen_name = validate.text("screen_name", screen_name, min_length=3, max_length=32)

    password_hash = await security.hash_password(password)
    async with transaction(deps.engine) as conn:
        user_id = await db.insert_user(
            conn,
            email=email,
            email_key=email_key(email),
            password_hash=password_hash,
            screen_name=screen_name,
            screen_name_key=screen_name_key(screen_name),
        )
        row = await db.select_user(conn, user_id)
    return UserRecord(**row._mapping)


async def do_create_token(deps: Deps, email: str, password: str) -> security.AccessToken:
    """Check an email and password and issue an access token."""
    if not email:
        raise InvalidArgument("email", "required")
    if not password:
        raise InvalidArgument("password", "required")

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

    settings = deps.settings
    return security.issue_access_token(deps.jwt_secret, settings.jwt_issuer, row.id, settings.access_token_seconds)


async def get_current_user(deps: Deps, caller: Caller, read_time: datetime.datetime | None) -> UserRecord:
    user_id = caller.require_user()
    async with read(deps.engine) as conn:
        row = await db.select_user(conn, user_id, read_time)
    if row is None:
        raise NotFound("the account does not exist" + (" at read_time" if read_time else ""), reason="USER_NOT_FOUND")
    return UserRecord(**row._mapping)
