"""Second factors: TOTP and email codes, recovery codes, and the log-in challenge.

TOTP follows RFC 6238 with the parameters authenticator apps expect (SHA-1,
6 digits, 30-second steps). A code is checked against the server's clock,
one step early or late allowed for clock drift. Each account stores the last
step it accepted, and a conditional UPDATE lets the database accept a step
only when it is later, so a code (or any earlier one) works once even when
two calls race.

Email codes are weaker: anyone who reads the mailbox also receives password
resets, so the two factors are not independent.

NOTE: the TOTP secret is not stored in the database. It is derived from the
factor row's random ID with HMAC-SHA256 under a key derived from the JWT
secret, returned once at enrolment and never logged, so a database dump or
its history tables yield no secret. Changing ORIGIN_JWT_SECRET therefore
changes every secret: enrolled authenticators then produce wrong codes, and
their users sign in with a recovery code and enrol again.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import hmac
import secrets
import time
import uuid

import pyotp
from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import second_factor as db
from server.db import users as users_db
from server.db.engine import read, transaction
from server.deps import Deps
from server.domain import codes, limits, mail, security, sessions
from server.domain.callers import Caller
from server.errors import FailedPrecondition, InvalidArgument, Unauthenticated

TOTP = "totp"
EMAIL = "email"
RECOVERY_CODE = "recovery_code"
METHODS = (TOTP, EMAIL)

TOTP_DIGITS = 6
TOTP_STEP_SECONDS = 30
# Steps accepted on either side of the server's current step.
TOTP_DRIFT_STEPS = 1
TOTP_ISSUER = "Origin"
RECOVERY_CODE_COUNT = 10
# Recovery codes are 10 letters and digits from this alphabet (no 0/o, 1/l/i):
# 10 * log2(31) is about 49 bits, shown as "abcde-fghjk".
_RECOVERY_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
_RECOVERY_LENGTH = 10

CHALLENGE_PREFIX = "origin_sc_"
CHALLENGE_SECONDS = 300
# Wrong codes allowed per challenge before it is used up.
MAX_CHALLENGE_FAILURES = 5

_BAD_CODE = "the code is wrong or was already used"
_BAD_CHALLENGE = "the sign-in challenge is invalid, expired or already used; sign in again"
_BAD_PASSWORD = "the password is incorrect"


@dataclasses.dataclass(frozen=True)
class Enrolment:
    """The values enrolment returns once: the TOTP secret and URI (empty for email) and the recovery codes."""

    totp_secret: str
    totp_uri: str
    recovery_codes: list[str]


@dataclasses.dataclass(frozen=True)
class Challenge:
    """A log-in waiting for its second factor."""

    token: str
    methods: tuple[str, ...]
    expire_time: datetime.datetime


def _factor_key(jwt_secret: str) -> bytes:
    return hmac.new(jwt_secret.encode(), b"origin second factors v1", hashlib.sha256).digest()


def totp_secret(jwt_secret: str, factor_id: uuid.UUID) -> str:
    """Derive the base32 TOTP secret of a factor: 160 bits, the size RFC 4226 recommends."""
    digest = hmac.new(_factor_key(jwt_secret), b"totp:" + factor_id.bytes, hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def matching_step(secret: str, code: str, now: float) -> int | None:
    """Return the time step within the drift window whose code equals `code`, or None."""
    totp = pyotp.TOTP(secret, digits=TOTP_DIGITS, interval=TOTP_STEP_SECONDS)
    current = totp.timecode(now)
    for step in range(current - TOTP_DRIFT_STEPS, current + TOTP_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_code() -> str:
    letters = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
    return f"{letters[:5]}-{letters[5:]}"


def hash_recovery_code(jwt_secret: str, factor_id: uuid.UUID, normalized: str) -> bytes:
    """Keyed, so the codes cannot be searched for offline in a database dump."""
    message = b"recovery:" + factor_id.bytes + normalized.encode()
    return hmac.new(_factor_key(jwt_secret), message, hashlib.sha256).digest()


def parse_code(field: str, code: str) -> tuple[str, str]:
    """Return ("digits", code) for a 6-digit code or (RECOVERY_CODE, normalized) for a recovery code.

    Recovery codes are compared without regard to case, spaces or dashes.
    """
    if not code:
        raise InvalidArgument(field, "required")
    if len(code) == TOTP_DIGITS and code.isascii() and code.isdigit():
        return "digits", code
    normalized = code.strip().lower().replace("-", "").replace(" ", "")
    if len(normalized) == _RECOVERY_LENGTH and all(c in _RECOVERY_ALPHABET for c in normalized):
        return RECOVERY_CODE, normalized
    raise InvalidArgument(field, f"must be {TOTP_DIGITS} digits or a recovery code like abcde-fghjk")


def check_method(value: str) -> str:
    if value not in METHODS:
        raise InvalidArgument("method", "must be SECOND_FACTOR_METHOD_TOTP or SECOND_FACTOR_METHOD_EMAIL")
    return value


def allowed_methods(factor) -> tuple[str, ...]:
    return (factor.method, RECOVERY_CODE)


def user_limit_key(user_id: uuid.UUID) -> str:
    return f"user:{user_id}"


async def verify_code(
    deps: Deps, conn: AsyncConnection, factor, code: str, *, recovery: bool = True, email: bool = True
) -> bool:
    """Check a second-factor code and use it up on a match.

    Precondition: a transaction is open. A wrong email code counts an attempt
    on it, so the caller must commit before raising. `recovery` and `email`
    select whether recovery codes and email codes are accepted.
    """
    kind, value = parse_code("code", code)
    if kind == RECOVERY_CODE:
        if not recovery:
            return False
        return await db.spend_recovery_code(conn, factor.id, hash_recovery_code(deps.jwt_secret, factor.id, value))
    if factor.method == TOTP:
        step = matching_step(totp_secret(deps.jwt_secret, factor.id), value, time.time())
        return step is not None and await db.advance_step(conn, factor.id, step)
    if not email:
        return False
    match = await codes.check(conn, codes.code_key(deps.jwt_secret), factor.user_id, codes.SECOND_FACTOR, value)
    return match is not None and match.matched


async def _check_password(deps: Deps, user_id: uuid.UUID, password: str, client_address: str):
    """Return the user's login row when the password matches; count a failure and raise otherwise."""
    if not password:
        raise InvalidArgument("password", "required")
    key = user_limit_key(user_id)
    limits.check_attempt(deps, key, client_address)
    async with read(deps.engine) as conn:
        row = await users_db.select_login_by_id(conn, user_id)
    ok = await security.verify_password(row.password_hash if row else None, password)
    if row is None or not ok:
        limits.record_failure(deps, key, client_address)
        raise Unauthenticated(_BAD_PASSWORD, reason="BAD_CREDENTIALS")
    return row


async def do_enroll(deps: Deps, caller: Caller, method: str, password: str, client_address: str) -> Enrolment:
    """Store a pending second factor with new recovery codes; for email, mail its first code."""
    user_id = caller.require_user()
    method = check_method(method)
    login = await _check_password(deps, user_id, password, client_address)
    if method == EMAIL and not login.email_verified:
        raise FailedPrecondition("verify your email address before using it as a second factor", reason="EMAIL_NOT_VERIFIED")

    factor_id = uuid.uuid4()
    recovery_codes = [new_recovery_code() for _ in range(RECOVERY_CODE_COUNT)]
    hashes = [hash_recovery_code(deps.jwt_secret, factor_id, c.replace("-", "")) for c in recovery_codes]
    async with transaction(deps.engine) as conn:
        existing = await db.select_factor(conn, user_id)
        if existing is not None and existing.confirmed:
            raise FailedPrecondition("a second factor is already on; disable it first", reason="SECOND_FACTOR_ON")
        if existing is not None:
            await db.delete_factor(conn, existing.id)
        await db.insert_factor(conn, factor_id, user_id, method)
        await db.insert_recovery_codes(conn, factor_id, hashes)
        if method == EMAIL:
            await _queue_email_code(deps, conn, user_id)
    mail.notify_queued(deps)

    if method == EMAIL:
        return Enrolment("", "", recovery_codes)
    secret = totp_secret(deps.jwt_secret, factor_id)
    uri = pyotp.TOTP(secret).provisioning_uri(name=login.email, issuer_name=TOTP_ISSUER)
    return Enrolment(secret, uri, recovery_codes)


async def _queue_email_code(deps: Deps, conn: AsyncConnection, user_id: uuid.UUID) -> None:
    code_id = await codes.issue(conn, codes.code_key(deps.jwt_secret), user_id, codes.SECOND_FACTOR)
    await mail.queue(conn, user_id, mail.SECOND_FACTOR_CODE, code_id=str(code_id))


async def do_confirm(deps: Deps, caller: Caller, code: str, client_address: str) -> None:
    """Turn the pending second factor on with a first code from it (not a recovery code)."""
    user_id = caller.require_user()
    kind, _ = parse_code("code", code)
    if kind == RECOVERY_CODE:
        raise InvalidArgument("code", f"must be {TOTP_DIGITS} digits from the new second factor")
    key = user_limit_key(user_id)
    limits.check_attempt(deps, key, client_address)

    async with transaction(deps.engine) as conn:
        factor = await db.select_factor(conn, user_id)
        if factor is None or factor.confirmed:
            raise FailedPrecondition("no second factor awaits confirmation", reason="NO_PENDING_SECOND_FACTOR")
        ok = await verify_code(deps, conn, factor, code, recovery=False)
        if ok:
            await db.confirm_factor(conn, factor.id)
    _settle(deps, key, client_address, ok)


async def do_disable(deps: Deps, caller: Caller, password: str, code: str, client_address: str) -> None:
    """Turn the second factor off, given the password and a code from it or a recovery code."""
    user_id = caller.require_user()
    parse_code("code", code)
    await _check_password(deps, user_id, password, client_address)
    key = user_limit_key(user_id)

    async with transaction(deps.engine) as conn:
        factor = await db.select_factor(conn, user_id)
        if factor is None or not factor.confirmed:
            raise FailedPrecondition("no second factor is on", reason="NO_SECOND_FACTOR")
        ok = await verify_code(deps, conn, factor, code)
        if ok:
            await db.delete_factor(conn, factor.id)
    _settle(deps, key, client_address, ok)


async def do_send_code(deps: Deps, caller: Caller) -> None:
    """Mail a new code to a user whose second factor (confirmed or pending) is the email method."""
    user_id = caller.require_user()
    async with transaction(deps.engine) as conn:
        factor = await db.select_factor(conn, user_id)
        if factor is None or factor.method != EMAIL:
            raise FailedPrecondition("the account has no email second factor", reason="NO_SECOND_FACTOR")
        await _queue_email_code(deps, conn, user_id)
    mail.notify_queued(deps)


def _settle(deps: Deps, key: str, client_address: str, ok: bool) -> None:
    """After the transaction committed: count a failure and raise, or clear the account's count."""
    if not ok:
        limits.record_failure(deps, key, client_address)
        raise Unauthenticated(_BAD_CODE, reason="BAD_CODE")
    limits.record_success(deps, key)


async def confirmed_factor(conn: AsyncConnection, user_id: uuid.UUID, *, lock: bool = False):
    """Return the account's second factor when it is on, else None."""
    factor = await db.select_factor(conn, user_id, lock=lock)
    return factor if factor is not None and factor.confirmed else None


def hash_challenge(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def start_challenge(deps: Deps, conn: AsyncConnection, factor) -> Challenge:
    """Store a challenge for a log-in whose password matched; for email, mail a code.

    Precondition: a transaction is open; call mail.notify_queued after commit.
    """
    token = CHALLENGE_PREFIX + secrets.token_urlsafe(32)
    expire_time = await db.insert_challenge(conn, factor.user_id, hash_challenge(token), CHALLENGE_SECONDS)
    if factor.method == EMAIL:
        await _queue_email_code(deps, conn, factor.user_id)
    return Challenge(token, allowed_methods(factor), expire_time)


async def do_complete_sign_in(deps: Deps, challenge: str, code: str, client_address: str) -> sessions.Tokens:
    """Exchange a challenge and a second-factor code for a new session's tokens."""
    if not challenge:
        raise InvalidArgument("challenge", "required")
    parse_code("code", code)
    deps.address_failures.check(client_address)

    tokens = None
    async with transaction(deps.engine) as conn:
        row = await db.select_challenge(conn, hash_challenge(challenge))
        factor = await confirmed_factor(conn, row.user_id) if row is not None else None
        if factor is not None:
            deps.account_failures.check(user_limit_key(row.user_id))
            if await verify_code(deps, conn, factor, code):
                await db.spend_challenge(conn, row.id)
                tokens = await sessions.do_start_session(deps, conn, row.user_id, client_address)
            else:
                await db.fail_challenge(conn, row.id, MAX_CHALLENGE_FAILURES)

    if factor is None:
        deps.address_failures.record_failure(client_address)
        raise Unauthenticated(_BAD_CHALLENGE, reason="BAD_CHALLENGE")
    _settle(deps, user_limit_key(row.user_id), client_address, tokens is not None)
    return tokens
