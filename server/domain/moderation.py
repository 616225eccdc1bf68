"""Moderation of an arcade's scores by its owner and staff: voids, held scores, plausible ranges, claim windows.

Scores are facts: a void or an approval changes the score's status, and the
history table keeps every version with who moderated it and why. Boards are
repaired in the same transaction, and watchers hear of it after commit.
"""

from __future__ import annotations

import dataclasses
import datetime
import uuid

from server.db import boards as boards_db
from server.db import games as games_db
from server.db import moderation as db
from server.db import scores as scores_db
from server.db.engine import read, transaction
from server.deps import Deps
from server.domain import paging, validate
from server.domain.arcades import access_owned_arcade, access_staffed_arcade
from server.domain.boards import ScoreRecord, Scope, board_key
from server.domain.callers import Caller
from server.domain.periods import ALL_TIME_START, Period
from server.errors import FailedPrecondition, InvalidArgument, NotFound

MAX_REASON = 500
MAX_CLAIM_WINDOW_SECONDS = 30 * 24 * 3600
DEFAULT_CLAIM_WINDOW_SECONDS = 24 * 3600
_RECORD_FIELDS = [field.name for field in dataclasses.fields(ScoreRecord)]


@dataclasses.dataclass(frozen=True)
class ScorePage:
    scores: list[ScoreRecord]
    next_page_token: str


@dataclasses.dataclass(frozen=True)
class BoardRow:
    """One best-per-player board a score counts on, in the period it falls in."""

    scope: Scope
    period: Period
    key: str
    period_start: datetime.datetime


def parse_score_id(value: str) -> int:
    if not value:
        raise InvalidArgument("score_id", "required")
    try:
        return paging.int64(value)
    except ValueError:
        raise InvalidArgument("score_id", f"must be a score ID (an integer), got {value!r:.40}") from None


def score_record(row) -> ScoreRecord:
    return ScoreRecord(**{name: getattr(row, name) for name in _RECORD_FIELDS})


def board_rows(row) -> list[BoardRow]:
    """Return the 15 boards (3 scopes, 5 periods) of a score row that carries its period starts.

    The order (period, then scope) is the order a submit writes board_bests,
    so a void and a submit lock the shared board_buckets rows in the same
    order.
    """
    rows = []
    for period in Period:
        for scope in Scope:
            suffix = "utc" if scope is Scope.GLOBAL else "local"
            start = ALL_TIME_START if period is Period.ALL_TIME else getattr(row, f"{period.value}_{suffix}")
            key = board_key(scope, period, row.game_id, row.arcade_id, row.machine_id)
            rows.append(BoardRow(scope, period, key, start))
    return rows


async def access_moderated_score(conn, caller: Caller, score_id: str):
    """Lock a score and check that the caller owns its arcade, is on its staff or is an admin. Needs an open transaction."""
    caller.require_user()
    row = await db.select_for_update(conn, parse_score_id(score_id))
    if row is None:
        raise NotFound(f"score {score_id} does not exist", reason="SCORE_NOT_FOUND")
    await access_staffed_arcade(conn, caller, str(row.arcade_id))
    return row


async def add_to_boards(conn, row, user_id: uuid.UUID | None) -> None:
    """Put an accepted score on its best-per-player boards where it beats the player's best."""
    boards = board_rows(row)
    await scores_db.upsert_bests(
        conn,
        boards=[board.key for board in boards],
        period_starts=[board.period_start for board in boards],
        player_key=f"user:{user_id}" if user_id else f"score:{row.id}",
        score_id=row.id,
        value=row.value,
        achieve_time=row.achieve_time,
    )


async def remove_from_boards(conn, row) -> None:
    """Take a score that is no longer accepted off its boards. Its player's
    entries fall back to their next best accepted score. Call after the
    score's status has changed, inside the same transaction."""
    if row.user_id is None:
        await db.delete_score_entries(conn, row.id)
        return
    player_key = f"user:{row.user_id}"
    for board in board_rows(row):
        params = {"board": board.key, "period_start": board.period_start, "player_key": player_key,
                  "old_score_id": row.id}
        shape = boards_db.Shape("entry", board.scope.value, board.period.value)
        lookup = {"game_id": row.game_id, "arcade_id": row.arcade_id, "machine_id": row.machine_id,
                  "period_start": board.period_start, "user_id": row.user_id}
        best = await boards_db.select_target(conn, shape, lookup, by_user=True)
        if best is None:
            await db.delete_best(conn, **params)
        else:
            await db.replace_best(conn, **params, score_id=best.id, value=best.value, achieve_time=best.achieve_time)


async def do_void_score(deps: Deps, caller: Caller, score_id: str, reason: str) -> ScoreRecord:
    """Void an accepted or held score and repair its boards; publish after commit."""
    reason = validate.text("reason", reason, min_length=1, max_length=MAX_REASON)
    async with transaction(deps.engine) as conn:
        row = await access_moderated_score(conn, caller, score_id)
        if row.status == "voided":
            raise FailedPrecondition(f"score {score_id} is voided already", reason="SCORE_VOIDED")
        await db.set_status(conn, row.id, "voided", caller.user_id, reason)
        if row.status == "accepted":
            await remove_from_boards(conn, row)
        record = score_record(await db.select_for_update(conn, row.id))

    if row.status == "accepted":
        deps.hub.publish(record)
    return record


async def do_approve_score(deps: Deps, caller: Caller, score_id: str) -> ScoreRecord:
    """Accept a held score onto its boards; publish after commit."""
    async with transaction(deps.engine) as conn:
        row = await access_moderated_score(conn, caller, score_id)
        if row.status != "held":
            raise FailedPrecondition(f"score {score_id} is {row.status}, not held", reason="SCORE_NOT_HELD")
        await db.set_status(conn, row.id, "accepted", caller.user_id, None)
        await add_to_boards(conn, row, row.user_id)
        record = score_record(await db.select_for_update(conn, row.id))

    deps.hub.publish(record)
    return record


async def list_held_scores(deps: Deps, caller: Caller, arcade_id: str, page_size: int, page_token: str) -> ScorePage:
    limit = validate.page_size("page_size", page_size, default=20)
    query = ["held-scores", arcade_id]
    position = paging.decode(page_token, query)
    after_id = paging.unpack(position, paging.int64)[0] if position else 0

    async with read(deps.engine) as conn:
        arcade = await access_staffed_arcade(conn, caller, arcade_id)
        rows = await db.select_held_page(conn, arcade.id, after_id, limit + 1)

    scores = [ScoreRecord(**row._mapping) for row in rows]
    next_token = ""
    if len(scores) > limit:
        scores = scores[:limit]
        next_token = paging.encode(query, [scores[-1].id])
    return ScorePage(scores, next_token)


async def check_set_score_range(
    deps: Deps, caller: Caller, *, arcade_id: str, game: str, min_value: int, max_value: int
) -> tuple[str, int, int]:
    """Validate and store a game's plausible range in an arcade the caller owns."""
    game = validate.text("game", game, min_length=1, max_length=80)
    if min_value < 0:
        raise InvalidArgument("min_value", f"must be at least 0, got {min_value}")
    if max_value < min_value:
        raise InvalidArgument("max_value", f"must be at least min_value ({min_value}), got {max_value}")

    async with transaction(deps.engine) as conn:
        arcade = await access_owned_arcade(conn, caller, arcade_id)
        if not await _game_exists(conn, game):
            raise NotFound(f"game {game} does not exist", reason="GAME_NOT_FOUND")
        await db.upsert_range(conn, arcade_id=arcade.id, game_id=game, min_value=min_value, max_value=max_value)
    return game, min_value, max_value


async def _game_exists(conn, game_id: str) -> bool:
    return await games_db.select_game(conn, game_id) is not None


async def check_set_claim_window(deps: Deps, caller: Caller, arcade_id: str, seconds: int | None) -> int:
    """Validate and store how long an arcade's initials-only scores may be claimed."""
    if seconds is None:
        raise InvalidArgument("claim_window", "required: a duration from 0 to 30 days")
    if not 0 <= seconds <= MAX_CLAIM_WINDOW_SECONDS:
        raise InvalidArgument("claim_window", f"must be from 0 to 30 days in whole seconds, got {seconds} s")
    async with transaction(deps.engine) as conn:
        arcade = await access_owned_arcade(conn, caller, arcade_id)
        await db.upsert_claim_window(conn, arcade.id, seconds)
    return seconds
