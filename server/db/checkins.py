"""Queries of check-ins: claim codes, check-ins and the slot a score belongs to."""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# A check-in with its player's current screen name, read from a row set `c`.
_CHECK_IN_COLUMNS = """
    c.id, c.machine_id, c.player_slot, c.user_id, u.screen_name, c.start_time, c.expire_time, c.end_time
"""

# Drop the slot's unclaimed codes, which a new code replaces, and the
# machine's expired codes.
DELETE_OLD_CODES = text(
    """
    DELETE FROM check_in_codes
    WHERE machine_id = :machine_id
      AND ((player_slot = :player_slot AND claim_time IS NULL) OR expire_time <= :now)
    """
)

INSERT_CODE = text(
    """
    INSERT INTO check_in_codes (code_hash, machine_id, player_slot, expire_time)
    VALUES (:code_hash, :machine_id, :player_slot, :expire_time)
    """
)

# Use a code once: only an unclaimed, unexpired code matches.
CLAIM_CODE = text(
    """
    UPDATE check_in_codes SET claim_time = :now
    WHERE code_hash = :code_hash AND claim_time IS NULL AND expire_time > :now
    RETURNING machine_id, player_slot
    """
)

# Close the open check-ins of a slot or of a player before a new claim. One
# that ran out is closed at its expiry time as "expired".
CLOSE_FOR_CLAIM = text(
    f"""
    WITH closed AS (
        UPDATE check_ins
        SET end_time = least(:now, expire_time),
            end_reason = CASE WHEN expire_time <= :now THEN 'expired' ELSE 'replaced' END
        WHERE end_time IS NULL
          AND ((machine_id = :machine_id AND player_slot = :player_slot) OR user_id = :user_id)
        RETURNING *
    )
    SELECT {_CHECK_IN_COLUMNS} FROM closed c JOIN users u ON u.id = c.user_id
    """
)

INSERT_CHECK_IN = text(
    f"""
    WITH opened AS (
        INSERT INTO check_ins (machine_id, arcade_id, player_slot, user_id, start_time, expire_time)
        VALUES (:machine_id, :arcade_id, :player_slot, :user_id, :now, :expire_time)
        RETURNING *
    )
    SELECT {_CHECK_IN_COLUMNS} FROM opened c JOIN users u ON u.id = c.user_id
    """
)

# End a machine's open check-ins, of one slot or (:player_slot 0) of all.
END_CHECK_INS = text(
    f"""
    WITH closed AS (
        UPDATE check_ins
        SET end_time = least(:now, expire_time),
            end_reason = CASE WHEN expire_time <= :now THEN 'expired' ELSE 'ended' END
        WHERE machine_id = :machine_id AND end_time IS NULL AND (:player_slot = 0 OR player_slot = :player_slot)
        RETURNING *
    )
    SELECT {_CHECK_IN_COLUMNS} FROM closed c JOIN users u ON u.id = c.user_id ORDER BY c.player_slot
    """
)

# The player checked in at a slot now, if any.
SELECT_SLOT_USER = text(
    """
    SELECT user_id FROM check_ins
    WHERE machine_id = :machine_id AND player_slot = :player_slot AND end_time IS NULL AND expire_time > :now
    """
)

# A machine's check-ins that are open now, for a stream that (re)connects.
SELECT_OPEN = text(
    f"""
    SELECT {_CHECK_IN_COLUMNS} FROM check_ins c JOIN users u ON u.id = c.user_id
    WHERE c.machine_id = :machine_id AND c.end_time IS NULL AND c.expire_time > :now
    ORDER BY c.player_slot
    """
)


async def replace_code(conn: AsyncConnection, **values) -> None:
    await conn.execute(DELETE_OLD_CODES, {key: values[key] for key in ("machine_id", "player_slot", "now")})
    await conn.execute(INSERT_CODE, {key: values[key] for key in ("code_hash", "machine_id", "player_slot", "expire_time")})


async def claim_code(conn: AsyncConnection, code_hash: bytes, now: datetime.datetime):
    return (await conn.execute(CLAIM_CODE, {"code_hash": code_hash, "now": now})).one_or_none()


async def close_for_claim(conn: AsyncConnection, **params):
    return (await conn.execute(CLOSE_FOR_CLAIM, params)).all()


async def insert_check_in(conn: AsyncConnection, **params):
    return (await conn.execute(INSERT_CHECK_IN, params)).one()


async def end_check_ins(conn: AsyncConnection, machine_id: uuid.UUID, player_slot: int, now: datetime.datetime):
    params = {"machine_id": machine_id, "player_slot": player_slot, "now": now}
    return (await conn.execute(END_CHECK_INS, params)).all()


async def select_slot_user(conn: AsyncConnection, machine_id: uuid.UUID, player_slot: int, now: datetime.datetime):
    params = {"machine_id": machine_id, "player_slot": player_slot, "now": now}
    return (await conn.execute(SELECT_SLOT_USER, params)).scalar_one_or_none()


async def select_open(conn: AsyncConnection, machine_id: uuid.UUID, now: datetime.datetime):
    return (await conn.execute(SELECT_OPEN, {"machine_id": machine_id, "now": now})).all()
