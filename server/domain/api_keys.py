"""Partner API keys: created by an arcade's owner or an admin, scoped to that arcade, stored as SHA-256.

A key is 256 random bits after the prefix `origin_key_`. Only its SHA-256
hash and first characters are stored, so the secret is shown once. Keys are
looked up by hash on every call, so a revocation takes effect at once.

NOTE: a watch stream opened with a key (WatchBoard, WatchMachineStatuses)
is not checked again, so it outlives a revocation until it ends.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import secrets
import time
import uuid

from server.db import api_keys as db
from server.db.engine import read, transaction
from server.deps import Deps
from server.domain import paging, roles, security, validate
from server.domain.arcades import access_owned_arcade
from server.domain.callers import ApiKey, Caller
from server.errors import InvalidArgument, NotFound, ResourceExhausted, Unauthenticated

API_KEY_PREFIX = "origin_key_"
# One message for every bad key, so a caller cannot tell a revoked key from one that never existed.
BAD_API_KEY = "the API key is unknown or revoked"


@dataclasses.dataclass(frozen=True)
class ApiKeyRecord:
    id: uuid.UUID
    arcade_id: uuid.UUID
    display_name: str
    key_prefix: str
    scopes: list[str]
    revoke_time: datetime.datetime | None
    create_time: datetime.datetime


@dataclasses.dataclass(frozen=True)
class ApiKeyPage:
    keys: list[ApiKeyRecord]
    next_page_token: str


def new_api_key() -> tuple[str, bytes, str]:
    """Return (secret, its SHA-256, its display prefix)."""
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return secret, hash_api_key(secret), secret[: len(API_KEY_PREFIX) + 6]


def hash_api_key(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def check_scopes(scopes: list[str]) -> list[str]:
    """Return the scopes sorted and without repeats; raise for none or an unknown one."""
    if not scopes:
        raise InvalidArgument("scopes", f"required: at least one of {', '.join(roles.SCOPES)}")
    unknown = [scope for scope in scopes if scope not in roles.SCOPES]
    if unknown:
        raise InvalidArgument("scopes", f"unknown scope {unknown[0]!r:.40}; allowed: {', '.join(roles.SCOPES)}")
    return sorted(set(scopes))


async def check_create_api_key(
    deps: Deps, caller: Caller, arcade_id: str, display_name: str, scopes: list[str]
) -> tuple[ApiKeyRecord, str]:
    """Validate and create a key for an arcade the caller owns (any arcade, for an admin); return it with its secret."""
    display_name = validate.text("display_name", display_name, min_length=1, max_length=100)
    scopes = check_scopes(scopes)
    secret, key_hash, key_prefix = new_api_key()
    async with transaction(deps.engine) as conn:
        arcade = await access_owned_arcade(conn, caller, arcade_id)
        key_id = await db.insert_key(
            conn,
            arcade_id=arcade.id,
            display_name=display_name,
            key_hash=key_hash,
            key_prefix=key_prefix,
            scopes=scopes,
            creator_id=caller.user_id,
        )
        record = ApiKeyRecord(**(await db.select_key(conn, key_id))._mapping)
    return record, secret


async def list_api_keys(deps: Deps, caller: Caller, arcade_id: str, page_size: int, page_token: str) -> ApiKeyPage:
    limit = validate.page_size("page_size", page_size, default=50)
    query = ["api-keys", arcade_id]
    position = paging.decode(page_token, query)
    after_time, after_id = (
        paging.unpack(position, datetime.datetime.fromisoformat, uuid.UUID)
        if position
        else (datetime.datetime.min.replace(tzinfo=datetime.timezone.utc), uuid.UUID(int=0))
    )

    async with read(deps.engine) as conn:
        arcade = await access_owned_arcade(conn, caller, arcade_id)
        rows = await db.select_key_page(conn, arcade.id, after_time, after_id, limit + 1)

    keys = [ApiKeyRecord(**row._mapping) for row in rows]
    next_token = ""
    if len(keys) > limit:
        keys = keys[:limit]
        next_token = paging.encode(query, [keys[-1].create_time.isoformat(), str(keys[-1].id)])
    return ApiKeyPage(keys, next_token)


async def do_revoke_api_key(deps: Deps, caller: Caller, key_id: str) -> ApiKeyRecord:
    """Revoke a key of an arcade the caller owns (any arcade, for an admin); revoking twice changes nothing."""
    parsed = validate.parse_uuid("api_key_id", key_id)
    caller.require_user()
    async with transaction(deps.engine) as conn:
        row = await db.select_key(conn, parsed)
        if row is None:
            raise NotFound(f"API key {key_id} does not exist", reason="API_KEY_NOT_FOUND")
        await access_owned_arcade(conn, caller, str(row.arcade_id))
        await db.revoke_key(conn, parsed)
        return ApiKeyRecord(**(await db.select_key(conn, parsed))._mapping)


async def authenticate(deps: Deps, secret: str) -> ApiKey:
    """Resolve an `x-api-key` value to its key, or raise Unauthenticated; then take one call from its rate limit."""
    if not secret.startswith(API_KEY_PREFIX) or len(secret) > 200:
        raise Unauthenticated(BAD_API_KEY, reason="BAD_API_KEY")
    key_hash = hash_api_key(secret)
    async with read(deps.engine) as conn:
        row = await db.select_live_key(conn, key_hash)
    # The index lookup found the row by hash; comparing the digests again in
    # constant time guards against any lookup quirk at no cost.
    if row is None or not security.same_digest(row.key_hash, key_hash):
        raise Unauthenticated(BAD_API_KEY, reason="BAD_API_KEY")
    deps.api_key_limits.take(str(row.id))
    return ApiKey(row.id, row.arcade_id, frozenset(row.scopes))


class TokenBuckets:
    """A token bucket per API key: `burst` calls at once, refilled at `rate` calls per second.

    NOTE: the buckets live in one server process, so with N processes behind
    a load balancer a key can make up to N times the rate.
    """

    def __init__(self, rate: float, burst: int, clock=time.monotonic):
        self._rate = rate
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str) -> None:
        """Spend one token of the key's bucket, or raise ResourceExhausted when it is empty."""
        now = self._clock()
        tokens, last = self._buckets.get(key, (self._burst, now))
        tokens = min(self._burst, tokens + (now - last) * self._rate)
        if tokens < 1.0:
            self._buckets[key] = (tokens, now)
            wait = (1.0 - tokens) / self._rate
            raise ResourceExhausted(
                f"this API key made too many calls; retry in {wait:.1f} seconds",
                reason="API_KEY_RATE_LIMITED",
                retry_after_seconds=wait,
            )
        self._buckets[key] = (tokens - 1.0, now)
        # Bounded memory: a full bucket carries no state worth keeping.
        if len(self._buckets) > 100_000:
            self._buckets = {k: v for k, v in self._buckets.items() if v[0] < self._burst - 1}
