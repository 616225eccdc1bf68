"""CheckInService: claim codes at the machine, check-ins, and claiming scores later."""

from __future__ import annotations

from origin.v1 import checkin_pb2, checkin_pb2_grpc

from server.deps import Deps
from server.domain import checkins
from server.interceptors import current_caller
from server.services import convert


def check_in(record: checkins.CheckInRecord) -> checkin_pb2.CheckIn:
    return checkin_pb2.CheckIn(
        id=str(record.id),
        machine_id=str(record.machine_id),
        player_slot=record.player_slot,
        user_id=str(record.user_id),
        screen_name=record.screen_name,
        start_time=convert.timestamp(record.start_time),
        expire_time=convert.timestamp(record.expire_time),
        end_time=convert.timestamp(record.end_time),
    )


def check_in_code(code: checkins.CheckInCode) -> checkin_pb2.CreateCheckInCodeResponse:
    return checkin_pb2.CreateCheckInCodeResponse(
        code=code.code,
        qr_payload=code.qr_payload,
        player_slot=code.player_slot,
        expire_time=convert.timestamp(code.expire_time),
    )


def client_address(context) -> str:
    """Return the caller's IP address without its port, as gRPC's peer string names it.

    NOTE: behind the HTTP gateway or another proxy this is the proxy's
    address, so every caller through it shares one failure count.
    """
    peer = context.peer() or ""
    host = peer.split(":", 1)[1] if ":" in peer else peer
    return host.rsplit(":", 1)[0] if peer.startswith(("ipv4:", "ipv6:")) else host


class CheckInService(checkin_pb2_grpc.CheckInServiceServicer):
    def __init__(self, deps: Deps):
        self.deps = deps

    async def CreateCheckInCode(self, request, context):
        device = current_caller().require_device()
        code = await checkins.do_create_code(self.deps, device, request.player_slot)
        return check_in_code(code)

    async def ClaimCheckIn(self, request, context):
        claimed = await checkins.do_claim_check_in(self.deps, current_caller(), request.code, client_address(context))
        return checkin_pb2.ClaimCheckInResponse(
            check_in=check_in(claimed.check_in), machine=convert.machine(claimed.machine)
        )

    async def EndCheckIns(self, request, context):
        device = current_caller().require_device()
        ended = await checkins.do_end_check_ins(self.deps, device, request.player_slot)
        return checkin_pb2.EndCheckInsResponse(check_ins=[check_in(record) for record in ended])

    async def ClaimScore(self, request, context):
        record = await checkins.do_claim_score(self.deps, current_caller(), request.score_id)
        return checkin_pb2.ClaimScoreResponse(score=convert.score(record))
