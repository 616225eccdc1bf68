"""Boards: which scores a board holds, in what order, with which ranks."""

from __future__ import annotations

import dataclasses
import datetime
import enum
import uuid
import zoneinfo

from server.db import arcades as arcades_db
from server.db import machines as machines_db
from server.db import boards as boards_db
from server.db.engine import read, read_once
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
    # "accepted", "held" or "voided"; board reads return accepted scores only.
    status: str = "accepted"
    # The player slot the device named, or None.
    player_slot: int | None = None

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
        """Return the board's key in board_bests."""
        return board_key(self.scope, self.period, self.game_id, self.arcade_id, self.machine_id)

    def bucket_key(self) -> str:
        """Return the board's key in board_buckets: every-entry boards carry an "entry:" prefix."""
        key = self.best_key()
        return key if self.mode is Mode.BEST else "entry:" + key

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
    previous_page_token: str = ""
    # When the board that is current now resets; None for all time.
    next_reset: datetime.datetime | None = None
    # The moment the page shows: the requested read_time, or for a current
    # read the clock just before the query (so a resumed watch that reads
    # the board as of this moment misses no later score).
    read_time: datetime.datetime | None = None


@dataclasses.dataclass(frozen=True)
class AroundPage:
    rank: int
    page: BoardPage


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
    # PostgreSQL text cannot hold NUL, and no game ID contains a control character.
    validate.printable("game", game)
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


def _check_instant(field: str, instant: datetime.datetime | None) -> datetime.datetime | None:
    if instant is None:
        return None
    instant = validate.aware(instant)
    if not _EARLIEST <= instant <= _LATEST:
        raise InvalidArgument(field, "must be from 1970-01-01 to 9000-12-31")
    return instant


def _params(board: Board, bounds: Bounds, read_time: datetime.datetime | None) -> dict:
    return {
        "board": board.best_key(),
        "bucket_board": board.bucket_key(),
        "period_start": bounds.start,
        "game_id": board.game_id,
        "arcade_id": board.arcade_id,
        "machine_id": board.machine_id,
        "read_time": read_time,
    }


def _record_fields(row) -> dict:
    """Return a row's ScoreRecord columns, without the board size a top read adds."""
    fields = dict(row._mapping)
    del fields["total_size"]
    return fields


def _cursor(record: ScoreRecord) -> dict:
    return {"cursor_value": record.value, "cursor_time": record.achieve_time, "cursor_id": record.id}


def _position(record: ScoreRecord) -> list:
    return [record.value, record.achieve_time.isoformat(), record.id]


def _next_reset(board: Board) -> datetime.datetime | None:
    return board.bounds(datetime.datetime.now(UTC)).end


async def read_board(
    deps: Deps,
    board: Board,
    *,
    instant: datetime.datetime | None,
    page_size: int,
    page_token: str = "",
    read_time: datetime.datetime | None = None,
) -> BoardPage:
    """Read one page of a board in the period that contains `instant` (now if
    None), as it stood at `read_time` (now if None). A page token from
    `previous_page_token` reads backwards."""
    instant = _check_instant("period_time", instant)
    read_time = _check_instant("read_time", read_time)
    shown_time = read_time or datetime.datetime.now(UTC)
    bounds = board.bounds(instant or shown_time)
    query = board.query_identity() + [bounds.start.isoformat(), read_time and read_time.isoformat()]
    position = paging.decode(page_token, query)
    direction, cursor = "forward", None
    if position is not None:
        direction_name, *cursor_values = paging.unpack(
            position, str, paging.int64, datetime.datetime.fromisoformat, paging.int64
        )
        if direction_name not in ("after", "before"):
            raise InvalidArgument("page_token", "is not a page token returned by this call")
        direction = "forward" if direction_name == "after" else "backward"
        cursor = dict(zip(("cursor_value", "cursor_time", "cursor_id"), cursor_values))

    shape = _shape(board, read_time)
    no_cursor = {"cursor_value": None, "cursor_time": None, "cursor_id": None}
    params = {**_params(board, bounds, read_time), **(cursor or no_cursor), "first": cursor is None,
              "limit": page_size + 1}
    if cursor is None and read_time is None:
        # The top of a current board: one statement, no transaction, and
        # ranks from 1 because no rows are before or above the first.
        async with read_once(deps.engine) as conn:
            found, total = await boards_db.select_top(conn, shape, params)
        rows = [ScoreRecord(**_record_fields(row)) for row in found]
        more = len(rows) > page_size
        rows = rows[:page_size]
        ranked = rank_entries(rows, 0, 0)
    else:
        async with read(deps.engine) as conn:
            rows = [ScoreRecord(**row._mapping) for row in await boards_db.select_page(conn, shape, direction, params)]
            more = len(rows) > page_size
            rows = rows[:page_size]
            if direction == "backward":
                rows.reverse()
            total = await boards_db.count_rows(conn, shape, params)
            ranked = await _rank(conn, shape, params, rows)

    has_next = more if direction == "forward" else bool(rows)
    has_previous = cursor is not None and (more if direction == "backward" else bool(rows))
    return BoardPage(
        board,
        bounds,
        ranked,
        total,
        paging.encode(query, ["after", *_position(rows[-1])]) if has_next and rows else "",
        paging.encode(query, ["before", *_position(rows[0])]) if has_previous and rows else "",
        _next_reset(board),
        shown_time,
    )


async def read_around(
    deps: Deps,
    board: Board,
    *,
    instant: datetime.datetime | None,
    user_id: str | None,
    score_id: str | None,
    page_size: int,
) -> AroundPage:
    """Read a player's rank and a window of entries centred on their entry,
    clipped at either end of the board."""
    instant = _check_instant("period_time", instant)
    bounds = board.bounds(instant or datetime.datetime.now(UTC))
    shape = _shape(board, None)
    params = _params(board, bounds, None)
    if user_id is not None:
        parsed = validate.parse_uuid("user_id", user_id)
        params.update(user_id=parsed, player_key=f"user:{parsed}")
    elif score_id is not None:
        params["score_id"] = _score_id(score_id)
    else:
        raise InvalidArgument("user_id", "either user_id or score_id is required")

    async with read(deps.engine) as conn:
        target = await boards_db.select_target(conn, shape, params, by_user=user_id is not None)
        if target is None:
            raise NotFound("the player has no entry on this board in this period", reason="ENTRY_NOT_FOUND")
        target = ScoreRecord(**target._mapping)
        around = {**params, **_cursor(target), "first": False, "limit": page_size - 1}
        before = [ScoreRecord(**r._mapping) for r in await boards_db.select_page(conn, shape, "backward", around)]
        after = [ScoreRecord(**r._mapping) for r in await boards_db.select_page(conn, shape, "forward", around)]
        window = _window(list(reversed(before)), target, after, page_size)
        ranked = await _rank(conn, shape, params, window)
        total = await boards_db.count_rows(conn, shape, params)

    rank = next(rank for rank, record in ranked if record.id == target.id)
    return AroundPage(rank, BoardPage(board, bounds, ranked, total, "", "", _next_reset(board)))


def _window(before: list[ScoreRecord], target: ScoreRecord, after: list[ScoreRecord], size: int) -> list[ScoreRecord]:
    """Centre `target` in `size` rows where possible; shift the window at the ends."""
    want_before = (size - 1) // 2
    want_after = size - 1 - want_before
    if len(after) < want_after:
        want_before += want_after - len(after)
    want_before = min(want_before, len(before))
    want_after = min(size - 1 - want_before, len(after))
    return before[len(before) - want_before :] + [target] + after[:want_after]


def _score_id(value: str) -> int:
    try:
        return paging.int64(value)
    except ValueError:
        raise InvalidArgument("score_id", f"must be a score ID (an integer), got {value!r:.40}") from None


def _shape(board: Board, read_time: datetime.datetime | None) -> boards_db.Shape:
    mode = "best" if board.mode is Mode.BEST else "entry"
    return boards_db.Shape(mode, board.scope.value, board.period.value, read_time is not None)


async def _rank(conn, shape, params: dict, rows: list[ScoreRecord]) -> list[tuple[int, ScoreRecord]]:
    if not rows:
        return []
    before, above = await boards_db.count_position(conn, shape, {**params, **_cursor(rows[0])})
    return rank_entries(rows, before, above)


def rank_entries(records: list[ScoreRecord], start: int, above_first: int) -> list[tuple[int, ScoreRecord]]:
    """Return competition ranks (1, 2, 2, 4) for a contiguous run of a board.

    `start` is the number of board rows before the run, and `above_first` is
    the number scoring strictly more than its first row. The two differ when
    the run starts inside a group of equal scores.
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


async def list_top_scores(
    deps: Deps,
    board: Board,
    *,
    instant: datetime.datetime | None,
    read_time: datetime.datetime | None,
    page_size: int,
    page_token: str,
) -> BoardPage:
    """Read the top of a board, from the live layer's snapshot when a watched
    board's current top is requested, else from the database."""
    if instant is None and read_time is None and not page_token:
        cached = deps.hub.cached(board, page_size)
        if cached is not None:
            return cached
    return await read_board(
        deps, board, instant=instant, page_size=page_size, page_token=page_token, read_time=read_time
    )


class EventKind(enum.Enum):
    NEW_LEADER = "new_leader"
    ENTERED_TOP = "entered_top"
    PERSONAL_BEST = "personal_best"


@dataclasses.dataclass(frozen=True)
class BoardEvent:
    kind: EventKind
    rank: int
    record: ScoreRecord
    # 0 when the entry was not on the earlier snapshot.
    previous_rank: int


def diff_events(old: BoardPage, new: BoardPage) -> list[BoardEvent]:
    """Events between two snapshots of the same board's top: a new leader,
    entries entering the top, and signed-in players' best scores going up."""
    if old.bounds != new.bounds:
        return []  # the board rolled over; a fresh period has no "news"

    def identity(record: ScoreRecord):
        if new.board.mode is Mode.BEST and record.user_id is not None:
            return ("user", record.user_id)
        return ("score", record.id)

    before = {identity(record): (rank, record) for rank, record in old.entries}
    events = []
    if new.entries and (not old.entries or identity(new.entries[0][1]) != identity(old.entries[0][1])):
        rank, record = new.entries[0]
        events.append(BoardEvent(EventKind.NEW_LEADER, rank, record, before.get(identity(record), (0, None))[0]))

    for rank, record in new.entries:
        earlier = before.get(identity(record))
        if earlier is None:
            events.append(BoardEvent(EventKind.ENTERED_TOP, rank, record, 0))
        elif record.user_id is not None and record.value > earlier[1].value:
            events.append(BoardEvent(EventKind.PERSONAL_BEST, rank, record, earlier[0]))
    return events
