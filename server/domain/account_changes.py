"""Changes a user makes to their own account: the screen name, deletion, and the data export."""

from __future__ import annotations

import datetime
import json
import uuid

from server.db import account_changes as db
from server.db import staff as staff_db
from server.db.engine import read, transaction
from server.deps import Deps
from server.domain import credentials, screen_names, second_factor, sessions, validate
from server.domain.accounts import screen_name_key
from server.domain.callers import Caller
from server.errors import FailedPrecondition, InvalidArgument, NotFound, ResourceExhausted

async def do_update_screen_name(deps: Deps, caller: Caller, screen_name: str) -> tuple[str, datetime.datetime]:
    """Validate and store a new screen name at most once per settings.screen_name_change_days.

    Returns the stored name and the earliest time of the next change. The
    name that is the caller's already is returned unchanged, without
    counting as a change.
    """
    user_id = caller.require_user()
    screen_name = validate.text("screen_name", screen_name, min_length=3, max_length=32)
    key = screen_name_key(screen_name)
    interval = datetime.timedelta(days=deps.settings.screen_name_change_days)

    async with transaction(deps.engine) as conn:
        row = await _lock_live_user(conn, user_id)
        now = datetime.datetime.now(datetime.timezone.utc)
        last_change = row.screen_name_change_time
        if row.screen_name == screen_name:
            return screen_name, (last_change + interval if last_change else now)
        if last_change is not None and now < last_change + interval:
            wait = last_change + interval - now
            raise ResourceExhausted(
                f"the screen name can change once every {deps.settings.screen_name_change_days:g} days. "
                f"Try again after {(last_change + interval).isoformat(timespec='seconds')}",
                reason="SCREEN_NAME_CHANGE_TOO_SOON",
                retry_after_seconds=wait.total_seconds(),
            )
        skeleton = await screen_names.check_free(conn, key, user_id=user_id)
        await db.update_screen_name(conn, user_id, screen_name, key, skeleton, now)
    return screen_name, now + interval


async def _lock_live_user(conn, user_id: uuid.UUID):
    row = await db.lock_user(conn, user_id)
    if row is None or row.delete_time is not None:
        raise NotFound("the account does not exist", reason="USER_NOT_FOUND")
    return row


async def do_delete_account(
    deps: Deps, caller: Caller, password: str, factor_code: str = "", client_address: str = ""
) -> None:
    """Check the password (and the second factor, when one is on), then clear the account's personal data and end its sessions.

    The users row stays, so scores and check-ins keep their user ID and
    boards show them as "Deleted player" (an empty screen name). The email
    and screen-name keys become "deleted:<id>", which frees both for new
    accounts.

    NOTE: the history tables keep what is not personal: the account's ID,
    when it was created and deleted, its scores, check-ins, moderation and
    staff records (IDs and times only). The email, phone number, password
    hash and screen names are cleared from users_history as well, and client
    addresses from sessions and sessions_history, because an erasure that
    left them in history would not be one.
    """
    user_id = caller.require_user()
    if not password:
        raise InvalidArgument("password", "required: the account's current password")
    if factor_code:
        second_factor.parse_code("second_factor_code", factor_code)
    # Wrong passwords count against the same limits as log-in.
    await credentials.check_current_password(deps, user_id, password, "password", client_address)

    async with transaction(deps.engine) as conn:
        await _lock_live_user(conn, user_id)
        factor = await second_factor.confirmed_factor(conn, user_id, lock=True)
        if factor is not None and not (factor_code and await second_factor.verify_code(deps, conn, factor, factor_code)):
            credentials.reject_second_factor(deps, user_id, client_address)
        if await db.owns_arcades(conn, user_id):
            raise FailedPrecondition(
                "an account that owns an arcade cannot be deleted",
                reason="OWNS_ARCADES",
            )
        await sessions.end_all_sessions(deps, conn, user_id, "account_deleted")
        await staff_db.delete_user_staff(conn, user_id)
        await db.clear_user(conn, user_id)
    deps.sessions.clear()


async def export_account_data(deps: Deps, caller: Caller) -> tuple[str, datetime.datetime]:
    """Return the caller's data as a JSON document, and the time of the export."""
    user_id = caller.require_user()
    async with read(deps.engine) as conn:
        tables = await db.select_export(conn, user_id)
    if not tables["profile"]:
        raise NotFound("the account does not exist", reason="USER_NOT_FOUND")

    document = {name: [_plain(row._mapping) for row in rows] for name, rows in tables.items()}
    document["profile"] = document["profile"][0]
    return json.dumps(document, ensure_ascii=False, sort_keys=True), datetime.datetime.now(datetime.timezone.utc)


def _plain(mapping) -> dict:
    """Return a row as JSON values: UUIDs as strings, times as RFC 3339 in UTC."""
    plain = {}
    for name, value in mapping.items():
        if isinstance(value, uuid.UUID):
            value = str(value)
        elif isinstance(value, datetime.datetime):
            value = value.astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z")
        plain[name] = value
    return plain
