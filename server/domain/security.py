"""Password hashing, access tokens and device tokens.

argon2-cffi does Argon2id with the RFC 9106 low-memory profile; pyjwt signs
and checks access tokens. Hashing runs in a worker thread (asyncio.to_thread)
so the event loop does not wait for it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import hashlib
import hmac
import pathlib
import secrets
import uuid

import argon2
import jwt

from server.errors import Unauthenticated

_hasher = argon2.PasswordHasher()
# Compared against when no account matches, so a wrong email costs the same
# time as a wrong password.
_DUMMY_HASH = _hasher.hash("origin-dummy-password")

ACCESS_TOKEN_TYPE = "access"
JWT_ALGORITHM = "HS256"
JWT_AUDIENCE = "origin-api"
DEVICE_TOKEN_PREFIX = "origin_dev_"
_BAD_ACCESS_TOKEN = "the access token is invalid or expired"


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash, spend the same time and return False."""
    return await asyncio.to_thread(_verify, password_hash, password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (argon2.exceptions.VerificationError, argon2.exceptions.InvalidHashError):
        return False


@dataclasses.dataclass(frozen=True)
class AccessToken:
    token: str
    expire_time: datetime.datetime
    lifetime_seconds: int


@dataclasses.dataclass(frozen=True)
class AccessClaims:
    """What a valid access token proves: the user and, for tokens from a session, the session."""

    user_id: uuid.UUID
    session_id: uuid.UUID | None


def issue_access_token(
    secret: str, issuer: str, user_id: uuid.UUID, lifetime_seconds: int, session_id: uuid.UUID | None = None
) -> AccessToken:
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    expire = now + datetime.timedelta(seconds=lifetime_seconds)
    claims = {
        "iss": issuer,
        "aud": JWT_AUDIENCE,
        "sub": str(user_id),
        "iat": now,
        "exp": expire,
        "typ": ACCESS_TOKEN_TYPE,
        "jti": secrets.token_urlsafe(12),
    }
    if session_id is not None:
        claims["sid"] = str(session_id)
    return AccessToken(jwt.encode(claims, secret, algorithm=JWT_ALGORITHM), expire, lifetime_seconds)


def check_access_token(secret: str, issuer: str, token: str) -> AccessClaims:
    """Return the claims of a valid access token; raise Unauthenticated otherwise.

    One algorithm only, every registered claim required, the issuer compared
    exactly (pyjwt compares strings with ==), and the `typ` claim must be
    "access" so no other kind of token passes. A token without `sid` belongs
    to no session; the interceptor rejects such tokens.
    """
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[JWT_ALGORITHM],
            audience=JWT_AUDIENCE,
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"], "strict_aud": True},
        )
        if claims.get("typ") != ACCESS_TOKEN_TYPE:
            raise Unauthenticated(_BAD_ACCESS_TOKEN)
        session_id = uuid.UUID(claims["sid"]) if "sid" in claims else None
        return AccessClaims(uuid.UUID(claims["sub"]), session_id)
    except (jwt.InvalidTokenError, ValueError, TypeError, AttributeError):
        raise Unauthenticated(_BAD_ACCESS_TOKEN) from None


def new_device_token() -> tuple[str, bytes, str]:
    """Return (token, its SHA-256, its display prefix). 256 random bits."""
    token = DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return token, hash_device_token(token), token[: len(DEVICE_TOKEN_PREFIX) + 6]


def hash_device_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def same_digest(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def load_or_create_jwt_secret(configured: str | None, data_dir: pathlib.Path) -> str:
    """Return the configured secret, else one kept in data_dir/jwt-secret (created once, mode 0600)."""
    if configured:
        return configured
    path = data_dir / "jwt-secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(secret)
    return secret
