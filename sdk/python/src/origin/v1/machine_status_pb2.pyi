import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class MachineState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MACHINE_STATE_UNSPECIFIED: _ClassVar[MachineState]
    MACHINE_STATE_IDLE: _ClassVar[MachineState]
    MACHINE_STATE_IN_GAME: _ClassVar[MachineState]
    MACHINE_STATE_OUT_OF_ORDER: _ClassVar[MachineState]
MACHINE_STATE_UNSPECIFIED: MachineState
MACHINE_STATE_IDLE: MachineState
MACHINE_STATE_IN_GAME: MachineState
MACHINE_STATE_OUT_OF_ORDER: MachineState

class MachineStatus(_message.Message):
    __slots__ = ("machine_id", "display_name", "online", "last_seen_time", "state", "state_time")
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ONLINE_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    STATE_TIME_FIELD_NUMBER: _ClassVar[int]
    machine_id: str
    display_name: str
    online: bool
    last_seen_time: _timestamp_pb2.Timestamp
    state: MachineState
    state_time: _timestamp_pb2.Timestamp
    def __init__(self, machine_id: _Optional[str] = ..., display_name: _Optional[str] = ..., online: _Optional[bool] = ..., last_seen_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., state: _Optional[_Union[MachineState, str]] = ..., state_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ReportMachineStatusRequest(_message.Message):
    __slots__ = ("state",)
    STATE_FIELD_NUMBER: _ClassVar[int]
    state: MachineState
    def __init__(self, state: _Optional[_Union[MachineState, str]] = ...) -> None: ...

class ReportMachineStatusResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListMachineStatusesRequest(_message.Message):
    __slots__ = ("arcade_id", "page_size", "page_token")
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    arcade_id: str
    page_size: int
    page_token: str
    def __init__(self, arcade_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListMachineStatusesResponse(_message.Message):
    __slots__ = ("statuses", "next_page_token")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[MachineStatus]
    next_page_token: str
    def __init__(self, statuses: _Optional[_Iterable[_Union[MachineStatus, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchMachineStatusesRequest(_message.Message):
    __slots__ = ("arcade_id",)
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    arcade_id: str
    def __init__(self, arcade_id: _Optional[str] = ...) -> None: ...

class WatchMachineStatusesResponse(_message.Message):
    __slots__ = ("statuses", "snapshot")
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    statuses: _containers.RepeatedCompositeFieldContainer[MachineStatus]
    snapshot: bool
    def __init__(self, statuses: _Optional[_Iterable[_Union[MachineStatus, _Mapping]]] = ..., snapshot: _Optional[bool] = ...) -> None: ...
