"""Queries of the accounts area."""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# Creation time is the start of a row's first version.
_USER_COLUMNS = """
    u.id, u.email, u.screen_name,
    (SELECT min(h.valid_from) FROM users_history h WHERE h.id = u.id) AS create_time
"""

# Insert an account; unique violations name the email or screen-name key.
INSERT_USER = text(
    """
    INSERT INTO users (email, email_key, password_hash, screen_name, screen_name_key)
    VALUES (:email, :email_key, :password_hash, :screen_name, :screen_name_key)
    RETURNING id
    """
)

# Find the password hash for a log-in.
SELECT_LOGIN = text("SELECT id, password_hash FROM users WHERE email_key = :email_key")

# Read one account as it is now.
SELECT_USER = text(f"SELECT {_USER_COLUMNS} FROM users u WHERE u.id = :id")

# Read one account as it was at :read_time.
SELECT_USER_AS_OF = text(
    f"""
    SELECT {_USER_COLUMNS} FROM users_history u
    WHERE u.id = :id AND u.valid_from <= :read_time AND (u.valid_to IS NULL OR u.valid_to > :read_time)
    """
)


async def insert_user(conn: AsyncConnection, **values) -> uuid.UUID:
    return (await conn.execute(INSERT_USER, values)).scalar_one()


async def select_login(conn: AsyncConnection, email_key: str):
    return (await conn.execute(SELECT_LOGIN, {"email_key": email_key})).one_or_none()


async def select_user(conn: AsyncConnection, user_id: uuid.UUID, read_time: datetime.datetime | None = None):
    if read_time is None:
        return (await conn.execute(SELECT_USER, {"id": user_id})).one_or_none()
    return (await conn.execute(SELECT_USER_AS_OF, {"id": user_id, "read_time": read_time})).one_or_none()
