"""StaffService and platform admins: who may add staff, what staff and admins may do."""

from __future__ import annotations

import asyncio
import os
import pathlib
import sys
import uuid

import grpc
from origin.v1 import common_pb2, machine_pb2, machine_status_pb2, moderation_pb2, score_pb2, staff_pb2, staff_pb2_grpc

from server.domain import roles
from tests.helpers import create_arcade, create_machine, error_info, owner_with_machine, sign_up
from tests.services.support import assert_invalid, rpc_error

REPO = pathlib.Path(__file__).resolve().parents[2]


def _staff(api) -> staff_pb2_grpc.StaffServiceStub:
    return staff_pb2_grpc.StaffServiceStub(api.channel)


async def _add(api, caller, arcade_id, user_id) -> staff_pb2.AddStaffMemberResponse:
    request = staff_pb2.AddStaffMemberRequest(arcade_id=arcade_id, user_id=user_id)
    return await _staff(api).AddStaffMember(request, metadata=caller.metadata)


async def _held_score(api, owner, machine) -> str:
    await api.moderation.SetScoreRange(
        moderation_pb2.SetScoreRangeRequest(arcade_id=machine.arcade_id, game=machine.game_id, max_value=100),
        metadata=owner.metadata,
    )
    reply = await api.scores.SubmitScore(
        score_pb2.SubmitScoreRequest(submission_id=uuid.uuid4().hex, value=1000), metadata=machine.metadata
    )
    return reply.score.id


async def test_add_list_remove_staff(api):
    owner, arcade, _ = await owner_with_machine(api)
    members = [await sign_up(api, f"member{number}") for number in range(3)]

    added = [await _add(api, owner, arcade.id, member.user_id) for member in members]
    await _add(api, owner, arcade.id, members[0].user_id)
    first = await _staff(api).ListStaffMembers(
        staff_pb2.ListStaffMembersRequest(arcade_id=arcade.id, page_size=2), metadata=owner.metadata
    )
    second = await _staff(api).ListStaffMembers(
        staff_pb2.ListStaffMembersRequest(arcade_id=arcade.id, page_size=2, page_token=first.next_page_token),
        metadata=owner.metadata,
    )
    await _staff(api).RemoveStaffMember(
        staff_pb2.RemoveStaffMemberRequest(arcade_id=arcade.id, user_id=members[1].user_id), metadata=owner.metadata
    )
    after = await _staff(api).ListStaffMembers(
        staff_pb2.ListStaffMembersRequest(arcade_id=arcade.id), metadata=owner.metadata
    )

    assert added[0].staff_member.screen_name == "member0"
    listed = [member.user_id for member in [*first.staff_members, *second.staff_members]]
    assert listed == [member.user_id for member in members]
    assert second.next_page_token == ""
    assert [member.user_id for member in after.staff_members] == [members[0].user_id, members[2].user_id]


async def test_staff_rights_are_limited(api):
    owner, arcade, machine = await owner_with_machine(api)
    member = await sign_up(api)
    await _add(api, owner, arcade.id, member.user_id)
    held_id = await _held_score(api, owner, machine)

    statuses = await api.statuses.ListMachineStatuses(
        machine_status_pb2.ListMachineStatusesRequest(arcade_id=arcade.id), metadata=member.metadata
    )
    held = await api.moderation.ListHeldScores(
        moderation_pb2.ListHeldScoresRequest(arcade_id=arcade.id), metadata=member.metadata
    )
    voided = await api.moderation.VoidScore(
        moderation_pb2.VoidScoreRequest(score_id=held_id, reason="tilted"), metadata=member.metadata
    )
    denied = {
        "CreateMachine": api.machines.CreateMachine(
            machine_pb2.CreateMachineRequest(arcade_id=arcade.id, game_title="Cactus Canyon"), metadata=member.metadata
        ),
        "RenewDeviceToken": api.machines.RenewDeviceToken(
            machine_pb2.RenewDeviceTokenRequest(machine_id=machine.machine_id), metadata=member.metadata
        ),
        "RevokeDeviceToken": api.machines.RevokeDeviceToken(
            machine_pb2.RevokeDeviceTokenRequest(machine_id=machine.machine_id), metadata=member.metadata
        ),
        "SetScoreRange": api.moderation.SetScoreRange(
            moderation_pb2.SetScoreRangeRequest(arcade_id=arcade.id, game=machine.game_id, max_value=5),
            metadata=member.metadata,
        ),
        "AddStaffMember": _staff(api).AddStaffMember(
            staff_pb2.AddStaffMemberRequest(arcade_id=arcade.id, user_id=member.user_id), metadata=member.metadata
        ),
    }

    assert [status.machine_id for status in statuses.statuses] == [machine.machine_id]
    assert [score.id for score in held.scores] == [held_id]
    assert voided.score.status == common_pb2.SCORE_STATUS_VOIDED
    for name, call in denied.items():
        error = await rpc_error(call)
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, name
        assert error_info(error).reason == "NOT_ARCADE_OWNER", name


async def test_staff_of_one_arcade_only(api):
    owner, arcade, _ = await owner_with_machine(api)
    other_owner = await sign_up(api)
    other_arcade = await create_arcade(api, other_owner, name="Other Hall")
    member = await sign_up(api)
    await _add(api, owner, arcade.id, member.user_id)

    error = await rpc_error(
        api.moderation.ListHeldScores(moderation_pb2.ListHeldScoresRequest(arcade_id=other_arcade.id), metadata=member.metadata)
    )

    assert error.code() == grpc.StatusCode.PERMISSION_DENIED
    assert error_info(error).reason == "NOT_ARCADE_OWNER"


async def test_removed_staff_lose_access(api):
    owner, arcade, _ = await owner_with_machine(api)
    member = await sign_up(api)
    await _add(api, owner, arcade.id, member.user_id)
    await _staff(api).RemoveStaffMember(
        staff_pb2.RemoveStaffMemberRequest(arcade_id=arcade.id, user_id=member.user_id), metadata=owner.metadata
    )

    error = await rpc_error(
        api.moderation.ListHeldScores(moderation_pb2.ListHeldScoresRequest(arcade_id=arcade.id), metadata=member.metadata)
    )

    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


async def test_add_staff_bad_input(api):
    owner, arcade, _ = await owner_with_machine(api)

    itself = await rpc_error(_add(api, owner, arcade.id, owner.user_id))
    malformed = await rpc_error(_add(api, owner, arcade.id, "not-a-uuid"))
    unknown = await rpc_error(_add(api, owner, arcade.id, str(uuid.uuid4())))
    no_arcade = await rpc_error(_add(api, owner, str(uuid.uuid4()), owner.user_id))
    not_member = await rpc_error(
        _staff(api).RemoveStaffMember(
            staff_pb2.RemoveStaffMemberRequest(arcade_id=arcade.id, user_id=str(uuid.uuid4())), metadata=owner.metadata
        )
    )

    assert_invalid(itself, "user_id")
    assert_invalid(malformed, "user_id")
    assert error_info(unknown).reason == "USER_NOT_FOUND"
    assert error_info(no_arcade).reason == "ARCADE_NOT_FOUND"
    assert error_info(not_member).reason == "STAFF_MEMBER_NOT_FOUND"


async def test_void_by_staff_names_moderator(api, db):
    owner, arcade, machine = await owner_with_machine(api)
    member = await sign_up(api)
    await _add(api, owner, arcade.id, member.user_id)
    held_id = await _held_score(api, owner, machine)

    await api.moderation.VoidScore(moderation_pb2.VoidScoreRequest(score_id=held_id, reason="tilted"), metadata=member.metadata)

    row = await (await db.execute("SELECT moderator_id FROM scores WHERE id = %s", (int(held_id),))).fetchone()
    assert str(row[0]) == member.user_id


async def test_admin_acts_on_any_arcade(api):
    owner, arcade, _ = await owner_with_machine(api)
    admin = await sign_up(api, "theadmin")
    member = await sign_up(api)
    await roles.do_grant_admin(api.running.deps.engine, "theadmin@example.com")

    added = await _add(api, admin, arcade.id, member.user_id)
    machine = await create_machine(api, admin, arcade.id, "Cactus Canyon")
    await roles.do_revoke_admin(api.running.deps.engine, "theadmin@example.com")
    error = await rpc_error(_add(api, admin, arcade.id, member.user_id))

    assert added.staff_member.user_id == member.user_id
    assert machine.arcade_id == arcade.id
    assert error.code() == grpc.StatusCode.PERMISSION_DENIED


async def _run_admin(database_url: str, data_dir: pathlib.Path, *arguments: str) -> tuple[int, str, str]:
    environment = {**os.environ, "DATABASE_URL": database_url, "ORIGIN_DATA_DIR": str(data_dir)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server", "admin", *arguments,
        cwd=REPO, env=environment, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=60)
    return process.returncode, stdout.decode(), stderr.decode()


async def test_admin_command_grants_and_revokes(api, database_url, tmp_path):
    admin = await sign_up(api, "cliadmin")

    granted = await _run_admin(database_url, tmp_path, "grant", "cliadmin@example.com")
    listed = await _run_admin(database_url, tmp_path, "list")
    revoked = await _run_admin(database_url, tmp_path, "revoke", "cliadmin@example.com")
    unknown = await _run_admin(database_url, tmp_path, "grant", "nobody@example.com")

    assert granted[0] == 0, granted
    assert f"{admin.user_id} cliadmin@example.com" in listed[1]
    assert revoked[0] == 0
    assert "no longer" in revoked[1]
    assert unknown[0] == 1
    assert "nobody@example.com" in unknown[2]
