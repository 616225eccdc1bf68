"""One-time codes and links sent by mail: email verification, password reset,
email change and the email second factor.

A code's ID is 128 random bits. The 6-digit code and the link token are
derived from that ID with a key that only the server holds (HMAC-SHA256 under
a key derived from the JWT secret), so the mail sender can put them in a
message later, while the database keeps only the ID and keyed hashes: neither
a database dump nor the outbox yields a usable code.

NOTE: the key comes from the JWT secret, so changing ORIGIN_JWT_SECRET makes
every open code and link unusable (users ask for a new one).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import hmac
import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import codes as db

VERIFY_EMAIL = "verify_email"
PASSWORD_RESET = "password_reset"
CHANGE_EMAIL = "change_email"
SECOND_FACTOR = "second_factor"

# Seconds each kind stays valid.
LIFETIMES = {VERIFY_EMAIL: 600, SECOND_FACTOR: 600, PASSWORD_RESET: 1800, CHANGE_EMAIL: 1800}
# Wrong codes allowed before the code is spent; a new one must then be requested.
MAX_FAILED_ATTEMPTS = 5
CODE_DIGITS = 6


@dataclasses.dataclass(frozen=True)
class CodeMatch:
    """The open code a check found, with whether the offered code matched it."""

    id: uuid.UUID
    user_id: uuid.UUID
    detail: str | None
    matched: bool


def code_key(jwt_secret: str) -> bytes:
    """Derive the key of codes and links, separate from the JWT signing key."""
    return hmac.new(jwt_secret.encode(), b"origin account codes v1", hashlib.sha256).digest()


def derive_code(key: bytes, code_id: uuid.UUID) -> str:
    digest = hmac.new(key, b"code:" + code_id.bytes, hashlib.sha256).digest()
    # A 256-bit number modulo 10^6 has a bias far below one in 10^70.
    return f"{int.from_bytes(digest, 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


def derive_link_token(key: bytes, code_id: uuid.UUID) -> str:
    digest = hmac.new(key, b"link:" + code_id.bytes, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_code(key: bytes, purpose: str, user_id: uuid.UUID, code: str) -> bytes:
    """Keyed, so the million possible codes cannot be tried against a leaked hash."""
    message = f"{purpose}:{user_id}:{code}".encode()
    return hmac.new(key, message, hashlib.sha256).digest()


def hash_link_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def issue(
    conn: AsyncConnection, key: bytes, user_id: uuid.UUID, purpose: str, detail: str | None = None
) -> uuid.UUID:
    """Store a new code for one account and purpose, spending the earlier ones. Returns its ID.

    The caller's transaction must also queue the mail that carries it.
    """
    code_id = uuid.uuid4()
    await db.spend_open_codes(conn, user_id, purpose)
    await db.insert_code(
        conn,
        id=code_id,
        user_id=user_id,
        purpose=purpose,
        code_hash=hash_code(key, purpose, user_id, derive_code(key, code_id)),
        link_hash=hash_link_token(derive_link_token(key, code_id)),
        detail=detail,
        lifetime_seconds=LIFETIMES[purpose],
    )
    return code_id


async def check(conn: AsyncConnection, key: bytes, user_id: uuid.UUID, purpose: str, code: str) -> CodeMatch | None:
    """Compare a code with the account's open one and spend it on a match.

    A wrong code counts an attempt; the caller must commit before raising, so
    the count sticks. Returns None when no open, unexpired code exists.
    """
    match = await find(conn, key, user_id, purpose, code)
    if match is not None and match.matched:
        await db.spend_code(conn, match.id)
    return match


async def find(conn: AsyncConnection, key: bytes, user_id: uuid.UUID, purpose: str, code: str) -> CodeMatch | None:
    """Compare a code with the account's open one, locked, without spending it on a match.

    Flows that check more before the code counts as used, such as a
    password reset that also needs the second factor, call `spend` once all
    checks pass. A wrong code counts an attempt, as in `check`.
    """
    row = await db.select_open_code(conn, user_id, purpose)
    if row is None or not row.live:
        return None
    matched = hmac.compare_digest(row.code_hash, hash_code(key, purpose, user_id, code))
    if not matched:
        await db.fail_code(conn, row.id, MAX_FAILED_ATTEMPTS)
    return CodeMatch(row.id, row.user_id, row.detail, matched)


async def find_link(conn: AsyncConnection, purpose: str, token: str) -> CodeMatch | None:
    """Return the open, unexpired code behind a link token, locked, without spending it."""
    row = await db.select_code_by_link(conn, purpose, hash_link_token(token))
    if row is None:
        return None
    return CodeMatch(row.id, row.user_id, row.detail, True)


async def spend(conn: AsyncConnection, code_id: uuid.UUID) -> None:
    await db.spend_code(conn, code_id)


async def spend_link(conn: AsyncConnection, purpose: str, token: str) -> CodeMatch | None:
    """Spend the open, unexpired code behind a link token; None when there is none."""
    match = await find_link(conn, purpose, token)
    if match is not None:
        await db.spend_code(conn, match.id)
    return match
