import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class UpdateScreenNameRequest(_message.Message):
    __slots__ = ("screen_name",)
    SCREEN_NAME_FIELD_NUMBER: _ClassVar[int]
    screen_name: str
    def __init__(self, screen_name: _Optional[str] = ...) -> None: ...

class UpdateScreenNameResponse(_message.Message):
    __slots__ = ("screen_name", "next_change_time")
    SCREEN_NAME_FIELD_NUMBER: _ClassVar[int]
    NEXT_CHANGE_TIME_FIELD_NUMBER: _ClassVar[int]
    screen_name: str
    next_change_time: _timestamp_pb2.Timestamp
    def __init__(self, screen_name: _Optional[str] = ..., next_change_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class DeleteAccountRequest(_message.Message):
    __slots__ = ("password", "second_factor_code")
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    SECOND_FACTOR_CODE_FIELD_NUMBER: _ClassVar[int]
    password: str
    second_factor_code: str
    def __init__(self, password: _Optional[str] = ..., second_factor_code: _Optional[str] = ...) -> None: ...

class DeleteAccountResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ExportAccountDataRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ExportAccountDataResponse(_message.Message):
    __slots__ = ("data_json", "export_time")
    DATA_JSON_FIELD_NUMBER: _ClassVar[int]
    EXPORT_TIME_FIELD_NUMBER: _ClassVar[int]
    data_json: str
    export_time: _timestamp_pb2.Timestamp
    def __init__(self, data_json: _Optional[str] = ..., export_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
