"""Conversions between domain records and protobuf messages."""

from __future__ import annotations

import datetime

from google.protobuf import timestamp_pb2
from origin.v1 import common_pb2

from server.domain.arcades import ArcadeRecord
from server.domain.boards import BoardEvent, BoardPage, EventKind, Mode, Scope, ScoreRecord
from server.domain.machines import MachineRecord
from server.domain.periods import Period
from server.errors import InvalidArgument

SCOPES = {
    common_pb2.BOARD_SCOPE_MACHINE: Scope.MACHINE,
    common_pb2.BOARD_SCOPE_ARCADE: Scope.ARCADE,
    common_pb2.BOARD_SCOPE_GLOBAL: Scope.GLOBAL,
}
PERIODS = {
    common_pb2.BOARD_PERIOD_UNSPECIFIED: Period.ALL_TIME,
    common_pb2.BOARD_PERIOD_DAY: Period.DAY,
    common_pb2.BOARD_PERIOD_WEEK: Period.WEEK,
    common_pb2.BOARD_PERIOD_MONTH: Period.MONTH,
    common_pb2.BOARD_PERIOD_ALL_TIME: Period.ALL_TIME,
    common_pb2.BOARD_PERIOD_YEAR: Period.YEAR,
}
MODES = {
    common_pb2.BOARD_MODE_UNSPECIFIED: Mode.BEST,
    common_pb2.BOARD_MODE_BEST_PER_PLAYER: Mode.BEST,
    common_pb2.BOARD_MODE_EVERY_ENTRY: Mode.EVERY_ENTRY,
}


SCORE_STATUSES = {
    "accepted": common_pb2.SCORE_STATUS_ACCEPTED,
    "held": common_pb2.SCORE_STATUS_HELD,
    "voided": common_pb2.SCORE_STATUS_VOIDED,
}


def timestamp(value: datetime.datetime | None) -> timestamp_pb2.Timestamp | None:
    if value is None:
        return None
    message = timestamp_pb2.Timestamp()
    message.FromDatetime(value)
    return message


def optional_time(message, field: str) -> datetime.datetime | None:
    """Return the field's time as an aware UTC datetime, or None when unset."""
    if not message.HasField(field):
        return None
    try:
        return getattr(message, field).ToDatetime(tzinfo=datetime.timezone.utc)
    except (ValueError, OverflowError):
        raise InvalidArgument(field, "must be a timestamp from 0001-01-01 to 9999-12-31 with nanos below 1e9") from None


def user(record) -> common_pb2.User:
    return common_pb2.User(
        id=str(record.id),
        email=record.email,
        screen_name=record.screen_name,
        create_time=timestamp(record.create_time),
        email_verified=record.email_verified,
    )


def arcade(record: ArcadeRecord) -> common_pb2.Arcade:
    return common_pb2.Arcade(
        id=str(record.id),
        owner_id=str(record.owner_id),
        display_name=record.display_name,
        address=record.address,
        latitude=record.latitude,
        longitude=record.longitude,
        time_zone=record.time_zone,
        create_time=timestamp(record.create_time),
    )


def machine(record: MachineRecord) -> common_pb2.Machine:
    return common_pb2.Machine(
        id=str(record.id),
        arcade_id=str(record.arcade_id),
        game_id=record.game_id,
        game_title=record.game_title,
        display_name=record.display_name,
        device_token_prefix=record.device_token_prefix or "",
        device_token_active=record.device_token_active,
        last_seen_time=timestamp(record.last_seen_time),
        create_time=timestamp(record.create_time),
    )


def score(record: ScoreRecord) -> common_pb2.Score:
    return common_pb2.Score(
        id=str(record.id),
        machine_id=str(record.machine_id),
        arcade_id=str(record.arcade_id),
        game_id=record.game_id,
        player=common_pb2.Player(
            user_id=str(record.user_id) if record.user_id else "",
            initials=record.initials or "",
            display_name=record.display_name,
        ),
        value=record.value,
        achieve_time=timestamp(record.achieve_time),
        submission_id=record.submission_id,
        status=SCORE_STATUSES[record.status],
    )


def board_entries(page: BoardPage) -> list[common_pb2.BoardEntry]:
    return [common_pb2.BoardEntry(rank=rank, score=score(record)) for rank, record in page.entries]


_EVENT_KINDS = {
    EventKind.NEW_LEADER: common_pb2.BoardEvent.KIND_NEW_LEADER,
    EventKind.ENTERED_TOP: common_pb2.BoardEvent.KIND_ENTERED_TOP,
    EventKind.PERSONAL_BEST: common_pb2.BoardEvent.KIND_PERSONAL_BEST,
}


def board_event(event: BoardEvent) -> common_pb2.BoardEvent:
    return common_pb2.BoardEvent(
        kind=_EVENT_KINDS[event.kind],
        entry=common_pb2.BoardEntry(rank=event.rank, score=score(event.record)),
        previous_rank=event.previous_rank,
    )


def snapshot(page: BoardPage) -> common_pb2.BoardSnapshot:
    board = page.board
    scope = {value: key for key, value in SCOPES.items()}[board.scope]
    period = {Period.DAY: common_pb2.BOARD_PERIOD_DAY, Period.WEEK: common_pb2.BOARD_PERIOD_WEEK,
              Period.MONTH: common_pb2.BOARD_PERIOD_MONTH, Period.YEAR: common_pb2.BOARD_PERIOD_YEAR,
              Period.ALL_TIME: common_pb2.BOARD_PERIOD_ALL_TIME}
    mode = common_pb2.BOARD_MODE_BEST_PER_PLAYER if board.mode is Mode.BEST else common_pb2.BOARD_MODE_EVERY_ENTRY
    all_time = board.period is Period.ALL_TIME
    return common_pb2.BoardSnapshot(
        board=common_pb2.BoardSelector(
            game=board.game_id,
            scope=scope,
            arcade_id=str(board.arcade_id or ""),
            machine_id=str(board.machine_id or ""),
            period=period[board.period],
            mode=mode,
        ),
        period_start_time=None if all_time else timestamp(page.bounds.start),
        period_end_time=timestamp(page.bounds.end),
        entries=board_entries(page),
        total_size=page.total_size,
        next_reset_time=timestamp(page.next_reset),
        read_time=timestamp(page.read_time),
    )


def board_choice(field: str, value: int, table: dict, enum_type, *, required: bool = False):
    """Map an enum number to its domain value; unknown numbers get INVALID_ARGUMENT.

    With `required`, 0 (unspecified) maps to None so the domain can name the
    missing field.
    """
    if value == 0 and required:
        return None
    if value not in table:
        allowed = ", ".join(name for name in enum_type.keys() if not name.endswith("UNSPECIFIED"))
        raise InvalidArgument(field, f"must be one of {allowed}, got {value}")
    return table[value]
