"""Check-ins at the machine, and claiming an initials-only score later.

A device requests a claim code for a player slot, and a signed-in player
claims it. Scores the device then sends for that slot are the player's. Codes are 8
characters from a 31-character alphabet (about 40 bits), valid for a few
minutes and once, and only their SHA-256 is stored. Failed claims are
limited per user and per client address, so guessing a code would take
far longer than a code lives.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import re
import secrets
import uuid

from server.db import checkins as db
from server.db import machines as machines_db
from server.db import moderation as moderation_db
from server.db.engine import read, transaction
from server.deps import Deps
from server.domain import moderation
from server.domain.boards import ScoreRecord
from server.domain.callers import Caller, Device
from server.domain.machines import MachineRecord
from server.domain.periods import UTC
from server.domain.scores import MAX_PLAYER_SLOT
from server.errors import FailedPrecondition, InvalidArgument, NotFound

# No 0/O, 1/I/L: the letters and digits that people misread.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
QR_PREFIX = "origin://checkin/"
# The window in which failed claims are counted.
FAILURE_WINDOW_SECONDS = 15 * 60
_SEPARATORS = re.compile(r"[\s-]+")


@dataclasses.dataclass(frozen=True)
class CheckInCode:
    code: str
    qr_payload: str
    player_slot: int
    expire_time: datetime.datetime


@dataclasses.dataclass(frozen=True)
class CheckInRecord:
    id: int
    machine_id: uuid.UUID
    player_slot: int
    user_id: uuid.UUID
    screen_name: str
    start_time: datetime.datetime
    expire_time: datetime.datetime
    end_time: datetime.datetime | None


@dataclasses.dataclass(frozen=True)
class Claimed:
    check_in: CheckInRecord
    machine: MachineRecord


def check_player_slot(slot: int, *, allow_none: bool = False) -> int:
    low = 0 if allow_none else 1
    if not low <= slot <= MAX_PLAYER_SLOT:
        allowed = "from 1 to 6, or 0 for every slot" if allow_none else "from 1 to 6"
        raise InvalidArgument("player_slot", f"must be {allowed}, got {slot}")
    return slot


def normalize_code(value: str) -> str:
    """Return the code from what a player typed or scanned: case, spaces and dashes do not matter."""
    if value.lower().startswith(QR_PREFIX):
        value = value[len(QR_PREFIX) :]
    code = _SEPARATORS.sub("", value).upper()
    if not code:
        raise InvalidArgument("code", "required: the 8-character code the machine shows")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        raise InvalidArgument("code", f"must be {CODE_LENGTH} characters from {CODE_ALPHABET}")
    return code


def hash_code(code: str) -> bytes:
    return hashlib.sha256(code.encode()).digest()


async def do_create_code(deps: Deps, device: Device, player_slot: int) -> CheckInCode:
    """Issue a code for a slot of the device's machine, replacing the slot's unclaimed code."""
    slot = check_player_slot(player_slot)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    now = datetime.datetime.now(UTC)
    expire_time = now + datetime.timedelta(seconds=deps.settings.check_in_code_seconds)
    async with transaction(deps.engine) as conn:
        await db.replace_code(
            conn, code_hash=hash_code(code), machine_id=device.machine_id, player_slot=slot, now=now,
            expire_time=expire_time,
        )
    return CheckInCode(code, QR_PREFIX + code, slot, expire_time)


async def do_claim_check_in(deps: Deps, caller: Caller, code: str, client_address: str) -> Claimed:
    """Check the caller in with a code, then notify the machines involved after commit.

    A failed claim counts against the user and the client address, and a
    caller over the limit is rejected before the code is even looked up.
    """
    user_id = caller.require_user()
    keys = (f"user:{user_id}", f"address:{client_address}")
    deps.claim_failures.check(*keys)
    code = normalize_code(code)
    now = datetime.datetime.now(UTC)

    async with transaction(deps.engine) as conn:
        claimed = await db.claim_code(conn, hash_code(code), now)
        if claimed is None:
            deps.claim_failures.record(*keys)
            raise NotFound("the check-in code is unknown, expired or already used", reason="CHECK_IN_CODE_NOT_FOUND")
        machine = MachineRecord(**(await machines_db.select_machine(conn, claimed.machine_id))._mapping)
        closed = await db.close_for_claim(
            conn, machine_id=machine.id, player_slot=claimed.player_slot, user_id=user_id, now=now
        )
        opened = await db.insert_check_in(
            conn, machine_id=machine.id, arcade_id=machine.arcade_id, player_slot=claimed.player_slot,
            user_id=user_id, now=now, expire_time=now + datetime.timedelta(seconds=deps.settings.check_in_seconds),
        )

    _notify(deps, [CheckInRecord(**row._mapping) for row in closed])
    check_in = CheckInRecord(**opened._mapping)
    _notify(deps, [check_in])
    return Claimed(check_in, machine)


async def do_end_check_ins(deps: Deps, device: Device, player_slot: int) -> list[CheckInRecord]:
    """End the open check-ins of a slot, or of every slot, then notify the device's streams after commit."""
    slot = check_player_slot(player_slot, allow_none=True)
    async with transaction(deps.engine) as conn:
        rows = await db.end_check_ins(conn, device.machine_id, slot, datetime.datetime.now(UTC))
    ended = [CheckInRecord(**row._mapping) for row in rows]
    _notify(deps, ended)
    return ended


async def list_open_check_ins(deps: Deps, device: Device) -> list[CheckInRecord]:
    """Return the machine's open check-ins, for a stream that (re)connects."""
    async with read(deps.engine) as conn:
        rows = await db.select_open(conn, device.machine_id, datetime.datetime.now(UTC))
    return [CheckInRecord(**row._mapping) for row in rows]


def _notify(deps: Deps, check_ins: list[CheckInRecord]) -> None:
    """Send check-ins, started or ended, to their machines' open streams. Call only after commit."""
    if deps.mailboxes is None:
        return
    for check_in in check_ins:
        deps.mailboxes.send(check_in.machine_id, check_in)


async def do_claim_score(deps: Deps, caller: Caller, score_id: str) -> ScoreRecord:
    """Make an unclaimed score the caller's within the arcade's claim window.

    An accepted score's own board entries move to the caller's entries, where
    it beats the caller's best. Watchers hear of it after commit.

    NOTE: any signed-in user may claim any unclaimed score in the window,
    because nothing ties initials to an account. The owner's remedy for a
    false claim is VoidScore.
    """
    user_id = caller.require_user()
    async with transaction(deps.engine) as conn:
        row = await moderation_db.select_for_update(conn, moderation.parse_score_id(score_id))
        if row is None:
            raise NotFound(f"score {score_id} does not exist", reason="SCORE_NOT_FOUND")
        await _check_claimable(conn, row)
        await moderation_db.set_claim(conn, row.id, user_id, datetime.datetime.now(UTC))
        if row.status == "accepted":
            await moderation_db.delete_score_entries(conn, row.id)
            await moderation.add_to_boards(conn, row, user_id)
        record = moderation.score_record(await moderation_db.select_for_update(conn, row.id))

    if row.status == "accepted":
        deps.hub.publish(record)
    return record


async def _check_claimable(conn, row) -> None:
    if row.user_id is not None:
        raise FailedPrecondition(f"score {row.id} already belongs to a player", reason="SCORE_ALREADY_CLAIMED")
    if row.status == "voided":
        raise FailedPrecondition(f"score {row.id} is voided", reason="SCORE_VOIDED")
    window = await moderation_db.select_claim_window(conn, row.arcade_id)
    if window is None:
        window = moderation.DEFAULT_CLAIM_WINDOW_SECONDS
    if datetime.datetime.now(UTC) - row.achieve_time > datetime.timedelta(seconds=window):
        raise FailedPrecondition(
            f"score {row.id} can no longer be claimed: the arcade's claim window is {window} seconds",
            reason="CLAIM_WINDOW_CLOSED",
        )
