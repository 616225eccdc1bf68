"""Arcades: creation, reads and the nearby search."""

from __future__ import annotations

import dataclasses
import functools
import datetime
import math
import uuid
import zoneinfo

from server.db import arcades as db
from server.db.engine import read, transaction
from server.deps import Deps
from server.domain import paging, roles, validate
from server.domain.callers import Caller
from server.errors import AlreadyExists, InvalidArgument, NotFound, PermissionDenied

EARTH_RADIUS_METERS = 6371008.8
DEFAULT_RADIUS_METERS = 50_000.0
MAX_RADIUS_METERS = 1_000_000.0


@dataclasses.dataclass(frozen=True)
class ArcadeRecord:
    id: uuid.UUID
    owner_id: uuid.UUID
    display_name: str
    address: str
    latitude: float
    longitude: float
    time_zone: str
    create_time: datetime.datetime | None


@dataclasses.dataclass(frozen=True)
class NearbyPage:
    arcades: list[tuple[ArcadeRecord, float]]
    next_page_token: str


def check_coordinates(latitude: float, longitude: float) -> None:
    if not (math.isfinite(latitude) and -90 <= latitude <= 90):
        raise InvalidArgument("latitude", f"must be from -90 to 90 degrees, got {latitude}")
    if not (math.isfinite(longitude) and -180 <= longitude <= 180):
        raise InvalidArgument("longitude", f"must be from -180 to 180 degrees, got {longitude}")


def check_time_zone(name: str) -> str:
    if not name:
        raise InvalidArgument("time_zone", "required: an IANA time zone such as Europe/Berlin")
    # Membership in the IANA list, not just a loadable file: the zone
    # directory also holds "localtime" and "posixrules", which are not zones.
    if name not in _zone_names():
        raise InvalidArgument("time_zone", f"{name!r:.60} is not an IANA time zone such as Europe/Berlin")
    return name


@functools.cache
def _zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) - {"localtime", "posixrules", "Factory"}


async def check_create_arcade(
    deps: Deps,
    caller: Caller,
    *,
    display_name: str,
    address: str,
    latitude: float,
    longitude: float,
    time_zone: str,
    request_id: str,
) -> ArcadeRecord:
    """Validate and create an arcade owned by the caller; a repeated request_id returns the first arcade."""
    owner_id = caller.require_user()
    values = {
        "owner_id": owner_id,
        "display_name": validate.text("display_name", display_name, min_length=1, max_length=100),
        "address": validate.text("address", address, max_length=300),
        "latitude": latitude,
        "longitude": longitude,
        "time_zone": check_time_zone(time_zone),
        "request_id": validate.request_id("request_id", request_id),
    }
    check_coordinates(latitude, longitude)

    async with transaction(deps.engine) as conn:
        arcade_id = await db.insert_arcade(conn, **values)
        if arcade_id is not None:
            return ArcadeRecord(**(await db.select_arcade(conn, arcade_id))._mapping)
        first = ArcadeRecord(**(await db.select_by_request(conn, owner_id, values["request_id"]))._mapping)

    same = (first.display_name, first.address, first.latitude, first.longitude, first.time_zone) == (
        values["display_name"], values["address"], latitude, longitude, values["time_zone"],
    )
    if not same:
        raise AlreadyExists("request_id was already used for a different arcade", reason="REQUEST_ID_REUSED")
    return first


async def get_arcade(deps: Deps, arcade_id: str, read_time: datetime.datetime | None) -> ArcadeRecord:
    parsed = validate.parse_uuid("arcade_id", arcade_id)
    async with read(deps.engine) as conn:
        row = await db.select_arcade(conn, parsed, read_time)
    if row is None:
        raise NotFound(f"arcade {arcade_id} does not exist", reason="ARCADE_NOT_FOUND")
    return ArcadeRecord(**row._mapping)


async def access_owned_arcade(conn, caller: Caller, arcade_id: str, *, field: str = "arcade_id") -> ArcadeRecord:
    """Load an arcade and check that the caller owns it or is a platform admin. Runs on the caller's open connection.

    For changes to the arcade itself, its machines, device tokens, API keys and staff.
    """
    caller.require_user()
    arcade = await _load_arcade(conn, arcade_id, field)
    if await roles.arcade_role(conn, caller, arcade.id, arcade.owner_id) not in ("owner", "admin"):
        raise PermissionDenied("only the arcade's owner or a platform admin may do this", reason="NOT_ARCADE_OWNER")
    return arcade


async def access_staffed_arcade(
    conn, caller: Caller, arcade_id: str, *, field: str = "arcade_id", api_key_scope: str | None = None
) -> ArcadeRecord:
    """Load an arcade and check that the caller owns it, is on its staff or is a platform admin.

    For reading machines and statuses and for moderating scores. With
    `api_key_scope`, an API key of this arcade with that scope also passes.
    """
    if caller.api_key is not None and api_key_scope is not None:
        arcade = await _load_arcade(conn, arcade_id, field)
        roles.check_api_key_scope(caller, arcade.id, api_key_scope)
        return arcade
    caller.require_user()
    arcade = await _load_arcade(conn, arcade_id, field)
    if await roles.arcade_role(conn, caller, arcade.id, arcade.owner_id) is None:
        # The same reason as for owner-only calls, which clients already handle.
        raise PermissionDenied(
            "only the arcade's owner, its staff or a platform admin may do this", reason="NOT_ARCADE_OWNER"
        )
    return arcade


async def _load_arcade(conn, arcade_id: str, field: str) -> ArcadeRecord:
    row = await db.select_arcade(conn, validate.parse_uuid(field, arcade_id))
    if row is None:
        raise NotFound(f"arcade {arcade_id} does not exist", reason="ARCADE_NOT_FOUND")
    return ArcadeRecord(**row._mapping)


async def list_nearby_arcades(
    deps: Deps, *, latitude: float, longitude: float, radius_meters: float, page_size: int, page_token: str
) -> NearbyPage:
    check_coordinates(latitude, longitude)
    radius = radius_meters or DEFAULT_RADIUS_METERS
    if not (math.isfinite(radius) and 1 <= radius <= MAX_RADIUS_METERS):
        raise InvalidArgument("radius_meters", f"must be from 1 to {MAX_RADIUS_METERS:.0f} metres, got {radius_meters}")
    limit = validate.page_size("page_size", page_size, default=20)
    query = [latitude, longitude, radius]
    position = paging.decode(page_token, query)
    after_distance, after_id = (
        paging.unpack(position, float, uuid.UUID) if position else (-1.0, uuid.UUID(int=0))
    )

    params = {
        "lat": latitude,
        "lon": longitude,
        "radius": radius,
        "after_distance": after_distance,
        "after_id": after_id,
        "limit": limit + 1,
        **_bounding_box(latitude, longitude, radius),
    }
    async with read(deps.engine) as conn:
        rows = await db.select_nearby(conn, **params)

    found = [(ArcadeRecord(**{k: v for k, v in row._mapping.items() if k != "distance"}), row.distance) for row in rows]
    next_token = ""
    if len(found) > limit:
        found = found[:limit]
        last, distance = found[-1]
        next_token = paging.encode(query, [distance, str(last.id)])
    return NearbyPage(found, next_token)


def _bounding_box(latitude: float, longitude: float, radius: float) -> dict:
    """Return a latitude/longitude box that contains the circle, so the index can narrow the search."""
    delta_lat = math.degrees(radius / EARTH_RADIUS_METERS)
    min_lat, max_lat = latitude - delta_lat, latitude + delta_lat
    # Near a pole, or for a circle that covers one, every longitude qualifies.
    if max_lat >= 90 or min_lat <= -90:
        return {"min_lat": max(min_lat, -90), "max_lat": min(max_lat, 90), "min_lon": -180.0, "max_lon": 180.0,
                "all_longitudes": True}
    delta_lon = math.degrees(math.asin(min(1.0, math.sin(radius / EARTH_RADIUS_METERS) / math.cos(math.radians(latitude)))))
    return {"min_lat": min_lat, "max_lat": max_lat, "min_lon": longitude - delta_lon, "max_lon": longitude + delta_lon,
            "all_longitudes": False}
