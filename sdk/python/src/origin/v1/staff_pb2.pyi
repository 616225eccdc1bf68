import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StaffMember(_message.Message):
    __slots__ = ("user_id", "screen_name", "add_time")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    SCREEN_NAME_FIELD_NUMBER: _ClassVar[int]
    ADD_TIME_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    screen_name: str
    add_time: _timestamp_pb2.Timestamp
    def __init__(self, user_id: _Optional[str] = ..., screen_name: _Optional[str] = ..., add_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class AddStaffMemberRequest(_message.Message):
    __slots__ = ("arcade_id", "user_id")
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    arcade_id: str
    user_id: str
    def __init__(self, arcade_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class AddStaffMemberResponse(_message.Message):
    __slots__ = ("staff_member",)
    STAFF_MEMBER_FIELD_NUMBER: _ClassVar[int]
    staff_member: StaffMember
    def __init__(self, staff_member: _Optional[_Union[StaffMember, _Mapping]] = ...) -> None: ...

class RemoveStaffMemberRequest(_message.Message):
    __slots__ = ("arcade_id", "user_id")
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    arcade_id: str
    user_id: str
    def __init__(self, arcade_id: _Optional[str] = ..., user_id: _Optional[str] = ...) -> None: ...

class RemoveStaffMemberResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListStaffMembersRequest(_message.Message):
    __slots__ = ("arcade_id", "page_size", "page_token")
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    arcade_id: str
    page_size: int
    page_token: str
    def __init__(self, arcade_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListStaffMembersResponse(_message.Message):
    __slots__ = ("staff_members", "next_page_token")
    STAFF_MEMBERS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    staff_members: _containers.RepeatedCompositeFieldContainer[StaffMember]
    next_page_token: str
    def __init__(self, staff_members: _Optional[_Iterable[_Union[StaffMember, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...
