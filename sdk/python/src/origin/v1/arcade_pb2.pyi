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

class CreateArcadeRequest(_message.Message):
    __slots__ = ("display_name", "address", "latitude", "longitude", "time_zone", "request_id")
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    display_name: str
    address: str
    latitude: float
    longitude: float
    time_zone: str
    request_id: str
    def __init__(self, display_name: _Optional[str] = ..., address: _Optional[str] = ..., latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., time_zone: _Optional[str] = ..., request_id: _Optional[str] = ...) -> None: ...

class GetArcadeRequest(_message.Message):
    __slots__ = ("arcade_id", "read_time")
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    arcade_id: str
    read_time: _timestamp_pb2.Timestamp
    def __init__(self, arcade_id: _Optional[str] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListNearbyArcadesRequest(_message.Message):
    __slots__ = ("latitude", "longitude", "radius_meters", "page_size", "page_token")
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    RADIUS_METERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    latitude: float
    longitude: float
    radius_meters: float
    page_size: int
    page_token: str
    def __init__(self, latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., radius_meters: _Optional[float] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListNearbyArcadesResponse(_message.Message):
    __slots__ = ("arcades", "next_page_token")
    ARCADES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    arcades: _containers.RepeatedCompositeFieldContainer[NearbyArcade]
    next_page_token: str
    def __init__(self, arcades: _Optional[_Iterable[_Union[NearbyArcade, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class NearbyArcade(_message.Message):
    __slots__ = ("arcade", "distance_meters")
    ARCADE_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_METERS_FIELD_NUMBER: _ClassVar[int]
    arcade: _common_pb2.Arcade
    distance_meters: float
    def __init__(self, arcade: _Optional[_Union[_common_pb2.Arcade, _Mapping]] = ..., distance_meters: _Optional[float] = ...) -> None: ...

class CreateArcadeResponse(_message.Message):
    __slots__ = ("arcade",)
    ARCADE_FIELD_NUMBER: _ClassVar[int]
    arcade: _common_pb2.Arcade
    def __init__(self, arcade: _Optional[_Union[_common_pb2.Arcade, _Mapping]] = ...) -> None: ...

class GetArcadeResponse(_message.Message):
    __slots__ = ("arcade",)
    ARCADE_FIELD_NUMBER: _ClassVar[int]
    arcade: _common_pb2.Arcade
    def __init__(self, arcade: _Optional[_Union[_common_pb2.Arcade, _Mapping]] = ...) -> None: ...
