"""Queries of partner API keys."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# Creation time is the start of a row's first version.
_KEY_COLUMNS = """
    k.id, k.arcade_id, k.display_name, k.key_prefix, k.scopes, k.revoke_time,
    (SELECT min(h.valid_from) FROM api_keys_history h WHERE h.id = k.id) AS create_time
"""

INSERT_KEY = text(
    """
    INSERT INTO api_keys (arcade_id, display_name, key_hash, key_prefix, scopes, creator_id)
    VALUES (:arcade_id, :display_name, :key_hash, :key_prefix, :scopes, :creator_id)
    RETURNING id
    """
)

SELECT_KEY = text(f"SELECT {_KEY_COLUMNS} FROM api_keys k WHERE k.id = :id")

# An arcade's keys in creation order, after a (time, ID) cursor.
SELECT_KEY_PAGE = text(
    f"""
    SELECT * FROM (SELECT {_KEY_COLUMNS} FROM api_keys k WHERE k.arcade_id = :arcade_id) keys
    WHERE (create_time, id) > (:after_time, :after_id)
    ORDER BY create_time, id
    LIMIT :limit
    """
)

# Revoke a key unless it is revoked already; the first revocation time stays.
REVOKE_KEY = text("UPDATE api_keys SET revoke_time = clock_timestamp() WHERE id = :id AND revoke_time IS NULL")

# A live key by the SHA-256 of its secret, for authentication.
SELECT_LIVE_KEY = text(
    "SELECT id, arcade_id, scopes, key_hash FROM api_keys WHERE key_hash = :key_hash AND revoke_time IS NULL"
)


async def insert_key(conn: AsyncConnection, **values) -> uuid.UUID:
    return (await conn.execute(INSERT_KEY, values)).scalar_one()


async def select_key(conn: AsyncConnection, key_id: uuid.UUID):
    return (await conn.execute(SELECT_KEY, {"id": key_id})).one_or_none()


async def select_key_page(conn: AsyncConnection, arcade_id: uuid.UUID, after_time, after_id: uuid.UUID, limit: int):
    params = {"arcade_id": arcade_id, "after_time": after_time, "after_id": after_id, "limit": limit}
    return (await conn.execute(SELECT_KEY_PAGE, params)).all()


async def revoke_key(conn: AsyncConnection, key_id: uuid.UUID) -> None:
    await conn.execute(REVOKE_KEY, {"id": key_id})


async def select_live_key(conn: AsyncConnection, key_hash: bytes):
    return (await conn.execute(SELECT_LIVE_KEY, {"key_hash": key_hash})).one_or_none()
