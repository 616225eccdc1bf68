"""Queries of sessions and their refresh tokens."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# Start a session; its end at the latest is fixed now.
INSERT_SESSION = text(
    """
    INSERT INTO sessions (user_id, client_address, expire_time)
    VALUES (:user_id, :client_address, clock_timestamp() + make_interval(secs => :lifetime_seconds))
    RETURNING id
    """
)

# Store a refresh token; it never outlives its session.
INSERT_REFRESH_TOKEN = text(
    """
    INSERT INTO refresh_tokens (id, session_id, token_hash, expire_time)
    SELECT :id, s.id, :token_hash, least(s.expire_time, clock_timestamp() + make_interval(secs => :idle_seconds))
    FROM sessions s WHERE s.id = :session_id
    RETURNING expire_time
    """
)

# The session a refresh token belongs to, before its lock is taken.
SELECT_TOKEN_SESSION = text("SELECT session_id FROM refresh_tokens WHERE token_hash = :token_hash")

# Lock a session, so refreshes of one family run one after the other.
LOCK_SESSION = text(
    """
    SELECT id, user_id, end_time IS NULL AND expire_time > clock_timestamp() AS live
    FROM sessions WHERE id = :id FOR UPDATE
    """
)

# A refresh token as seen after the session lock.
SELECT_TOKEN = text(
    """
    SELECT id, expire_time, expire_time > clock_timestamp() AS live, successor_id,
           rotated_time > clock_timestamp() - make_interval(secs => :grace_seconds) AS in_grace
    FROM refresh_tokens WHERE token_hash = :token_hash
    """
)

SELECT_TOKEN_BY_ID = text(
    """
    SELECT id, expire_time, expire_time > clock_timestamp() AS live, rotated_time IS NULL AS unspent
    FROM refresh_tokens WHERE id = :id
    """
)

ROTATE_TOKEN = text(
    "UPDATE refresh_tokens SET successor_id = :successor_id, rotated_time = clock_timestamp() WHERE id = :id"
)

TOUCH_SESSION = text("UPDATE sessions SET refresh_time = clock_timestamp() WHERE id = :id")

# End one live session of a user.
END_SESSION = text(
    """
    UPDATE sessions SET end_time = clock_timestamp(), end_reason = :reason
    WHERE id = :id AND user_id = :user_id AND end_time IS NULL AND expire_time > clock_timestamp()
    RETURNING id
    """
)

# End every live session of a user, except :keep_id when set.
END_USER_SESSIONS = text(
    """
    UPDATE sessions SET end_time = clock_timestamp(), end_reason = :reason
    WHERE user_id = :user_id AND end_time IS NULL AND id IS DISTINCT FROM CAST(:keep_id AS uuid)
    RETURNING id
    """
)

# A user's live sessions, newest first.
LIST_SESSIONS = text(
    """
    SELECT s.id, s.client_address, s.refresh_time, s.expire_time,
           (SELECT min(h.valid_from) FROM sessions_history h WHERE h.id = s.id) AS create_time
    FROM sessions s
    WHERE s.user_id = :user_id AND s.end_time IS NULL AND s.expire_time > clock_timestamp()
    ORDER BY create_time DESC, s.id
    """
)

# Whether a session is live, for access-token checks.
SESSION_LIVE = text(
    "SELECT user_id FROM sessions WHERE id = :id AND end_time IS NULL AND expire_time > clock_timestamp()"
)


async def insert_session(conn: AsyncConnection, user_id: uuid.UUID, client_address: str, lifetime_seconds: int):
    values = {"user_id": user_id, "client_address": client_address, "lifetime_seconds": lifetime_seconds}
    return (await conn.execute(INSERT_SESSION, values)).scalar_one()


async def insert_refresh_token(conn: AsyncConnection, **values):
    return (await conn.execute(INSERT_REFRESH_TOKEN, values)).scalar_one()


async def select_token_session(conn: AsyncConnection, token_hash: bytes):
    return (await conn.execute(SELECT_TOKEN_SESSION, {"token_hash": token_hash})).scalar_one_or_none()


async def lock_session(conn: AsyncConnection, session_id: uuid.UUID):
    return (await conn.execute(LOCK_SESSION, {"id": session_id})).one_or_none()


async def select_token(conn: AsyncConnection, token_hash: bytes, grace_seconds: float):
    values = {"token_hash": token_hash, "grace_seconds": grace_seconds}
    return (await conn.execute(SELECT_TOKEN, values)).one_or_none()


async def select_token_by_id(conn: AsyncConnection, token_id: uuid.UUID):
    return (await conn.execute(SELECT_TOKEN_BY_ID, {"id": token_id})).one_or_none()


async def rotate_token(conn: AsyncConnection, token_id: uuid.UUID, successor_id: uuid.UUID) -> None:
    await conn.execute(ROTATE_TOKEN, {"id": token_id, "successor_id": successor_id})


async def touch_session(conn: AsyncConnection, session_id: uuid.UUID) -> None:
    await conn.execute(TOUCH_SESSION, {"id": session_id})


async def end_session(conn: AsyncConnection, session_id: uuid.UUID, user_id: uuid.UUID, reason: str) -> bool:
    values = {"id": session_id, "user_id": user_id, "reason": reason}
    return (await conn.execute(END_SESSION, values)).one_or_none() is not None


async def end_user_sessions(conn: AsyncConnection, user_id: uuid.UUID, reason: str, keep_id: uuid.UUID | None) -> int:
    values = {"user_id": user_id, "reason": reason, "keep_id": keep_id}
    return len((await conn.execute(END_USER_SESSIONS, values)).all())


async def list_sessions(conn: AsyncConnection, user_id: uuid.UUID):
    return (await conn.execute(LIST_SESSIONS, {"user_id": user_id})).all()


async def session_live(conn: AsyncConnection, session_id: uuid.UUID):
    return (await conn.execute(SESSION_LIVE, {"id": session_id})).scalar_one_or_none()
