import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.rpc import status_pb2 as _status_pb2
from origin.v1 import checkin_pb2 as _checkin_pb2
from origin.v1 import common_pb2 as _common_pb2
from origin.v1 import machine_status_pb2 as _machine_status_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SubmitScoreRequest(_message.Message):
    __slots__ = ("submission_id", "user_id", "initials", "value", "achieve_time", "player_slot")
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    INITIALS_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    ACHIEVE_TIME_FIELD_NUMBER: _ClassVar[int]
    PLAYER_SLOT_FIELD_NUMBER: _ClassVar[int]
    submission_id: str
    user_id: str
    initials: str
    value: int
    achieve_time: _timestamp_pb2.Timestamp
    player_slot: int
    def __init__(self, submission_id: _Optional[str] = ..., user_id: _Optional[str] = ..., initials: _Optional[str] = ..., value: _Optional[int] = ..., achieve_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., player_slot: _Optional[int] = ...) -> None: ...

class SubmitScoreResponse(_message.Message):
    __slots__ = ("score", "duplicate")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    score: _common_pb2.Score
    duplicate: bool
    def __init__(self, score: _Optional[_Union[_common_pb2.Score, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class StreamScoresRequest(_message.Message):
    __slots__ = ("score", "status", "check_in_code")
    SCORE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CHECK_IN_CODE_FIELD_NUMBER: _ClassVar[int]
    score: SubmitScoreRequest
    status: _machine_status_pb2.ReportMachineStatusRequest
    check_in_code: _checkin_pb2.CreateCheckInCodeRequest
    def __init__(self, score: _Optional[_Union[SubmitScoreRequest, _Mapping]] = ..., status: _Optional[_Union[_machine_status_pb2.ReportMachineStatusRequest, _Mapping]] = ..., check_in_code: _Optional[_Union[_checkin_pb2.CreateCheckInCodeRequest, _Mapping]] = ...) -> None: ...

class StreamScoresResponse(_message.Message):
    __slots__ = ("submission_id", "score", "error", "check_in", "check_in_code", "duplicate")
    SUBMISSION_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CHECK_IN_FIELD_NUMBER: _ClassVar[int]
    CHECK_IN_CODE_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    submission_id: str
    score: _common_pb2.Score
    error: _status_pb2.Status
    check_in: _checkin_pb2.CheckIn
    check_in_code: _checkin_pb2.CreateCheckInCodeResponse
    duplicate: bool
    def __init__(self, submission_id: _Optional[str] = ..., score: _Optional[_Union[_common_pb2.Score, _Mapping]] = ..., error: _Optional[_Union[_status_pb2.Status, _Mapping]] = ..., check_in: _Optional[_Union[_checkin_pb2.CheckIn, _Mapping]] = ..., check_in_code: _Optional[_Union[_checkin_pb2.CreateCheckInCodeResponse, _Mapping]] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class ListTopScoresRequest(_message.Message):
    __slots__ = ("game", "scope", "arcade_id", "machine_id", "period", "mode", "period_time", "page_size", "page_token", "read_time")
    GAME_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TIME_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    READ_TIME_FIELD_NUMBER: _ClassVar[int]
    game: str
    scope: _common_pb2.BoardScope
    arcade_id: str
    machine_id: str
    period: _common_pb2.BoardPeriod
    mode: _common_pb2.BoardMode
    period_time: _timestamp_pb2.Timestamp
    page_size: int
    page_token: str
    read_time: _timestamp_pb2.Timestamp
    def __init__(self, game: _Optional[str] = ..., scope: _Optional[_Union[_common_pb2.BoardScope, str]] = ..., arcade_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., period: _Optional[_Union[_common_pb2.BoardPeriod, str]] = ..., mode: _Optional[_Union[_common_pb2.BoardMode, str]] = ..., period_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., read_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListTopScoresResponse(_message.Message):
    __slots__ = ("entries", "next_page_token", "total_size", "period_start_time", "period_end_time", "previous_page_token", "next_reset_time")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    NEXT_RESET_TIME_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_common_pb2.BoardEntry]
    next_page_token: str
    total_size: int
    period_start_time: _timestamp_pb2.Timestamp
    period_end_time: _timestamp_pb2.Timestamp
    previous_page_token: str
    next_reset_time: _timestamp_pb2.Timestamp
    def __init__(self, entries: _Optional[_Iterable[_Union[_common_pb2.BoardEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ..., total_size: _Optional[int] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., previous_page_token: _Optional[str] = ..., next_reset_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListScoresAroundPlayerRequest(_message.Message):
    __slots__ = ("game", "scope", "arcade_id", "machine_id", "period", "mode", "period_time", "user_id", "score_id", "page_size")
    GAME_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_TIME_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    SCORE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    game: str
    scope: _common_pb2.BoardScope
    arcade_id: str
    machine_id: str
    period: _common_pb2.BoardPeriod
    mode: _common_pb2.BoardMode
    period_time: _timestamp_pb2.Timestamp
    user_id: str
    score_id: str
    page_size: int
    def __init__(self, game: _Optional[str] = ..., scope: _Optional[_Union[_common_pb2.BoardScope, str]] = ..., arcade_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., period: _Optional[_Union[_common_pb2.BoardPeriod, str]] = ..., mode: _Optional[_Union[_common_pb2.BoardMode, str]] = ..., period_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., user_id: _Optional[str] = ..., score_id: _Optional[str] = ..., page_size: _Optional[int] = ...) -> None: ...

class ListScoresAroundPlayerResponse(_message.Message):
    __slots__ = ("rank", "entries", "total_size", "period_start_time", "period_end_time")
    RANK_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    TOTAL_SIZE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_TIME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_TIME_FIELD_NUMBER: _ClassVar[int]
    rank: int
    entries: _containers.RepeatedCompositeFieldContainer[_common_pb2.BoardEntry]
    total_size: int
    period_start_time: _timestamp_pb2.Timestamp
    period_end_time: _timestamp_pb2.Timestamp
    def __init__(self, rank: _Optional[int] = ..., entries: _Optional[_Iterable[_Union[_common_pb2.BoardEntry, _Mapping]]] = ..., total_size: _Optional[int] = ..., period_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., period_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListUserScoresRequest(_message.Message):
    __slots__ = ("user_id", "page_size", "page_token")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    page_size: int
    page_token: str
    def __init__(self, user_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListUserScoresResponse(_message.Message):
    __slots__ = ("scores", "next_page_token")
    SCORES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    scores: _containers.RepeatedCompositeFieldContainer[_common_pb2.Score]
    next_page_token: str
    def __init__(self, scores: _Optional[_Iterable[_Union[_common_pb2.Score, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class WatchBoardRequest(_message.Message):
    __slots__ = ("game", "scope", "arcade_id", "machine_id", "period", "mode", "page_size", "resume_time")
    GAME_FIELD_NUMBER: _ClassVar[int]
    SCOPE_FIELD_NUMBER: _ClassVar[int]
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    MACHINE_ID_FIELD_NUMBER: _ClassVar[int]
    PERIOD_FIELD_NUMBER: _ClassVar[int]
    MODE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    RESUME_TIME_FIELD_NUMBER: _ClassVar[int]
    game: str
    scope: _common_pb2.BoardScope
    arcade_id: str
    machine_id: str
    period: _common_pb2.BoardPeriod
    mode: _common_pb2.BoardMode
    page_size: int
    resume_time: _timestamp_pb2.Timestamp
    def __init__(self, game: _Optional[str] = ..., scope: _Optional[_Union[_common_pb2.BoardScope, str]] = ..., arcade_id: _Optional[str] = ..., machine_id: _Optional[str] = ..., period: _Optional[_Union[_common_pb2.BoardPeriod, str]] = ..., mode: _Optional[_Union[_common_pb2.BoardMode, str]] = ..., page_size: _Optional[int] = ..., resume_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class WatchBoardResponse(_message.Message):
    __slots__ = ("snapshot", "events")
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    EVENTS_FIELD_NUMBER: _ClassVar[int]
    snapshot: _common_pb2.BoardSnapshot
    events: _containers.RepeatedCompositeFieldContainer[_common_pb2.BoardEvent]
    def __init__(self, snapshot: _Optional[_Union[_common_pb2.BoardSnapshot, _Mapping]] = ..., events: _Optional[_Iterable[_Union[_common_pb2.BoardEvent, _Mapping]]] = ...) -> None: ...
