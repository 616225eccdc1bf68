"""MachineStatusService: heartbeats and states from devices, lists and watches for owners."""

from __future__ import annotations

from origin.v1 import machine_status_pb2, machine_status_pb2_grpc

from server.deps import Deps
from server.domain import statuses
from server.errors import InvalidArgument, Unavailable
from server.interceptors import current_caller
from server.live.hub import HubClosed
from server.services import convert

SHUTDOWN_MESSAGE = "the server is shutting down; reconnect"

_STATES = {
    machine_status_pb2.MACHINE_STATE_IDLE: "idle",
    machine_status_pb2.MACHINE_STATE_IN_GAME: "in_game",
    machine_status_pb2.MACHINE_STATE_OUT_OF_ORDER: "out_of_order",
}
_STATE_VALUES = {name: value for value, name in _STATES.items()}


def state_name(value: int) -> str | None:
    """Return the stored name of a reported state, or None for a heartbeat without one."""
    if value == machine_status_pb2.MACHINE_STATE_UNSPECIFIED:
        return None
    if value not in _STATES:
        raise InvalidArgument("state", f"must be one of IDLE, IN_GAME, OUT_OF_ORDER or unset, got {value}")
    return _STATES[value]


def status(record: statuses.StatusRecord) -> machine_status_pb2.MachineStatus:
    return machine_status_pb2.MachineStatus(
        machine_id=str(record.machine_id),
        display_name=record.display_name,
        online=record.online,
        last_seen_time=convert.timestamp(record.last_seen_time),
        state=_STATE_VALUES.get(record.state, machine_status_pb2.MACHINE_STATE_UNSPECIFIED),
        state_time=convert.timestamp(record.state_time),
    )


class MachineStatusService(machine_status_pb2_grpc.MachineStatusServiceServicer):
    def __init__(self, deps: Deps):
        self.deps = deps

    async def ReportMachineStatus(self, request, context):
        device = current_caller().require_device()
        await statuses.do_report_status(self.deps, device, state_name(request.state))
        return machine_status_pb2.ReportMachineStatusResponse()

    async def ListMachineStatuses(self, request, context):
        page = await statuses.list_statuses(
            self.deps, current_caller(), request.arcade_id, request.page_size, request.page_token
        )
        return machine_status_pb2.ListMachineStatusesResponse(
            statuses=[status(record) for record in page.statuses], next_page_token=page.next_page_token
        )

    async def WatchMachineStatuses(self, request, context):
        arcade_id = await statuses.access_watched_arcade(self.deps, current_caller(), request.arcade_id)
        try:
            async with self.deps.statuses.watch(arcade_id) as watcher:
                while True:
                    records, snapshot = await watcher.next()
                    records.sort(key=lambda record: record.seq)
                    yield machine_status_pb2.WatchMachineStatusesResponse(
                        statuses=[status(record) for record in records], snapshot=snapshot
                    )
        except HubClosed:
            raise Unavailable(SHUTDOWN_MESSAGE, reason="SERVER_SHUTTING_DOWN") from None

