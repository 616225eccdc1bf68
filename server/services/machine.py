"""MachineService: machines and device tokens."""

from __future__ import annotations

from origin.v1 import machine_pb2, machine_pb2_grpc

from server.deps import Deps
from server.domain import machines
from server.interceptors import current_caller
from server.services import convert


class MachineService(machine_pb2_grpc.MachineServiceServicer):
    def __init__(self, deps: Deps):
        self.deps = deps

    async def CreateMachine(self, request, context):
        created = await machines.check_create_machine(
            self.deps,
            current_caller(),
            arcade_id=request.arcade_id,
            game_title=request.game_title,
            display_name=request.display_name,
            request_id=request.request_id,
            opdb_id=request.opdb_id,
        )
        return machine_pb2.CreateMachineResponse(
            machine=convert.machine(created.machine), device_token=created.device_token
        )

    async def GetMachine(self, request, context):
        read_time = convert.optional_time(request, "read_time")
        record = await machines.get_machine(self.deps, current_caller(), request.machine_id, read_time)
        return machine_pb2.GetMachineResponse(machine=convert.machine(record))

    async def ListMachines(self, request, context):
        page = await machines.list_machines(
            self.deps, current_caller(), request.arcade_id, request.page_size, request.page_token
        )
        return machine_pb2.ListMachinesResponse(
            machines=[convert.machine(record) for record in page.machines], next_page_token=page.next_page_token
        )

    async def RevokeDeviceToken(self, request, context):
        record = await machines.do_revoke_device_token(self.deps, current_caller(), request.machine_id)
        return machine_pb2.RevokeDeviceTokenResponse(machine=convert.machine(record))

    async def RenewDeviceToken(self, request, context):
        renewed = await machines.do_renew_device_token(self.deps, current_caller(), request.machine_id)
        return machine_pb2.RenewDeviceTokenResponse(
            machine=convert.machine(renewed.machine), device_token=renewed.device_token
        )
