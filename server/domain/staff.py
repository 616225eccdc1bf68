"""Arcade staff: the owner (or an admin) adds, removes and lists the users who help run an arcade."""

from __future__ import annotations

import dataclasses
import datetime
import uuid

from server.db import staff as db
from server.db import users as users_db
from server.db.engine import read, transaction
from server.deps import Deps
from server.domain import paging, validate
from server.domain.arcades import access_owned_arcade
from server.domain.callers import Caller
from server.errors import InvalidArgument, NotFound


@dataclasses.dataclass(frozen=True)
class StaffMember:
    user_id: uuid.UUID
    screen_name: str
    add_time: datetime.datetime


@dataclasses.dataclass(frozen=True)
class StaffPage:
    members: list[StaffMember]
    next_page_token: str


async def do_add_staff(deps: Deps, caller: Caller, arcade_id: str, user_id: str) -> StaffMember:
    """Add a user to the staff of an arcade the caller owns (or any arcade, for an admin)."""
    member_id = validate.parse_uuid("user_id", user_id)
    async with transaction(deps.engine) as conn:
        arcade = await access_owned_arcade(conn, caller, arcade_id)
        if member_id == arcade.owner_id:
            raise InvalidArgument("user_id", "is the arcade's owner, who has every staff right already")
        user = await users_db.select_user(conn, member_id)
        if user is None:
            raise NotFound(f"user {user_id} does not exist", reason="USER_NOT_FOUND")
        await db.insert_staff(conn, arcade.id, member_id, caller.user_id)
        return StaffMember(**(await db.select_staff_member(conn, arcade.id, member_id))._mapping)


async def do_remove_staff(deps: Deps, caller: Caller, arcade_id: str, user_id: str) -> None:
    member_id = validate.parse_uuid("user_id", user_id)
    async with transaction(deps.engine) as conn:
        arcade = await access_owned_arcade(conn, caller, arcade_id)
        if not await db.delete_staff(conn, arcade.id, member_id):
            raise NotFound(f"user {user_id} is not on this arcade's staff", reason="STAFF_MEMBER_NOT_FOUND")


async def list_staff(deps: Deps, caller: Caller, arcade_id: str, page_size: int, page_token: str) -> StaffPage:
    limit = validate.page_size("page_size", page_size, default=50)
    query = ["staff", arcade_id]
    position = paging.decode(page_token, query)
    after = (
        paging.unpack(position, datetime.datetime.fromisoformat, uuid.UUID)
        if position
        else (datetime.datetime.min.replace(tzinfo=datetime.timezone.utc), uuid.UUID(int=0))
    )

    async with read(deps.engine) as conn:
        arcade = await access_owned_arcade(conn, caller, arcade_id)
        rows = await db.select_staff_page(conn, arcade.id, after[0], after[1], limit + 1)

    members = [StaffMember(**row._mapping) for row in rows]
    next_token = ""
    if len(members) > limit:
        members = members[:limit]
        next_token = paging.encode(query, [members[-1].add_time.isoformat(), str(members[-1].user_id)])
    return StaffPage(members, next_token)
