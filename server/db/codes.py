"""Queries of one-time account codes and links."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# Spend every open code of one account and purpose, so only the newest works.
SPEND_OPEN_CODES = text(
    """
    UPDATE account_codes SET spent_time = clock_timestamp()
    WHERE user_id = :user_id AND purpose = :purpose AND spent_time IS NULL
    """
)

# Store a new code; the expiry uses the database clock like every other time.
INSERT_CODE = text(
    """
    INSERT INTO account_codes (id, user_id, purpose, code_hash, link_hash, detail, expire_time)
    VALUES (:id, :user_id, :purpose, :code_hash, :link_hash, :detail,
            clock_timestamp() + make_interval(secs => :lifetime_seconds))
    """
)

# The open code of one account and purpose, locked so two checks run one after the other.
SELECT_OPEN_CODE = text(
    """
    SELECT id, user_id, code_hash, detail, failed_attempts, expire_time > clock_timestamp() AS live
    FROM account_codes
    WHERE user_id = :user_id AND purpose = :purpose AND spent_time IS NULL
    ORDER BY expire_time DESC
    LIMIT 1
    FOR UPDATE
    """
)

# The open, unexpired code behind a link, locked.
SELECT_CODE_BY_LINK = text(
    """
    SELECT id, user_id, detail FROM account_codes
    WHERE link_hash = :link_hash AND purpose = :purpose AND spent_time IS NULL
      AND expire_time > clock_timestamp()
    FOR UPDATE
    """
)

# A code's purpose and detail, for the mail that carries it.
SELECT_CODE = text("SELECT id, user_id, purpose, detail, spent_time IS NULL AS open FROM account_codes WHERE id = :id")

SPEND_CODE = text("UPDATE account_codes SET spent_time = clock_timestamp() WHERE id = :id")

# Count a wrong guess; the last allowed one also spends the code.
FAIL_CODE = text(
    """
    UPDATE account_codes
    SET failed_attempts = failed_attempts + 1,
        spent_time = CASE WHEN failed_attempts + 1 >= :max_attempts THEN clock_timestamp() END
    WHERE id = :id
    """
)


async def spend_open_codes(conn: AsyncConnection, user_id: uuid.UUID, purpose: str) -> None:
    await conn.execute(SPEND_OPEN_CODES, {"user_id": user_id, "purpose": purpose})


async def insert_code(conn: AsyncConnection, **values) -> None:
    await conn.execute(INSERT_CODE, values)


async def select_open_code(conn: AsyncConnection, user_id: uuid.UUID, purpose: str):
    return (await conn.execute(SELECT_OPEN_CODE, {"user_id": user_id, "purpose": purpose})).one_or_none()


async def select_code_by_link(conn: AsyncConnection, purpose: str, link_hash: bytes):
    return (await conn.execute(SELECT_CODE_BY_LINK, {"purpose": purpose, "link_hash": link_hash})).one_or_none()


async def select_code(conn: AsyncConnection, code_id: uuid.UUID):
    return (await conn.execute(SELECT_CODE, {"id": code_id})).one_or_none()


async def spend_code(conn: AsyncConnection, code_id: uuid.UUID) -> None:
    await conn.execute(SPEND_CODE, {"id": code_id})


async def fail_code(conn: AsyncConnection, code_id: uuid.UUID, max_attempts: int) -> None:
    await conn.execute(FAIL_CODE, {"id": code_id, "max_attempts": max_attempts})
