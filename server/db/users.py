"""Queries of the accounts area."""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# Creation time is the start of a row's first version.
_USER_COLUMNS = """
    u.id, u.email, u.screen_name, u.email_verified,
    (SELECT min(h.valid_from) FROM users_history h WHERE h.id = u.id) AS create_time
"""

# Insert an account unless its email key is taken, which returns no row; a
# taken screen name raises a unique violation on its key.
INSERT_USER = text(
    """
    INSERT INTO users (email, email_key, password_hash, screen_name, screen_name_key, phone_number)
    VALUES (:email, :email_key, :password_hash, :screen_name, :screen_name_key, :phone_number)
    ON CONFLICT ON CONSTRAINT users_email_key_uq DO NOTHING
    RETURNING id
    """
)

# Whether any account has this screen-name key.
SCREEN_NAME_TAKEN = text("SELECT EXISTS (SELECT 1 FROM users WHERE screen_name_key = :screen_name_key)")

# Find the password hash for a log-in.
SELECT_LOGIN = text("SELECT id, password_hash, email_verified FROM users WHERE email_key = :email_key")

# The password hash and address of a signed-in user, for checks that need the current password.
SELECT_LOGIN_BY_ID = text("SELECT id, email, email_key, password_hash, email_verified FROM users WHERE id = :id")

UPDATE_PASSWORD = text("UPDATE users SET password_hash = :password_hash WHERE id = :id")

# Move an account to a confirmed new address; a taken key raises users_email_key_uq.
UPDATE_EMAIL = text(
    "UPDATE users SET email = :email, email_key = :email_key, email_verified = true WHERE id = :id"
)

# Mark an account's email as verified.
MARK_EMAIL_VERIFIED = text("UPDATE users SET email_verified = true WHERE id = :id AND NOT email_verified")

# Read one account as it is now.
SELECT_USER = text(f"SELECT {_USER_COLUMNS} FROM users u WHERE u.id = :id")

# Read one account as it was at :read_time.
SELECT_USER_AS_OF = text(
    f"""
    SELECT {_USER_COLUMNS} FROM users_history u
    WHERE u.id = :id AND u.valid_from <= :read_time AND (u.valid_to IS NULL OR u.valid_to > :read_time)
    """
)


async def insert_user(conn: AsyncConnection, **values) -> uuid.UUID | None:
    return (await conn.execute(INSERT_USER, values)).scalar_one_or_none()


async def screen_name_taken(conn: AsyncConnection, screen_name_key: str) -> bool:
    return (await conn.execute(SCREEN_NAME_TAKEN, {"screen_name_key": screen_name_key})).scalar_one()


async def mark_email_verified(conn: AsyncConnection, user_id: uuid.UUID) -> None:
    await conn.execute(MARK_EMAIL_VERIFIED, {"id": user_id})


async def select_login(conn: AsyncConnection, email_key: str):
    return (await conn.execute(SELECT_LOGIN, {"email_key": email_key})).one_or_none()


async def select_user(conn: AsyncConnection, user_id: uuid.UUID, read_time: datetime.datetime | None = None):
    if read_time is None:
        return (await conn.execute(SELECT_USER, {"id": user_id})).one_or_none()
    return (await conn.execute(SELECT_USER_AS_OF, {"id": user_id, "read_time": read_time})).one_or_none()


async def select_login_by_id(conn: AsyncConnection, user_id: uuid.UUID):
    return (await conn.execute(SELECT_LOGIN_BY_ID, {"id": user_id})).one_or_none()


async def update_password(conn: AsyncConnection, user_id: uuid.UUID, password_hash: str) -> None:
    await conn.execute(UPDATE_PASSWORD, {"id": user_id, "password_hash": password_hash})


async def update_email(conn: AsyncConnection, user_id: uuid.UUID, email: str, email_key: str) -> None:
    await conn.execute(UPDATE_EMAIL, {"id": user_id, "email": email, "email_key": email_key})
