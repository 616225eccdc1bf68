import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class BoardScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BOARD_SCOPE_UNSPECIFIED: _ClassVar[BoardScope]
    BOARD_SCOPE_MACHINE: _ClassVar[BoardScope]
    BOARD_SCOPE_ARCADE: _ClassVar[BoardScope]
    BOARD_SCOPE_GLOBAL: _ClassVar[BoardScope]

class BoardPeriod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BOARD_PERIOD_UNSPECIFIED: _ClassVar[BoardPeriod]
    BOARD_PERIOD_DAY: _ClassVar[BoardPeriod]
    BOARD_PERIOD_WEEK: _ClassVar[BoardPeriod]
    BOARD_PERIOD_MONTH: _ClassVar[BoardPeriod]
    BOARD_PERIOD_ALL_TIME: _ClassVar[BoardPeriod]
    BOARD_PERIOD_YEAR: _ClassVar[BoardPeriod]

class BoardMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BOARD_MODE_UNSPECIFIED: _ClassVar[BoardMode]
    BOARD_MODE_BEST_PER_PLAYER: _ClassVar[BoardMode]
    BOARD_MODE_EVERY_ENTRY: _ClassVar[BoardMode]

class ScoreStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SCORE_STATUS_UNSPECIFIED: _ClassVar[ScoreStatus]
    SCORE_STATUS_ACCEPTED: _ClassVar[ScoreStatus]
    SCORE_STATUS_HELD: _ClassVar[ScoreStatus]
    SCORE_STATUS_VOIDED: _ClassVar[ScoreStatus]
BOARD_SCOPE_UNSPECIFIED: BoardScope
BOARD_SCOPE_MACHINE: BoardScope
BOARD_SCOPE_ARCADE: BoardScope
BOARD_SCOPE_GLOBAL: BoardScope
BOARD_PERIOD_UNSPECIFIED: BoardPeriod
BOARD_PERIOD_DAY: BoardPeriod
BOARD_PERIOD_WEEK: BoardPeriod
BOARD_PERIOD_MONTH: BoardPeriod
BOARD_PERIOD_ALL_TIME: BoardPeriod
BOARD_PERIOD_YEAR: BoardPeriod
BOARD_MODE_UNSPECIFIED: BoardMode
BOARD_MODE_BEST_PER_PLAYER: BoardMode
BOARD_MODE_EVERY_ENTRY: BoardMode
SCORE_STATUS_UNSPECIFIED: ScoreStatus
SCORE_STATUS_ACCEPTED: ScoreStatus
SCORE_STATUS_HELD: ScoreStatus
SCORE_STATUS_VOIDED: ScoreStatus

class User(_message.Message):
    __slots__ = ("id", "email", "screen_name", "create_time", "email_verified")
    ID_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    SCREEN_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_VERIFIED_FIELD_NUMBER: _ClassVar[int]
    id: str
    email: str
    screen_name: str
    create_time: _timestamp_pb2.Timestamp
    email_verified: bool
    def __init__(self, id: _Optional[str] = ..., email: _Optional[str] = ..., screen_name: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., email_verified: _Optional[bool] = ...) -> None: ...

class Arcade(_message.Message):
    __slots__ = ("id", "owner_id", "display_name", "address", "latitude", "longitude", "time_zone", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    OWNER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LATITUDE_FIELD_NUMBER: _ClassVar[int]
    LONGITUDE_FIELD_NUMBER: _ClassVar[int]
    TIME_ZONE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    owner_id: str
    display_name: str
    address: str
    latitude: float
    longitude: float
    time_zone: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., owner_id: _Optional[str] = ..., display_name: _Optional[str] = ..., address: _Optional[str] = ..., latitude: _Optional[float] = ..., longitude: _Optional[float] = ..., time_zone: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Machine(_message.Message):
    __slots__ = ("id", "arcade_id", "game_id", "game_title", "display_name", "device_token_prefix", "device_token_active", "last_seen_time", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_TITLE_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TOKEN_PREFIX_FIELD_NUMBER: _ClassVar[int]
    DEVICE_TOKEN_ACTIVE_FIELD_NUMBER: _ClassVar[int]
    LAST_SEEN_TIME_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    arcade_id: str
    game_id: str
    game_title: str
    display_name: str
    device_token_prefix: str
    device_token_active: bool
    last_seen_time: _timestamp_pb2.Timestamp
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., arcade_id: _Optional[str] = ..., game_id: _Optional[str] = ..., game_title: _Optional[str] = ..., display_name: _Optional[str] = ..., device_token_prefix: _Optional[str] = ..., device_token_active: _Optional[bool] = ..., last_seen_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Player(_message.Message):
    __slots__ = ("user_id", "initials", "display_name")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    INITIALS_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    initials: str
    display_name: str
    def __init__(self, user_id: _Optional[str] = ..., initials: _Optional[str] = ..., display_name: _Optional[str] = ...) -> None: ...

class Score(_message.Message):
    __slots__ = ("id", "machine_id", "arcade_id", "game_id", "player", "value", "achieve_time", "submission_id", "status")
    ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_ID_FIELD_NUMBER: _ClassVar[int]
    PLAYER_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ACHIEVE_TIME_FIELD_NUMBER: _ClassVar[int]
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    id: str
    machine_id: str
    arcade_id: str
    game_id: str
    player: Player
    value: int
    achieve_time: _timestamp_pb2.Timestamp
    submission_id: str
    status: ScoreStatus
    def __init__(self, id: _Optional[str] = ..., machine_id: _Optional[str] = ..., arcade_id: _Optional[str] = ..., game_id: _Optional[str] = ..., player: _Optional[_Union[Player, _Mapping]] = ..., value: _Optional[int] = ..., achieve_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., submission_id: _Optional[str] = ..., status: _Optional[_Union[ScoreStatus, str]] = ...) -> None: ...

class BoardSelector(_message.Message):
    __slots__ = ("game", "scope", "arcade_id", "machine_id", "period", "mode")
    GAME_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    game: str
    scope: BoardScope
    arcade_id: str
    machine_id: str
    period: BoardPeriod
    mode: BoardMode
    def __init__(self, game: _Optional[str] = ..., scope: _Optional[_Union[BoardScope, str]] = ..., arcade_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., period: _Optional[_Union[BoardPeriod, str]] = ..., mode: _Optional[_Union[BoardMode, str]] = ...) -> None: ...

class BoardEntry(_message.Message):
    __slots__ = ("rank", "score")
    RANK_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    rank: int
    score: Score
    def __init__(self, rank: _Optional[int] = ..., score: _Optional[_Union[Score, _Mapping]] = ...) -> None: ...

class BoardSnapshot(_message.Message):
    __slots__ = ("board", "period_start_time", "period_end_time", "entries", "total_size", "next_reset_time", "read_time")
    BOARD_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    NEXT_RESET_TIME_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    board: BoardSelector
    period_start_time: _timestamp_pb2.Timestamp
    period_end_time: _timestamp_pb2.Timestamp
    entries: _containers.RepeatedCompositeFieldContainer[BoardEntry]
    total_size: int
    next_reset_time: _timestamp_pb2.Timestamp
    read_time: _timestamp_pb2.Timestamp
    def __init__(self, board: _Optional[_Union[BoardSelector, _Mapping]] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., entries: _Optional[_Iterable[_Union[BoardEntry, _Mapping]]] = ..., total_size: _Optional[int] = ..., next_reset_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class BoardEvent(_message.Message):
    __slots__ = ("kind", "entry", "previous_rank")
    class Kind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        KIND_UNSPECIFIED: _ClassVar[BoardEvent.Kind]
        KIND_NEW_LEADER: _ClassVar[BoardEvent.Kind]
        KIND_ENTERED_TOP: _ClassVar[BoardEvent.Kind]
        KIND_PERSONAL_BEST: _ClassVar[BoardEvent.Kind]
    KIND_UNSPECIFIED: BoardEvent.Kind
    KIND_NEW_LEADER: BoardEvent.Kind
    KIND_ENTERED_TOP: BoardEvent.Kind
    KIND_PERSONAL_BEST: BoardEvent.Kind
    KIND_FIELD_NUMBER: _ClassVar[int]
    ENTRY_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_RANK_FIELD_NUMBER: _ClassVar[int]
    kind: BoardEvent.Kind
    entry: BoardEntry
    previous_rank: int
    def __init__(self, kind: _Optional[_Union[BoardEvent.Kind, str]] = ..., entry: _Optional[_Union[BoardEntry, _Mapping]] = ..., previous_rank: _Optional[int] = ...) -> None: ...
