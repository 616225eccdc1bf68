"""Boards: which scores a board holds, in what order, with which ranks."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import uuid
import zoneinfo

from server.db import arcades as arcades_db
from server.db import machines as machines_db
from server.db import scores as db
from server.db.engine import read
from server.deps import Deps
from server.domain import paging, validate
from server.domain.periods import UTC, Bounds, Period, period_bounds
from server.errors import InvalidArgument, NotFound


# The range of moments a board can be read at; zone conversions near
# datetime's limits (years 1 and 9999) would overflow.
_EARLIEST = datetime.datetime(1970, 1, 1, tzinfo=UTC)
_LATEST = datetime.datetime(9000, 12, 31, tzinfo=UTC)


class Scope(enum.Enum):
    MACHINE = "machine"
    ARCADE = "arcade"
    GLOBAL = "global"


class Mode(enum.Enum):
    BEST = "best"
    EVERY_ENTRY = "entry"


@dataclasses.dataclass(frozen=True)
class ScoreRecord:
    id: int
    machine_id: uuid.UUID
    arcade_id: uuid.UUID
    game_id: str
    user_id: uuid.UUID | None
    initials: str | None
    value: int
    achieve_time: datetime.datetime
    submission_id: str
    screen_name: str | None

    @property
    def display_name(self) -> str:
        """The current screen name, else the initials, else "Anonymous"."""
        if self.user_id is not None:
            return self.screen_name or "Deleted player"
        return self.initials or "Anonymous"


@dataclasses.dataclass(frozen=True)
class Board:
    """A validated board selection. `time_zone` is the arcade's for machine
    and arcade boards and UTC for global ones."""

    game_id: str
    scope: Scope
    arcade_id: uuid.UUID | None
    machine_id: uuid.UUID | None
    period: Period
    mode: Mode
    time_zone: str

    def best_key(self) -> str:
        """The board's key in board_bests."""
        return board_key(self.scope, self.period, self.game_id, self.arcade_id, self.machine_id)

    def bounds(self, instant: datetime.datetime) -> Bounds:
        return period_bounds(self.period, instant, zoneinfo.ZoneInfo(self.time_zone))

    def query_identity(self) -> list:
        return [self.game_id, self.scope.value, str(self.arcade_id), str(self.machine_id), self.period.value,
                self.mode.value]


@dataclasses.dataclass(frozen=True)
class BoardPage:
    board: Board
    bounds: Bounds
    entries: list[tuple[int, ScoreRecord]]
    total_size: int
    next_page_token: str


def board_key(scope: Scope, period: Period, game_id: str, arcade_id, machine_id) -> str:
    if scope is Scope.MACHINE:
        return f"machine:{machine_id}:{period.value}"
    if scope is Scope.ARCADE:
        return f"arcade:{arcade_id}:{game_id}:{period.value}"
    return f"global:{game_id}:{period.value}"


async def check_board(
    deps: Deps, *, game: str, scope: Scope | None, arcade_id: str, machine_id: str, period: Period, mode: Mode
) -> Board:
    """Validate a board selection and load the arcade or machine it names."""
    if not game:
        raise InvalidArgument("game", "required: a game ID such as attack-from-mars")
    if len(game) > 80:
        raise InvalidArgument("game", "must be at most 80 characters")
    if scope is None:
        raise InvalidArgument("scope", "required: BOARD_SCOPE_MACHINE, BOARD_SCOPE_ARCADE or BOARD_SCOPE_GLOBAL")

    if scope is Scope.GLOBAL:
        return Board(game, scope, None, None, period, mode, "UTC")

    async with read(deps.engine) as conn:
        if scope is Scope.ARCADE:
            arcade = await arcades_db.select_arcade(conn, validate.parse_uuid("arcade_id", arcade_id))
            if arcade is None:
                raise NotFound(f"arcade {arcade_id} does not exist", reason="ARCADE_NOT_FOUND")
            return Board(game, scope, arcade.id, None, period, mode, arcade.time_zone)

        machine = await machines_db.select_machine(conn, validate.parse_uuid("machine_id", machine_id))
        if machine is None:
            raise NotFound(f"machine {machine_id} does not exist", reason="MACHINE_NOT_FOUND")
        if machine.game_id != game:
            raise NotFound(f"machine {machine_id} runs {machine.game_id}, not {game}", reason="MACHINE_NOT_FOUND")
        arcade = await arcades_db.select_arcade(conn, machine.arcade_id)
    return Board(game, scope, machine.arcade_id, machine.id, period, mode, arcade.time_zone)


async def read_board(
    deps: Deps, board: Board, *, instant: datetime.datetime | None, page_size: int, page_token: str = ""
) -> BoardPage:
    """Read one page of a board in the period that contains `instant` (now if None)."""
    if instant is not None and not _EARLIEST <= validate.aware(instant) <= _LATEST:
        raise InvalidArgument("period_time", "must be from 1970-01-01 to 9000-12-31")
    bounds = board.bounds(validate.aware(instant) if instant else datetime.datetime.now(UTC))
    query = board.query_identity() + [bounds.start.isoformat()]
    position = paging.decode(page_token, query)
    if position is not None:
        position = paging.unpack(position, paging.int64, datetime.datetime.fromisoformat, paging.int64)
    params = {
        "board": board.best_key(),
        "period_start": bounds.start,
        "game_id": board.game_id,
        "arcade_id": board.arcade_id,
        "machine_id": board.machine_id,
        "first": position is None,
        "after_value": position[0] if position else None,
        "after_time": position[1] if position else None,
        "after_id": position[2] if position else None,
        "limit": page_size + 1,
    }
    mode, scope, period = board.mode.value if board.mode is Mode.BEST else "entry", board.scope.value, board.period.value

    async with read(deps.engine) as conn:
        rows = await db.select_board_page(conn, mode, scope, period, params)
        total = await db.count_board(conn, mode, scope, period, params)
        start, above = 0, 0
        if rows and position is not None:
            start, above = await db.count_position(conn, mode, scope, period, {**params, "value": rows[0].value})

    records = [ScoreRecord(**row._mapping) for row in rows[:page_size]]
    next_token = ""
    if len(rows) > page_size:
        last = records[-1]
        next_token = paging.encode(query, [last.value, last.achieve_time.isoformat(), last.id])
    return BoardPage(board, bounds, rank_entries(records, start, above), total, next_token)


def rank_entries(records: list[ScoreRecord], start: int, above_first: int) -> list[tuple[int, ScoreRecord]]:
    """Competition ranks (1, 2, 2, 4) for a contiguous run of a board.

    `start` is the number of board rows before the run and `above_first` the
    number scoring strictly more than its first row; they differ when the run
    starts inside a group of equal scores.
    """
    ranked: list[tuple[int, ScoreRecord]] = []
    for index, record in enumerate(records):
        if index == 0:
            rank = above_first + 1
        elif record.value == records[index - 1].value:
            rank = ranked[-1][0]
        else:
            rank = start + index + 1
        ranked.append((rank, record))
    return ranked
