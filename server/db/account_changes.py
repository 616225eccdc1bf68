"""Queries of account changes: screen names, deletion and data export."""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# Whether another account's screen name has this key or this skeleton.
SCREEN_NAME_TAKEN = text(
    """
    SELECT EXISTS (
        SELECT 1 FROM users
        WHERE (screen_name_key = :key OR screen_name_skeleton = :skeleton)
          AND id IS DISTINCT FROM :user_id
    )
    """
)

# Store the skeleton of an account's screen name (right after sign-up).
SET_SKELETON = text("UPDATE users SET screen_name_skeleton = :skeleton WHERE id = :id")

# Lock an account for a change to it.
LOCK_USER = text(
    """
    SELECT id, screen_name, password_hash, screen_name_change_time, delete_time
    FROM users WHERE id = :id FOR UPDATE
    """
)

UPDATE_SCREEN_NAME = text(
    """
    UPDATE users
    SET screen_name = :screen_name, screen_name_key = :key, screen_name_skeleton = :skeleton,
        screen_name_change_time = :change_time
    WHERE id = :id
    """
)

# Whether the user owns any arcade.
OWNS_ARCADES = text("SELECT EXISTS (SELECT 1 FROM arcades WHERE owner_id = :id)")

# Clear an account's personal data. The keys become "deleted:<id>", which no
# sign-up can produce (screen-name keys are case-folded text of at most 32
# characters, and an email key needs an "@"), so the email and name are free again.
CLEAR_USER = text(
    """
    UPDATE users
    SET email = '', email_key = 'deleted:' || id, password_hash = '', phone_number = NULL,
        email_verified = false, screen_name = '', screen_name_key = 'deleted:' || id,
        screen_name_skeleton = NULL, delete_time = clock_timestamp()
    WHERE id = :id
    """
)

# Clear the same data from the account's earlier versions.
CLEAR_USER_HISTORY = text(
    """
    UPDATE users_history
    SET email = '', email_key = 'deleted:' || id, password_hash = '', phone_number = NULL,
        screen_name = '', screen_name_key = 'deleted:' || id, screen_name_skeleton = NULL
    WHERE id = :id
    """
)

# Client addresses are personal data too: clear them from the sessions and their history.
CLEAR_SESSION_ADDRESSES = text("UPDATE sessions SET client_address = '' WHERE user_id = :id")
CLEAR_SESSION_HISTORY_ADDRESSES = text("UPDATE sessions_history SET client_address = '' WHERE user_id = :id")

# Drop the account's unused codes and unsent mail.
DELETE_CODES = text("DELETE FROM account_codes WHERE user_id = :id")
DROP_UNSENT_MAIL = text("UPDATE mail_outbox SET done_time = clock_timestamp(), last_error = 'account deleted' WHERE user_id = :id AND done_time IS NULL")
DELETE_ADMIN = text("DELETE FROM platform_admins WHERE user_id = :id")

# The export: the profile, each screen name with its start, sessions, scores and check-ins.
EXPORT_PROFILE = text(
    """
    SELECT u.id, u.email, u.screen_name, u.phone_number, u.email_verified,
           (SELECT min(h.valid_from) FROM users_history h WHERE h.id = u.id) AS create_time
    FROM users u WHERE u.id = :id
    """
)
EXPORT_SCREEN_NAMES = text(
    """
    SELECT screen_name, min(valid_from) AS valid_from FROM users_history
    WHERE id = :id GROUP BY screen_name ORDER BY valid_from
    """
)
EXPORT_SESSIONS = text(
    """
    SELECT s.id, s.client_address, s.refresh_time, s.expire_time, s.end_time, s.end_reason,
           (SELECT min(h.valid_from) FROM sessions_history h WHERE h.id = s.id) AS create_time
    FROM sessions s WHERE s.user_id = :id ORDER BY create_time
    """
)
EXPORT_SCORES = text(
    """
    SELECT id, arcade_id, machine_id, game_id, value, achieve_time, status
    FROM scores WHERE user_id = :id ORDER BY id
    """
)
EXPORT_CHECK_INS = text(
    """
    SELECT id, arcade_id, machine_id, player_slot, start_time, end_time
    FROM check_ins WHERE user_id = :id ORDER BY id
    """
)


async def screen_name_taken(conn: AsyncConnection, key: str, skeleton: str, user_id: uuid.UUID | None) -> bool:
    params = {"key": key, "skeleton": skeleton, "user_id": user_id}
    return (await conn.execute(SCREEN_NAME_TAKEN, params)).scalar_one()


async def set_skeleton(conn: AsyncConnection, user_id: uuid.UUID, skeleton: str) -> None:
    await conn.execute(SET_SKELETON, {"id": user_id, "skeleton": skeleton})


async def lock_user(conn: AsyncConnection, user_id: uuid.UUID):
    return (await conn.execute(LOCK_USER, {"id": user_id})).one_or_none()


async def update_screen_name(
    conn: AsyncConnection, user_id: uuid.UUID, screen_name: str, key: str, skeleton: str, change_time: datetime.datetime
) -> None:
    params = {"id": user_id, "screen_name": screen_name, "key": key, "skeleton": skeleton, "change_time": change_time}
    await conn.execute(UPDATE_SCREEN_NAME, params)


async def owns_arcades(conn: AsyncConnection, user_id: uuid.UUID) -> bool:
    return (await conn.execute(OWNS_ARCADES, {"id": user_id})).scalar_one()


async def clear_user(conn: AsyncConnection, user_id: uuid.UUID) -> None:
    """Run every clearing statement of an account deletion, in the caller's transaction."""
    for statement in (
        CLEAR_USER,
        CLEAR_USER_HISTORY,
        CLEAR_SESSION_ADDRESSES,
        CLEAR_SESSION_HISTORY_ADDRESSES,
        DELETE_CODES,
        DROP_UNSENT_MAIL,
        DELETE_ADMIN,
    ):
        await conn.execute(statement, {"id": user_id})


async def select_export(conn: AsyncConnection, user_id: uuid.UUID) -> dict[str, list]:
    params = {"id": user_id}
    return {
        "profile": (await conn.execute(EXPORT_PROFILE, params)).all(),
        "screen_name_history": (await conn.execute(EXPORT_SCREEN_NAMES, params)).all(),
        "sessions": (await conn.execute(EXPORT_SESSIONS, params)).all(),
        "scores": (await conn.execute(EXPORT_SCORES, params)).all(),
        "check_ins": (await conn.execute(EXPORT_CHECK_INS, params)).all(),
    }
