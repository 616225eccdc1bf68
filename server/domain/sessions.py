"""Sessions: refresh tokens that rotate on each use, reuse detection, and ending sessions.

A session is one family of refresh tokens. Each exchange spends the token and
issues its successor; presenting a spent token again ends the session,
because either the client or a thief holds a copy. Within a short grace
period after an exchange, the same spent token instead receives the same
successor again, so a client that lost the reply to a refresh is not signed
out. Tokens are derived from their row ID with a server key (as codes are),
which is what lets a retry receive the same successor while the database
keeps only SHA-256 hashes.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime
import hashlib
import hmac
import time
import uuid

from sqlalchemy.ext.asyncio import AsyncConnection

from server.db import sessions as db
from server.db.engine import read, transaction
from server.deps import Deps
from server.domain import security, validate
from server.domain.callers import Caller
from server.errors import InvalidArgument, NotFound, Unauthenticated

REFRESH_TOKEN_PREFIX = "origin_rt_"
# Sessions remembered at most; past this the cache starts again empty.
_MAX_CACHED_SESSIONS = 100_000
_BAD_REFRESH_TOKEN = "the refresh token is invalid, expired or already used"


@dataclasses.dataclass(frozen=True)
class Tokens:
    access: security.AccessToken
    refresh_token: str
    refresh_expire_time: datetime.datetime
    session_id: uuid.UUID


@dataclasses.dataclass(frozen=True)
class SessionRecord:
    id: uuid.UUID
    client_address: str
    create_time: datetime.datetime
    refresh_time: datetime.datetime | None
    expire_time: datetime.datetime


def _refresh_key(jwt_secret: str) -> bytes:
    return hmac.new(jwt_secret.encode(), b"origin refresh tokens v1", hashlib.sha256).digest()


def derive_refresh_token(jwt_secret: str, token_id: uuid.UUID) -> str:
    digest = hmac.new(_refresh_key(jwt_secret), token_id.bytes, hashlib.sha256).digest()
    return REFRESH_TOKEN_PREFIX + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def hash_refresh_token(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def do_start_session(deps: Deps, conn: AsyncConnection, user_id: uuid.UUID, client_address: str) -> Tokens:
    """Start a session and issue its first tokens, in the caller's transaction."""
    settings = deps.settings
    session_id = await db.insert_session(conn, user_id, client_address[:100], settings.session_seconds)
    return await _issue(deps, conn, user_id, session_id, uuid.uuid4())


async def _issue(
    deps: Deps, conn: AsyncConnection, user_id: uuid.UUID, session_id: uuid.UUID, token_id: uuid.UUID
) -> Tokens:
    token = derive_refresh_token(deps.jwt_secret, token_id)
    expire_time = await db.insert_refresh_token(
        conn,
        id=token_id,
        session_id=session_id,
        token_hash=hash_refresh_token(token),
        idle_seconds=deps.settings.refresh_token_seconds,
    )
    return Tokens(_access(deps, user_id, session_id), token, expire_time, session_id)


def _access(deps: Deps, user_id: uuid.UUID, session_id: uuid.UUID) -> security.AccessToken:
    settings = deps.settings
    return security.issue_access_token(
        deps.jwt_secret, settings.jwt_issuer, user_id, settings.access_token_seconds, session_id
    )


async def do_refresh(deps: Deps, token: str) -> Tokens:
    """Exchange a refresh token; reuse outside the grace period ends the session."""
    if not token:
        raise InvalidArgument("refresh_token", "required")
    token_hash = hash_refresh_token(token)

    async with transaction(deps.engine) as conn:
        session_id = await db.select_token_session(conn, token_hash)
        session = await db.lock_session(conn, session_id) if session_id is not None else None
        if session is None or not session.live:
            tokens = None
        else:
            tokens = await _rotate(deps, conn, session, token_hash)
            if tokens is None:
                await db.end_session(conn, session.id, session.user_id, "reuse")
    if tokens is None:
        deps.sessions.forget(session_id)
        raise Unauthenticated(_BAD_REFRESH_TOKEN, reason="BAD_REFRESH_TOKEN")
    return tokens


async def _rotate(deps: Deps, conn: AsyncConnection, session, token_hash: bytes) -> Tokens | None:
    """Issue the successor of a token, or repeat it within the grace period.

    Precondition: the session row is locked. Returns None for reuse.
    """
    current = await db.select_token(conn, token_hash, deps.settings.refresh_grace_seconds)
    if current.successor_id is None:
        if not current.live:
            return None
        successor_id = uuid.uuid4()
        tokens = await _issue(deps, conn, session.user_id, session.id, successor_id)
        await db.rotate_token(conn, current.id, successor_id)
        await db.touch_session(conn, session.id)
        return tokens

    successor = await db.select_token_by_id(conn, current.successor_id)
    if not (current.in_grace and successor.unspent and successor.live):
        return None
    token = derive_refresh_token(deps.jwt_secret, successor.id)
    return Tokens(_access(deps, session.user_id, session.id), token, successor.expire_time, session.id)


async def do_end_session(deps: Deps, caller: Caller, session_id: uuid.UUID | None, reason: str) -> None:
    """End one session of the caller; NotFound when it has no such live session."""
    user_id = caller.require_user()
    if session_id is None:
        raise NotFound("this access token belongs to no session", reason="SESSION_NOT_FOUND")
    async with transaction(deps.engine) as conn:
        ended = await db.end_session(conn, session_id, user_id, reason)
    deps.sessions.forget(session_id)
    if not ended:
        raise NotFound("no live session of yours has this session_id", reason="SESSION_NOT_FOUND")


async def end_all_sessions(deps: Deps, conn: AsyncConnection, user_id: uuid.UUID, reason: str, keep_id=None) -> int:
    """End a user's sessions in the caller's transaction; call forget_all after commit."""
    return await db.end_user_sessions(conn, user_id, reason, keep_id)


async def do_end_all_sessions(deps: Deps, caller: Caller, keep_current: bool) -> int:
    user_id = caller.require_user()
    async with transaction(deps.engine) as conn:
        count = await end_all_sessions(deps, conn, user_id, "deleted", caller.session_id if keep_current else None)
    deps.sessions.clear()
    return count


async def list_sessions(deps: Deps, caller: Caller) -> list[SessionRecord]:
    user_id = caller.require_user()
    async with read(deps.engine) as conn:
        rows = await db.list_sessions(conn, user_id)
    return [SessionRecord(**row._mapping) for row in rows]


def parse_session_id(value: str) -> uuid.UUID:
    return validate.parse_uuid("session_id", value)


class SessionCache:
    """Remembers briefly which sessions are live, so each call need not ask the database.

    Ending a session through this process takes effect at once; through
    another process, within `ttl_seconds`.
    """

    def __init__(self, ttl_seconds: float, clock=time.monotonic):
        self._ttl = ttl_seconds
        self._clock = clock
        self._live: dict[uuid.UUID, tuple[uuid.UUID, float]] = {}

    async def require_live(self, deps: Deps, claims: security.AccessClaims) -> None:
        """Raise Unauthenticated unless the token's session is live and belongs to its user."""
        if claims.session_id is None:
            raise Unauthenticated("the access token is invalid or expired")
        cached = self._live.get(claims.session_id)
        if cached is None or cached[1] <= self._clock():
            async with read(deps.engine) as conn:
                owner = await db.session_live(conn, claims.session_id)
            if owner is None:
                self.forget(claims.session_id)
                raise Unauthenticated("the access token's session has ended")
            cached = (owner, self._clock() + self._ttl)
            if len(self._live) >= _MAX_CACHED_SESSIONS:
                self._live.clear()
            self._live[claims.session_id] = cached
        if cached[0] != claims.user_id:
            raise Unauthenticated("the access token is invalid or expired")

    def forget(self, session_id: uuid.UUID | None) -> None:
        self._live.pop(session_id, None)

    def clear(self) -> None:
        self._live.clear()
