"""Small builders for tests: accounts, arcades and machines through the real API."""

from __future__ import annotations

import dataclasses
import uuid

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status
from origin.v1 import arcade_pb2, auth_pb2, machine_pb2

PASSWORD = "correct horse battery"


@dataclasses.dataclass
class Owner:
    user_id: str
    token: str

    @property
    def metadata(self):
        return (("authorization", f"Bearer {self.token}"),)


@dataclasses.dataclass
class DeviceMachine:
    machine_id: str
    arcade_id: str
    game_id: str
    token: str

    @property
    def metadata(self):
        return (("authorization", f"Bearer {self.token}"),)


async def sign_up(api, name: str | None = None) -> Owner:
    name = name or f"player{uuid.uuid4().hex[:8]}"
    email = f"{name}@example.com"
    created = await api.auth.CreateUser(
        auth_pb2.CreateUserRequest(email=email, password=PASSWORD, screen_name=name)
    )
    token = await api.auth.CreateToken(auth_pb2.CreateTokenRequest(email=email, password=PASSWORD))
    return Owner(created.user.id, token.access_token)


async def create_arcade(api, owner: Owner, *, time_zone="Europe/Berlin", latitude=52.52, longitude=13.405, name="Flipper Hall"):
    reply = await api.arcades.CreateArcade(
        arcade_pb2.CreateArcadeRequest(
            display_name=name, address="Somewhere 1", latitude=latitude, longitude=longitude, time_zone=time_zone
        ),
        metadata=owner.metadata,
    )
    return reply.arcade


async def create_machine(api, owner: Owner, arcade_id: str, title="Attack From Mars (1.13b)") -> DeviceMachine:
    reply = await api.machines.CreateMachine(
        machine_pb2.CreateMachineRequest(arcade_id=arcade_id, game_title=title), metadata=owner.metadata
    )
    return DeviceMachine(reply.machine.id, arcade_id, reply.machine.game_id, reply.device_token)


async def owner_with_machine(api, **arcade_options):
    owner = await sign_up(api)
    arcade = await create_arcade(api, owner, **arcade_options)
    machine = await create_machine(api, owner, arcade.id)
    return owner, arcade, machine


def error_info(error: grpc.aio.AioRpcError) -> error_details_pb2.ErrorInfo | None:
    status = rpc_status.from_call(error)
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    return None


def bad_request_fields(error: grpc.aio.AioRpcError) -> list[str]:
    status = rpc_status.from_call(error)
    fields = []
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            request = error_details_pb2.BadRequest()
            detail.Unpack(request)
            fields.extend(v.field for v in request.field_violations)
    return fields


def status_info(status: status_pb2.Status) -> error_details_pb2.ErrorInfo | None:
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    return None


def retry_delay(error: grpc.aio.AioRpcError) -> int | None:
    """Return the whole seconds of the error's google.rpc.RetryInfo, or None without one."""
    status = rpc_status.from_call(error)
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            return info.retry_delay.seconds
    return None
