"""Queries of machine statuses: the state a device reported and when it was last seen."""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_STATUS_COLUMNS = """
    m.id AS machine_id, m.seq, m.display_name, act.last_seen_time, act.state, act.state_time
"""

# Record a reported state, only when it differs from the stored one, so a
# steady heartbeat adds no history rows.
UPSERT_STATE = text(
    """
    INSERT INTO machine_activity (machine_id, last_seen_time, state, state_time)
    VALUES (:machine_id, :now, :state, :now)
    ON CONFLICT ON CONSTRAINT machine_activity_pk DO UPDATE
    SET state = excluded.state, state_time = excluded.state_time
    WHERE machine_activity.state IS DISTINCT FROM excluded.state
    RETURNING machine_id
    """
)

# One page of an arcade's machines with their status, in registration order.
SELECT_STATUS_PAGE = text(
    f"""
    SELECT {_STATUS_COLUMNS}
    FROM machines m LEFT JOIN machine_activity act ON act.machine_id = m.id
    WHERE m.arcade_id = :arcade_id AND m.seq > :after_seq
    ORDER BY m.seq
    LIMIT :limit
    """
)


async def upsert_state(conn: AsyncConnection, machine_id: uuid.UUID, state: str, now: datetime.datetime) -> bool:
    """Store the state; return whether it changed."""
    params = {"machine_id": machine_id, "state": state, "now": now}
    return (await conn.execute(UPSERT_STATE, params)).scalar_one_or_none() is not None


async def select_status_page(conn: AsyncConnection, arcade_id: uuid.UUID, after_seq: int, limit: int | None):
    params = {"arcade_id": arcade_id, "after_seq": after_seq, "limit": limit}
    return (await conn.execute(SELECT_STATUS_PAGE, params)).all()
