"""Queries of the machines area: games, machines, device tokens, activity."""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_LAST_SEEN_NOW = "(SELECT act.last_seen_time FROM machine_activity act WHERE act.machine_id = m.id)"
_LAST_SEEN_AS_OF = """(SELECT act.last_seen_time FROM machine_activity_history act
        WHERE act.machine_id = m.id AND act.valid_from <= :read_time
          AND (act.valid_to IS NULL OR act.valid_to > :read_time))"""
_MACHINE_COLUMNS = """
    m.id, m.seq, m.arcade_id, m.game_id, m.game_title, m.display_name,
    m.device_token_prefix, m.device_token_hash IS NOT NULL AS device_token_active,
    (SELECT act.last_seen_time FROM machine_activity act WHERE act.machine_id = m.id) AS last_seen_time,
    (SELECT min(h.valid_from) FROM machines_history h WHERE h.id = m.id) AS create_time
"""

# Add a game to the catalogue the first time a machine names it.
UPSERT_GAME = text("INSERT INTO games (id, title) VALUES (:id, :title) ON CONFLICT ON CONSTRAINT games_pk DO NOTHING")

# Register a machine, or do nothing when this arcade already used the request ID.
INSERT_MACHINE = text(
    """
    INSERT INTO machines (arcade_id, game_id, game_title, display_name,
                          device_token_hash, device_token_prefix, create_request_id)
    VALUES (:arcade_id, :game_id, :game_title, :display_name, :token_hash, :token_prefix, :request_id)
    ON CONFLICT ON CONSTRAINT machines_request_uq DO NOTHING
    RETURNING id
    """
)

SELECT_BY_REQUEST = text(
    f"SELECT {_MACHINE_COLUMNS} FROM machines m WHERE m.arcade_id = :arcade_id AND m.create_request_id = :request_id"
)

SELECT_MACHINE = text(f"SELECT {_MACHINE_COLUMNS} FROM machines m WHERE m.id = :id")

# The machine as it was at :read_time, with the last-seen time it had then.
SELECT_MACHINE_AS_OF = text(
    f"""
    SELECT {_MACHINE_COLUMNS.replace(_LAST_SEEN_NOW, _LAST_SEEN_AS_OF)} FROM machines_history m
    WHERE m.id = :id AND m.valid_from <= :read_time AND (m.valid_to IS NULL OR m.valid_to > :read_time)
    """
)

# One page of an arcade's machines in registration order.
SELECT_MACHINES_PAGE = text(
    f"""
    SELECT {_MACHINE_COLUMNS} FROM machines m
    WHERE m.arcade_id = :arcade_id AND m.seq > :after_seq
    ORDER BY m.seq
    LIMIT :limit
    """
)

# Replace (or clear, with NULLs) a machine's device token. The previous token
# stops at once, together with any token still in its renewal overlap.
UPDATE_TOKEN = text(
    """
    UPDATE machines SET device_token_hash = :token_hash, device_token_prefix = :token_prefix,
                        previous_token_hash = NULL, previous_token_expire_time = NULL
    WHERE id = :id
    """
)

# Replace a machine's device token and keep the replaced one working until
# :previous_expire. The right-hand sides read the row as it was before.
RENEW_TOKEN = text(
    """
    UPDATE machines SET previous_token_hash = device_token_hash,
                        previous_token_expire_time = CASE WHEN device_token_hash IS NULL THEN NULL
                                                          ELSE CAST(:previous_expire AS timestamptz) END,
                        device_token_hash = :token_hash, device_token_prefix = :token_prefix
    WHERE id = :id
    """
)

# Resolve a device token by its hash: the current token, or the previous one
# during its renewal overlap. expire_time is NULL for the current token.
SELECT_DEVICE = text(
    """
    SELECT m.id, m.arcade_id, m.game_id, a.time_zone,
           CASE WHEN m.device_token_hash = :token_hash THEN m.device_token_hash
                ELSE m.previous_token_hash END AS matched_hash,
           CASE WHEN m.device_token_hash = :token_hash THEN NULL
                ELSE m.previous_token_expire_time END AS expire_time
    FROM machines m JOIN arcades a ON a.id = m.arcade_id
    WHERE m.device_token_hash = :token_hash
       OR (m.previous_token_hash = :token_hash AND m.previous_token_expire_time > clock_timestamp())
    """
)

# Record that a device was seen now.
UPSERT_ACTIVITY = text(
    """
    INSERT INTO machine_activity (machine_id, last_seen_time) VALUES (:machine_id, :seen)
    ON CONFLICT ON CONSTRAINT machine_activity_pk DO UPDATE SET last_seen_time = excluded.last_seen_time
    WHERE machine_activity.last_seen_time < excluded.last_seen_time
    """
)


async def upsert_game(conn: AsyncConnection, game_id: str, title: str) -> None:
    await conn.execute(UPSERT_GAME, {"id": game_id, "title": title})


async def insert_machine(conn: AsyncConnection, **values) -> uuid.UUID | None:
    return (await conn.execute(INSERT_MACHINE, values)).scalar_one_or_none()


async def select_by_request(conn: AsyncConnection, arcade_id: uuid.UUID, request_id: str):
    return (await conn.execute(SELECT_BY_REQUEST, {"arcade_id": arcade_id, "request_id": request_id})).one_or_none()


async def select_machine(conn: AsyncConnection, machine_id: uuid.UUID, read_time: datetime.datetime | None = None):
    if read_time is None:
        return (await conn.execute(SELECT_MACHINE, {"id": machine_id})).one_or_none()
    return (await conn.execute(SELECT_MACHINE_AS_OF, {"id": machine_id, "read_time": read_time})).one_or_none()


async def select_machines_page(conn: AsyncConnection, arcade_id: uuid.UUID, after_seq: int, limit: int):
    params = {"arcade_id": arcade_id, "after_seq": after_seq, "limit": limit}
    return (await conn.execute(SELECT_MACHINES_PAGE, params)).all()


async def update_token(conn: AsyncConnection, machine_id: uuid.UUID, token_hash: bytes | None, token_prefix: str | None):
    await conn.execute(UPDATE_TOKEN, {"id": machine_id, "token_hash": token_hash, "token_prefix": token_prefix})


async def renew_token(conn: AsyncConnection, machine_id: uuid.UUID, token_hash: bytes, token_prefix: str,
                      previous_expire: datetime.datetime) -> None:
    params = {"id": machine_id, "token_hash": token_hash, "token_prefix": token_prefix,
              "previous_expire": previous_expire}
    await conn.execute(RENEW_TOKEN, params)


async def select_device(conn: AsyncConnection, token_hash: bytes):
    return (await conn.execute(SELECT_DEVICE, {"token_hash": token_hash})).one_or_none()


async def upsert_activity(conn: AsyncConnection, machine_id: uuid.UUID, seen: datetime.datetime) -> None:
    await conn.execute(UPSERT_ACTIVITY, {"machine_id": machine_id, "seen": seen})
