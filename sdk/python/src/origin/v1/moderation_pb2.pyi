import datetime

from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import duration_pb2 as _duration_pb2
from origin.v1 import common_pb2 as _common_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class VoidScoreRequest(_message.Message):
    __slots__ = ("score_id", "reason")
    SCORE_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    score_id: str
    reason: str
    def __init__(self, score_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class VoidScoreResponse(_message.Message):
    __slots__ = ("score",)
    SCORE_FIELD_NUMBER: _ClassVar[int]
    score: _common_pb2.Score
    def __init__(self, score: _Optional[_Union[_common_pb2.Score, _Mapping]] = ...) -> None: ...

class ApproveScoreRequest(_message.Message):
    __slots__ = ("score_id",)
    SCORE_ID_FIELD_NUMBER: _ClassVar[int]
    score_id: str
    def __init__(self, score_id: _Optional[str] = ...) -> None: ...

class ApproveScoreResponse(_message.Message):
    __slots__ = ("score",)
    SCORE_FIELD_NUMBER: _ClassVar[int]
    score: _common_pb2.Score
    def __init__(self, score: _Optional[_Union[_common_pb2.Score, _Mapping]] = ...) -> None: ...

class ListHeldScoresRequest(_message.Message):
    __slots__ = ("arcade_id", "page_size", "page_token")
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    arcade_id: str
    page_size: int
    page_token: str
    def __init__(self, arcade_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListHeldScoresResponse(_message.Message):
    __slots__ = ("scores", "next_page_token")
    SCORES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    scores: _containers.RepeatedCompositeFieldContainer[_common_pb2.Score]
    next_page_token: str
    def __init__(self, scores: _Optional[_Iterable[_Union[_common_pb2.Score, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class SetScoreRangeRequest(_message.Message):
    __slots__ = ("arcade_id", "game", "min_value", "max_value")
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    GAME_FIELD_NUMBER: _ClassVar[int]
    MIN_VALUE_FIELD_NUMBER: _ClassVar[int]
    MAX_VALUE_FIELD_NUMBER: _ClassVar[int]
    arcade_id: str
    game: str
    min_value: int
    max_value: int
    def __init__(self, arcade_id: _Optional[str] = ..., game: _Optional[str] = ..., min_value: _Optional[int] = ..., max_value: _Optional[int] = ...) -> None: ...

class SetScoreRangeResponse(_message.Message):
    __slots__ = ("game", "min_value", "max_value")
    GAME_FIELD_NUMBER: _ClassVar[int]
    MIN_VALUE_FIELD_NUMBER: _ClassVar[int]
    MAX_VALUE_FIELD_NUMBER: _ClassVar[int]
    game: str
    min_value: int
    max_value: int
    def __init__(self, game: _Optional[str] = ..., min_value: _Optional[int] = ..., max_value: _Optional[int] = ...) -> None: ...

class SetClaimWindowRequest(_message.Message):
    __slots__ = ("arcade_id", "claim_window")
    ARCADE_ID_FIELD_NUMBER: _ClassVar[int]
    CLAIM_WINDOW_FIELD_NUMBER: _ClassVar[int]
    arcade_id: str
    claim_window: _duration_pb2.Duration
    def __init__(self, arcade_id: _Optional[str] = ..., claim_window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...

class SetClaimWindowResponse(_message.Message):
    __slots__ = ("claim_window",)
    CLAIM_WINDOW_FIELD_NUMBER: _ClassVar[int]
    claim_window: _duration_pb2.Duration
    def __init__(self, claim_window: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ...) -> None: ...
