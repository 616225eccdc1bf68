"""StaffService: the owner (or an admin) manages an arcade's staff."""

from __future__ import annotations

from origin.v1 import staff_pb2, staff_pb2_grpc

from server.deps import Deps
from server.domain import staff
from server.interceptors import current_caller
from server.services import convert


class StaffService(staff_pb2_grpc.StaffServiceServicer):
    def __init__(self, deps: Deps):
        self.deps = deps

    async def AddStaffMember(self, request, context):
        member = await staff.do_add_staff(self.deps, current_caller(), request.arcade_id, request.user_id)
        return staff_pb2.AddStaffMemberResponse(staff_member=_member(member))

    async def RemoveStaffMember(self, request, context):
        await staff.do_remove_staff(self.deps, current_caller(), request.arcade_id, request.user_id)
        return staff_pb2.RemoveStaffMemberResponse()

    async def ListStaffMembers(self, request, context):
        page = await staff.list_staff(
            self.deps, current_caller(), request.arcade_id, request.page_size, request.page_token
        )
        return staff_pb2.ListStaffMembersResponse(
            staff_members=[_member(member) for member in page.members], next_page_token=page.next_page_token
        )


def _member(member: staff.StaffMember) -> staff_pb2.StaffMember:
    return staff_pb2.StaffMember(
        user_id=str(member.user_id), screen_name=member.screen_name, add_time=convert.timestamp(member.add_time)
    )
