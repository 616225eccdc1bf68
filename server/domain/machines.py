"""Machines, the game catalogue, and device tokens."""

from __future__ import annotations

import dataclasses
import datetime
import re
import time
import unicodedata
import uuid

from server.db import games as games_db
from server.db import machines as db
from server.db.engine import read, transaction
from server.deps import Deps
from server.domain import paging, security, validate
from server.domain.arcades import access_owned_arcade, access_staffed_arcade
from server.domain.callers import Caller, Device
from server.domain.games import check_opdb_id
from server.errors import AlreadyExists, NotFound, Unauthenticated

# One message for every bad device token, so a caller cannot tell a revoked
# token from one that never existed.
BAD_DEVICE_TOKEN = "the device token is missing, unknown or revoked"
# A device's last-seen time is written at most this often.
ACTIVITY_INTERVAL_SECONDS = 5.0

_REVISION = re.compile(r"\s*\([^()]*\)\s*$")


@dataclasses.dataclass(frozen=True)
class MachineRecord:
    id: uuid.UUID
    seq: int
    arcade_id: uuid.UUID
    game_id: str
    game_title: str
    display_name: str
    device_token_prefix: str | None
    device_token_active: bool
    last_seen_time: datetime.datetime | None
    create_time: datetime.datetime | None


@dataclasses.dataclass(frozen=True)
class MachineWithToken:
    machine: MachineRecord
    device_token: str


@dataclasses.dataclass(frozen=True)
class MachinePage:
    machines: list[MachineRecord]
    next_page_token: str


def game_of_title(title: str) -> tuple[str, str]:
    """Return (game ID, game title) for a machine title: the revision in the last
    parentheses is dropped, so "Attack From Mars (1.13b / S1.1)" and
    "Attack From Mars (1.13)" share the game "attack-from-mars"."""
    game_title = _REVISION.sub("", title).strip() or title.strip()
    folded = unicodedata.normalize("NFKD", game_title.casefold())
    slug = re.sub(r"[^a-z0-9]+", "-", folded.encode("ascii", "ignore").decode()).strip("-")
    if not slug:
        # A title with no ASCII letters or digits at all still needs an ID.
        slug = "game-" + folded.encode().hex()[:24]
    return slug[:80], game_title


async def check_create_machine(
    deps: Deps,
    caller: Caller,
    *,
    arcade_id: str,
    game_title: str,
    display_name: str,
    request_id: str,
    opdb_id: str = "",
) -> MachineWithToken:
    """Register a machine in an arcade the caller owns and issue its device token.

    A repeated request_id returns the first machine with a fresh token, and
    the token of the first reply stops working.
    """
    game_title = validate.text("game_title", game_title, min_length=1, max_length=200)
    display_name = validate.text("display_name", display_name, max_length=100) or game_title[:100]
    request = validate.request_id("request_id", request_id)
    opdb = check_opdb_id(opdb_id)
    game_id, catalogue_title = game_of_title(game_title)
    token, token_hash, token_prefix = security.new_device_token()

    async with transaction(deps.engine) as conn:
        arcade = await access_owned_arcade(conn, caller, arcade_id)
        await db.upsert_game(conn, game_id, catalogue_title)
        if opdb is not None:
            await games_db.set_opdb_id(conn, game_id, opdb)
        machine_id = await db.insert_machine(
            conn,
            arcade_id=arcade.id,
            game_id=game_id,
            game_title=game_title,
            display_name=display_name,
            token_hash=token_hash,
            token_prefix=token_prefix,
            request_id=request,
        )
        if machine_id is None:
            first = MachineRecord(**(await db.select_by_request(conn, arcade.id, request))._mapping)
            if (first.game_title, first.display_name) != (game_title, display_name):
                raise AlreadyExists("request_id was already used for a different machine", reason="REQUEST_ID_REUSED")
            machine_id = first.id
            await db.update_token(conn, machine_id, token_hash, token_prefix)
        machine = MachineRecord(**(await db.select_machine(conn, machine_id))._mapping)

    deps.device_tokens.forget_machine(machine_id)
    return MachineWithToken(machine, token)


async def access_owned_machine(conn, caller: Caller, machine_id: str, *, staff: bool = False) -> MachineRecord:
    """Load a machine and check that the caller owns its arcade or is an admin; with `staff`, its staff pass too."""
    caller.require_user()
    parsed = validate.parse_uuid("machine_id", machine_id)
    row = await db.select_machine(conn, parsed)
    if row is None:
        raise NotFound(f"machine {machine_id} does not exist", reason="MACHINE_NOT_FOUND")
    machine = MachineRecord(**row._mapping)
    access = access_staffed_arcade if staff else access_owned_arcade
    await access(conn, caller, str(machine.arcade_id))
    return machine


async def get_machine(deps: Deps, caller: Caller, machine_id: str, read_time: datetime.datetime | None) -> MachineRecord:
    async with read(deps.engine) as conn:
        # Staff see machines; changes to them stay with the owner.
        machine = await access_owned_machine(conn, caller, machine_id, staff=True)
        if read_time is None:
            return machine
        row = await db.select_machine(conn, machine.id, read_time)
    if row is None:
        raise NotFound(f"machine {machine_id} did not exist at read_time", reason="MACHINE_NOT_FOUND")
    return MachineRecord(**row._mapping)


async def list_machines(deps: Deps, caller: Caller, arcade_id: str, page_size: int, page_token: str) -> MachinePage:
    limit = validate.page_size("page_size", page_size, default=50)
    query = ["machines", arcade_id]
    position = paging.decode(page_token, query)
    after_seq = paging.unpack(position, paging.int64)[0] if position else 0

    async with read(deps.engine) as conn:
        arcade = await access_staffed_arcade(conn, caller, arcade_id)
        rows = await db.select_machines_page(conn, arcade.id, after_seq, limit + 1)

    machines = [MachineRecord(**row._mapping) for row in rows]
    next_token = ""
    if len(machines) > limit:
        machines = machines[:limit]
        next_token = paging.encode(query, [machines[-1].seq])
    return MachinePage(machines, next_token)


async def do_revoke_device_token(deps: Deps, caller: Caller, machine_id: str) -> MachineRecord:
    """Clear the machine's token and any previous token still in its overlap, at once."""
    async with transaction(deps.engine) as conn:
        machine = await access_owned_machine(conn, caller, machine_id)
        await db.update_token(conn, machine.id, None, None)
        machine = MachineRecord(**(await db.select_machine(conn, machine.id))._mapping)
    deps.device_tokens.forget_machine(machine.id)
    return machine


async def do_renew_device_token(deps: Deps, caller: Caller, machine_id: str) -> MachineWithToken:
    """Issue a new token, and keep the replaced one working for the overlap setting."""
    token, token_hash, token_prefix = security.new_device_token()
    overlap = datetime.timedelta(seconds=deps.settings.device_token_overlap_seconds)
    async with transaction(deps.engine) as conn:
        machine = await access_owned_machine(conn, caller, machine_id)
        previous_expire = datetime.datetime.now(datetime.timezone.utc) + overlap
        await db.renew_token(conn, machine.id, token_hash, token_prefix, previous_expire)
        machine = MachineRecord(**(await db.select_machine(conn, machine.id))._mapping)
    deps.device_tokens.forget_machine(machine.id)
    return MachineWithToken(machine, token)


class DeviceTokenCache:
    """Resolves device tokens by their SHA-256 and caches each result briefly.

    Revocation and renewal in this process drop the machine's entry at once;
    other processes see the change when their entry expires.
    """

    def __init__(self, ttl_seconds: float):
        self._ttl = ttl_seconds
        self._entries: dict[bytes, tuple[float, Device]] = {}
        self._seen: dict[uuid.UUID, float] = {}

    async def authenticate(self, deps: Deps, token: str) -> Device:
        if not token.startswith(security.DEVICE_TOKEN_PREFIX) or len(token) > 200:
            raise Unauthenticated(BAD_DEVICE_TOKEN, reason="BAD_DEVICE_TOKEN")
        token_hash = security.hash_device_token(token)
        now = time.monotonic()
        cached = self._entries.get(token_hash)
        if cached is not None and cached[0] > now:
            device = cached[1]
        else:
            device, valid_seconds = await self._load(deps, token_hash)
            if len(self._entries) > 100_000:
                self._entries.clear()
            self._entries[token_hash] = (now + min(self._ttl, valid_seconds), device)

        await self._touch(deps, device, now)
        return device

    async def _load(self, deps: Deps, token_hash: bytes) -> tuple[Device, float]:
        """Return the token's device and how long the token stays valid, in seconds."""
        async with read(deps.engine) as conn:
            row = await db.select_device(conn, token_hash)
        # The index lookup found the row by hash; comparing the digests again
        # in constant time costs nothing and guards against any lookup quirk.
        if row is None or not security.same_digest(row.matched_hash, token_hash):
            raise Unauthenticated(BAD_DEVICE_TOKEN, reason="BAD_DEVICE_TOKEN")
        # A previous token in its renewal overlap is cached no longer than it works.
        valid_seconds = float("inf")
        if row.expire_time is not None:
            valid_seconds = (row.expire_time - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        return Device(row.id, row.arcade_id, row.game_id, row.time_zone), valid_seconds

    async def _touch(self, deps: Deps, device: Device, now: float) -> None:
        if self._seen.get(device.machine_id, 0.0) > now:
            return
        self._seen[device.machine_id] = now + ACTIVITY_INTERVAL_SECONDS
        async with transaction(deps.engine) as conn:
            await db.upsert_activity(conn, device.machine_id, datetime.datetime.now(datetime.timezone.utc))
        # A device that comes back online changes its arcade's statuses.
        if deps.statuses is not None:
            deps.statuses.mark(device.arcade_id)

    def forget_machine(self, machine_id: uuid.UUID) -> None:
        for key, (_, device) in list(self._entries.items()):
            if device.machine_id == machine_id:
                del self._entries[key]
