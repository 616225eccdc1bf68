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

class CheckIn(_message.Message):
    __slots__ = ("id", "machine_id", "player_slot", "user_id", "screen_name", "start_time", "expire_time", "end_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    PLAYER_SLOT_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    SCREEN_NAME_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    machine_id: str
    player_slot: int
    user_id: str
    screen_name: str
    start_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., machine_id: _Optional[str] = ..., player_slot: _Optional[int] = ..., user_id: _Optional[str] = ..., screen_name: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateCheckInCodeRequest(_message.Message):
    __slots__ = ("player_slot",)
    PLAYER_SLOT_FIELD_NUMBER: _ClassVar[int]
    player_slot: int
    def __init__(self, player_slot: _Optional[int] = ...) -> None: ...

class CreateCheckInCodeResponse(_message.Message):
    __slots__ = ("code", "qr_payload", "player_slot", "expire_time")
    CODE_FIELD_NUMBER: _ClassVar[int]
    QR_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    PLAYER_SLOT_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    code: str
    qr_payload: str
    player_slot: int
    expire_time: _timestamp_pb2.Timestamp
    def __init__(self, code: _Optional[str] = ..., qr_payload: _Optional[str] = ..., player_slot: _Optional[int] = ..., expire_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ClaimCheckInRequest(_message.Message):
    __slots__ = ("code",)
    CODE_FIELD_NUMBER: _ClassVar[int]
    code: str
    def __init__(self, code: _Optional[str] = ...) -> None: ...

class ClaimCheckInResponse(_message.Message):
    __slots__ = ("check_in", "machine")
    CHECK_IN_FIELD_NUMBER: _ClassVar[int]
    MACHINE_FIELD_NUMBER: _ClassVar[int]
    check_in: CheckIn
    machine: _common_pb2.Machine
    def __init__(self, check_in: _Optional[_Union[CheckIn, _Mapping]] = ..., machine: _Optional[_Union[_common_pb2.Machine, _Mapping]] = ...) -> None: ...

class EndCheckInsRequest(_message.Message):
    __slots__ = ("player_slot",)
    PLAYER_SLOT_FIELD_NUMBER: _ClassVar[int]
    player_slot: int
    def __init__(self, player_slot: _Optional[int] = ...) -> None: ...

class EndCheckInsResponse(_message.Message):
    __slots__ = ("check_ins",)
    CHECK_INS_FIELD_NUMBER: _ClassVar[int]
    check_ins: _containers.RepeatedCompositeFieldContainer[CheckIn]
    def __init__(self, check_ins: _Optional[_Iterable[_Union[CheckIn, _Mapping]]] = ...) -> None: ...

class ClaimScoreRequest(_message.Message):
    __slots__ = ("score_id",)
    SCORE_ID_FIELD_NUMBER: _ClassVar[int]
    score_id: str
    def __init__(self, score_id: _Optional[str] = ...) -> None: ...

class ClaimScoreResponse(_message.Message):
    __slots__ = ("score",)
    SCORE_FIELD_NUMBER: _ClassVar[int]
    score: _common_pb2.Score
    def __init__(self, score: _Optional[_Union[_common_pb2.Score, _Mapping]] = ...) -> None: ...
