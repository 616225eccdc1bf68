"""Roles beyond the player: platform admins, arcade staff, and who may act on an arcade.

- The owner of an arcade may do everything to it.
- Staff of an arcade read its machines and machine statuses and moderate its
  scores, nothing more.
- A platform admin may do whatever any owner may, on every arcade. Admins are
  granted from the command line (`python -m server admin grant EMAIL`), so no
  RPC can make anyone an admin.
- A partner API key reads what its scopes name, for its one arcade.

The access_ functions of arcades, machines, moderation and statuses use
these checks; each RPC's comment in the protos names its callers.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncEngine

from server import policy
from server.db import staff as db
from server.db import users as users_db
from server.db.engine import read, transaction
from server.domain.accounts import check_email, email_key
from server.domain.callers import Caller
from server.errors import NotFound, PermissionDenied

# The scopes of partner API keys, as stored; server/policy.py maps methods to them.
BOARDS_READ = policy.BOARDS_READ
MACHINE_STATUSES_READ = policy.MACHINE_STATUSES_READ
SCOPES = (BOARDS_READ, MACHINE_STATUSES_READ)


async def is_admin(conn, caller: Caller) -> bool:
    if caller.user_id is None:
        return False
    return await db.is_admin(conn, caller.user_id)


async def arcade_role(conn, caller: Caller, arcade_id: uuid.UUID, owner_id: uuid.UUID) -> str | None:
    """Return "owner", "staff" or "admin" for a user's relation to an arcade, or None.

    The owner check needs no query; staff and admin are looked up only for
    callers who are not the owner.
    """
    if caller.user_id is None:
        return None
    if caller.user_id == owner_id:
        return "owner"
    if await db.is_staff(conn, arcade_id, caller.user_id):
        return "staff"
    if await db.is_admin(conn, caller.user_id):
        return "admin"
    return None


def check_api_key_scope(caller: Caller, arcade_id: uuid.UUID, scope: str) -> None:
    """Raise PermissionDenied unless the caller's API key has `scope` on this arcade."""
    key = caller.api_key
    if key is None or scope not in key.scopes:
        raise PermissionDenied(f"this call needs an API key with the {scope} scope", reason="API_KEY_SCOPE")
    if key.arcade_id != arcade_id:
        raise PermissionDenied("this API key belongs to another arcade", reason="API_KEY_OTHER_ARCADE")


def check_api_key_board(caller: Caller, arcade_id: uuid.UUID | None) -> None:
    """Let an API key read only the arcade and machine boards of its arcade; other callers pass."""
    if caller.api_key is None:
        return
    if arcade_id is None:
        raise PermissionDenied("API keys read the boards of their own arcade, not global boards", reason="API_KEY_OTHER_ARCADE")
    check_api_key_scope(caller, arcade_id, BOARDS_READ)


async def do_grant_admin(engine: AsyncEngine, email: str) -> uuid.UUID:
    """Make the account with this email a platform admin; granting twice changes nothing.

    Takes the engine alone, because the `admin` command runs without a server.
    """
    async with transaction(engine) as conn:
        user_id = await _user_of_email(conn, email)
        await db.insert_admin(conn, user_id)
    return user_id


async def do_revoke_admin(engine: AsyncEngine, email: str) -> bool:
    """Take admin rights from the account with this email; return whether it had them."""
    async with transaction(engine) as conn:
        return await db.delete_admin(conn, await _user_of_email(conn, email))


async def list_admins(engine: AsyncEngine) -> list[tuple[uuid.UUID, str]]:
    async with read(engine) as conn:
        return [(row.id, row.email) for row in await db.select_admins(conn)]


async def _user_of_email(conn, email: str) -> uuid.UUID:
    row = await users_db.select_login(conn, email_key(check_email(email)))
    if row is None:
        raise NotFound(f"no account has the email {email!r}", reason="USER_NOT_FOUND")
    return row.id
