"""Queries of the arcades area."""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_ARCADE_COLUMNS = """
    a.id, a.owner_id, a.display_name, a.address, a.latitude, a.longitude, a.time_zone,
    (SELECT min(h.valid_from) FROM arcades_history h WHERE h.id = a.id) AS create_time
"""

# Insert an arcade, or do nothing when the owner already used this request ID.
INSERT_ARCADE = text(
    """
    INSERT INTO arcades (owner_id, display_name, address, latitude, longitude, time_zone, create_request_id)
    VALUES (:owner_id, :display_name, :address, :latitude, :longitude, :time_zone, :request_id)
    ON CONFLICT ON CONSTRAINT arcades_request_uq DO NOTHING
    RETURNING id
    """
)

# Find the arcade an earlier call with this request ID created.
SELECT_BY_REQUEST = text(
    f"SELECT {_ARCADE_COLUMNS} FROM arcades a WHERE a.owner_id = :owner_id AND a.create_request_id = :request_id"
)

SELECT_ARCADE = text(f"SELECT {_ARCADE_COLUMNS} FROM arcades a WHERE a.id = :id")

SELECT_ARCADE_AS_OF = text(
    f"""
    SELECT {_ARCADE_COLUMNS} FROM arcades_history a
    WHERE a.id = :id AND a.valid_from <= :read_time AND (a.valid_to IS NULL OR a.valid_to > :read_time)
    """
)

# Arcades within :radius metres of a point, nearest first, after the cursor
# (:after_distance, :after_id). The bounding box uses the latitude index; the
# haversine distance (mean Earth radius 6,371,008.8 m) then filters and orders.
SELECT_NEARBY = text(
    f"""
    SELECT * FROM (
        SELECT {_ARCADE_COLUMNS},
            2 * 6371008.8 * asin(sqrt(
                power(sin(radians(a.latitude - :lat) / 2), 2)
                + cos(radians(:lat)) * cos(radians(a.latitude)) * power(sin(radians(a.longitude - :lon) / 2), 2)
            )) AS distance
        FROM arcades a
        WHERE a.latitude BETWEEN :min_lat AND :max_lat
          AND (:all_longitudes OR a.longitude BETWEEN :min_lon AND :max_lon
               OR a.longitude BETWEEN :min_lon + 360 AND :max_lon + 360
               OR a.longitude BETWEEN :min_lon - 360 AND :max_lon - 360)
    ) found
    WHERE distance <= :radius AND (distance, id) > (:after_distance, :after_id)
    ORDER BY distance, id
    LIMIT :limit
    """
)


async def insert_arcade(conn: AsyncConnection, **values) -> uuid.UUID | None:
    return (await conn.execute(INSERT_ARCADE, values)).scalar_one_or_none()


async def select_by_request(conn: AsyncConnection, owner_id: uuid.UUID, request_id: str):
    return (await conn.execute(SELECT_BY_REQUEST, {"owner_id": owner_id, "request_id": request_id})).one_or_none()


async def select_arcade(conn: AsyncConnection, arcade_id: uuid.UUID, read_time: datetime.datetime | None = None):
    if read_time is None:
        return (await conn.execute(SELECT_ARCADE, {"id": arcade_id})).one_or_none()
    return (await conn.execute(SELECT_ARCADE_AS_OF, {"id": arcade_id, "read_time": read_time})).one_or_none()


async def select_nearby(conn: AsyncConnection, **params):
    return (await conn.execute(SELECT_NEARBY, params)).all()
