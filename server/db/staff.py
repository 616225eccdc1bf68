"""Queries of roles: platform admins and the staff of each arcade."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# Whether a user is a platform admin.
SELECT_IS_ADMIN = text("SELECT EXISTS (SELECT 1 FROM platform_admins WHERE user_id = :user_id)")

# Make a user a platform admin; granting twice changes nothing.
INSERT_ADMIN = text("INSERT INTO platform_admins (user_id) VALUES (:user_id) ON CONFLICT DO NOTHING")

# Take a user's admin rights away; returns the user ID when the user was an admin.
DELETE_ADMIN = text("DELETE FROM platform_admins WHERE user_id = :user_id RETURNING user_id")

# Every platform admin with the email of the account.
SELECT_ADMINS = text(
    """
    SELECT u.id, u.email FROM platform_admins a JOIN users u ON u.id = a.user_id ORDER BY u.email_key
    """
)

# Whether a user is on an arcade's staff.
SELECT_IS_STAFF = text(
    "SELECT EXISTS (SELECT 1 FROM arcade_staff WHERE arcade_id = :arcade_id AND user_id = :user_id)"
)

# Add a staff member; adding one twice changes nothing.
INSERT_STAFF = text(
    """
    INSERT INTO arcade_staff (arcade_id, user_id, added_by) VALUES (:arcade_id, :user_id, :added_by)
    ON CONFLICT ON CONSTRAINT arcade_staff_pk DO NOTHING
    """
)

# Remove a staff member; returns the user ID when the user was a member.
DELETE_STAFF = text(
    "DELETE FROM arcade_staff WHERE arcade_id = :arcade_id AND user_id = :user_id RETURNING user_id"
)

# Remove a user from every arcade's staff, when the account is deleted.
DELETE_USER_STAFF = text("DELETE FROM arcade_staff WHERE user_id = :user_id")

# Staff members with the time each was added (the start of the row's first
# version), oldest first, after a (time, user ID) cursor.
SELECT_STAFF_PAGE = text(
    """
    SELECT * FROM (
        SELECT s.user_id, u.screen_name,
               (SELECT min(h.valid_from) FROM arcade_staff_history h
                WHERE h.arcade_id = s.arcade_id AND h.user_id = s.user_id) AS add_time
        FROM arcade_staff s JOIN users u ON u.id = s.user_id
        WHERE s.arcade_id = :arcade_id
    ) members
    WHERE (add_time, user_id) > (:after_time, :after_user_id)
    ORDER BY add_time, user_id
    LIMIT :limit
    """
)

# One staff member, as listed.
SELECT_STAFF_MEMBER = text(
    """
    SELECT s.user_id, u.screen_name,
           (SELECT min(h.valid_from) FROM arcade_staff_history h
            WHERE h.arcade_id = s.arcade_id AND h.user_id = s.user_id) AS add_time
    FROM arcade_staff s JOIN users u ON u.id = s.user_id
    WHERE s.arcade_id = :arcade_id AND s.user_id = :user_id
    """
)


async def is_admin(conn: AsyncConnection, user_id: uuid.UUID) -> bool:
    return (await conn.execute(SELECT_IS_ADMIN, {"user_id": user_id})).scalar_one()


async def insert_admin(conn: AsyncConnection, user_id: uuid.UUID) -> None:
    await conn.execute(INSERT_ADMIN, {"user_id": user_id})


async def delete_admin(conn: AsyncConnection, user_id: uuid.UUID) -> bool:
    return (await conn.execute(DELETE_ADMIN, {"user_id": user_id})).scalar_one_or_none() is not None


async def select_admins(conn: AsyncConnection):
    return (await conn.execute(SELECT_ADMINS)).all()


async def is_staff(conn: AsyncConnection, arcade_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return (await conn.execute(SELECT_IS_STAFF, {"arcade_id": arcade_id, "user_id": user_id})).scalar_one()


async def insert_staff(conn: AsyncConnection, arcade_id: uuid.UUID, user_id: uuid.UUID, added_by: uuid.UUID) -> None:
    await conn.execute(INSERT_STAFF, {"arcade_id": arcade_id, "user_id": user_id, "added_by": added_by})


async def delete_staff(conn: AsyncConnection, arcade_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    params = {"arcade_id": arcade_id, "user_id": user_id}
    return (await conn.execute(DELETE_STAFF, params)).scalar_one_or_none() is not None


async def delete_user_staff(conn: AsyncConnection, user_id: uuid.UUID) -> None:
    await conn.execute(DELETE_USER_STAFF, {"user_id": user_id})


async def select_staff_page(conn: AsyncConnection, arcade_id: uuid.UUID, after_time, after_user_id, limit: int):
    params = {"arcade_id": arcade_id, "after_time": after_time, "after_user_id": after_user_id, "limit": limit}
    return (await conn.execute(SELECT_STAFF_PAGE, params)).all()


async def select_staff_member(conn: AsyncConnection, arcade_id: uuid.UUID, user_id: uuid.UUID):
    params = {"arcade_id": arcade_id, "user_id": user_id}
    return (await conn.execute(SELECT_STAFF_MEMBER, params)).one_or_none()
