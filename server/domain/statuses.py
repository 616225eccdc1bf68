"""Machine statuses: heartbeats and states from devices, read by the arcade's owner and staff."""

from __future__ import annotations

import dataclasses
import datetime
import uuid

from server.db import statuses as db
from server.db.engine import read, transaction
from server.deps import Deps
from server.domain import paging, validate
from server.domain import roles
from server.domain.arcades import access_staffed_arcade
from server.domain.callers import Caller, Device

STATES = ("idle", "in_game", "out_of_order")


@dataclasses.dataclass(frozen=True)
class StatusRecord:
    machine_id: uuid.UUID
    seq: int
    display_name: str
    online: bool
    last_seen_time: datetime.datetime | None
    state: str | None
    state_time: datetime.datetime | None

    def change_key(self) -> tuple:
        """Return the fields whose change a watcher receives. A newer last-seen time alone is no change."""
        return (self.display_name, self.online, self.state, self.state_time)


@dataclasses.dataclass(frozen=True)
class StatusPage:
    statuses: list[StatusRecord]
    next_page_token: str


def _record(row, now: datetime.datetime, offline_seconds: float) -> StatusRecord:
    seen = row.last_seen_time
    online = seen is not None and (now - seen).total_seconds() <= offline_seconds
    return StatusRecord(row.machine_id, row.seq, row.display_name, online, seen, row.state, row.state_time)


async def do_report_status(deps: Deps, device: Device, state: str | None) -> None:
    """Record a device's state when it changed, and notify the arcade's watchers.

    The heartbeat itself is the authentication of the call, which writes the
    last-seen time (at most every few seconds per machine).
    """
    if state is None:
        return
    async with transaction(deps.engine) as conn:
        changed = await db.upsert_state(conn, device.machine_id, state, datetime.datetime.now(datetime.timezone.utc))
    if changed and deps.statuses is not None:
        deps.statuses.mark(device.arcade_id)


async def read_arcade_statuses(deps: Deps, arcade_id: uuid.UUID) -> list[StatusRecord]:
    """Read the status of every machine of an arcade, for watchers."""
    async with read(deps.engine) as conn:
        rows = await db.select_status_page(conn, arcade_id, 0, None)
    now = datetime.datetime.now(datetime.timezone.utc)
    return [_record(row, now, deps.settings.device_offline_seconds) for row in rows]


async def access_watched_arcade(deps: Deps, caller: Caller, arcade_id: str) -> uuid.UUID:
    """Check that the caller owns or staffs the arcade (or is an admin, or an API key with the statuses scope)."""
    async with read(deps.engine) as conn:
        arcade = await access_staffed_arcade(conn, caller, arcade_id, api_key_scope=roles.MACHINE_STATUSES_READ)
    return arcade.id


async def list_statuses(deps: Deps, caller: Caller, arcade_id: str, page_size: int, page_token: str) -> StatusPage:
    limit = validate.page_size("page_size", page_size, default=50)
    query = ["machine-statuses", arcade_id]
    position = paging.decode(page_token, query)
    after_seq = paging.unpack(position, paging.int64)[0] if position else 0

    async with read(deps.engine) as conn:
        arcade = await access_staffed_arcade(conn, caller, arcade_id, api_key_scope=roles.MACHINE_STATUSES_READ)
        rows = await db.select_status_page(conn, arcade.id, after_seq, limit + 1)

    now = datetime.datetime.now(datetime.timezone.utc)
    statuses = [_record(row, now, deps.settings.device_offline_seconds) for row in rows]
    next_token = ""
    if len(statuses) > limit:
        statuses = statuses[:limit]
        next_token = paging.encode(query, [statuses[-1].seq])
    return StatusPage(statuses, next_token)
