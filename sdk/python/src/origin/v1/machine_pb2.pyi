import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from origin.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateMachineRequest(_message.Message):
    __slots__ = ("arcade_id", "game_title", "display_name", "request_id", "opdb_id")
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_TITLE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    OPDB_ID_FIELD_NUMBER: _ClassVar[int]
    arcade_id: str
    game_title: str
    display_name: str
    request_id: str
    opdb_id: str
    def __init__(self, arcade_id: _Optional[str] = ..., game_title: _Optional[str] = ..., display_name: _Optional[str] = ..., request_id: _Optional[str] = ..., opdb_id: _Optional[str] = ...) -> None: ...

class CreateMachineResponse(_message.Message):
    __slots__ = ("machine", "device_token")
    MACHINE_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    machine: _common_pb2.Machine
    device_token: str
    def __init__(self, machine: _Optional[_Union[_common_pb2.Machine, _Mapping]] = ..., device_token: _Optional[str] = ...) -> None: ...

class GetMachineRequest(_message.Message):
    __slots__ = ("machine_id", "read_time")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    read_time: _timestamp_pb2.Timestamp
    def __init__(self, machine_id: _Optional[str] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListMachinesRequest(_message.Message):
    __slots__ = ("arcade_id", "page_size", "page_token")
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    arcade_id: str
    page_size: int
    page_token: str
    def __init__(self, arcade_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMachinesResponse(_message.Message):
    __slots__ = ("machines", "next_page_token")
    MACHINES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    machines: _containers.RepeatedCompositeFieldContainer[_common_pb2.Machine]
    next_page_token: str
    def __init__(self, machines: _Optional[_Iterable[_Union[_common_pb2.Machine, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class RevokeDeviceTokenRequest(_message.Message):
    __slots__ = ("machine_id",)
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    def __init__(self, machine_id: _Optional[str] = ...) -> None: ...

class RenewDeviceTokenRequest(_message.Message):
    __slots__ = ("machine_id",)
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    def __init__(self, machine_id: _Optional[str] = ...) -> None: ...

class RenewDeviceTokenResponse(_message.Message):
    __slots__ = ("machine", "device_token")
    MACHINE_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    machine: _common_pb2.Machine
    device_token: str
    def __init__(self, machine: _Optional[_Union[_common_pb2.Machine, _Mapping]] = ..., device_token: _Optional[str] = ...) -> None: ...

class GetMachineResponse(_message.Message):
    __slots__ = ("machine",)
    MACHINE_FIELD_NUMBER: _ClassVar[int]
    machine: _common_pb2.Machine
    def __init__(self, machine: _Optional[_Union[_common_pb2.Machine, _Mapping]] = ...) -> None: ...

class RevokeDeviceTokenResponse(_message.Message):
    __slots__ = ("machine",)
    MACHINE_FIELD_NUMBER: _ClassVar[int]
    machine: _common_pb2.Machine
    def __init__(self, machine: _Optional[_Union[_common_pb2.Machine, _Mapping]] = ...) -> None: ...
