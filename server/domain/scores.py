"""Scores: accepting a device's submission, and reading a user's scores."""

from __future__ import annotations

import dataclasses
import datetime
import uuid
import zoneinfo

from server.db import checkins as checkins_db
from server.db import moderation as moderation_db
from server.db import scores as db
from server.db.engine import read, transaction
from server.deps import Deps
from server.domain import paging, validate
from server.domain.boards import ScoreRecord, Scope, board_key
from server.domain.callers import Device
from server.domain.periods import UTC, Period, period_bounds
from server.errors import AlreadyExists, InvalidArgument

MAX_CLOCK_SKEW = datetime.timedelta(minutes=5)
MAX_INITIALS = 16
MAX_PLAYER_SLOT = 6
_EARLIEST = datetime.datetime(1970, 1, 1, tzinfo=UTC)


@dataclasses.dataclass(frozen=True)
class Submission:
    """A score as the device sent it. `initials` None means the device sent
    no initials; `achieve_time` None means it sent no time."""

    submission_id: str
    user_id: str | None
    initials: str | None
    value: int
    achieve_time: datetime.datetime | None
    # 1 to 6, or 0 when the device named no slot.
    player_slot: int = 0


@dataclasses.dataclass(frozen=True)
class Accepted:
    score: ScoreRecord
    duplicate: bool


def check_submission(submission: Submission, now: datetime.datetime) -> tuple[uuid.UUID | None, str | None, datetime.datetime]:
    """Validate a submission; return the parsed user ID, clean initials and achievement time."""
    sid = submission.submission_id
    if not sid:
        raise InvalidArgument("submission_id", "required: the device's own ID for this score, 1 to 64 characters")
    if len(sid) > 64 or not sid.isprintable():
        raise InvalidArgument("submission_id", "must be 1 to 64 printable characters")
    if submission.value < 0:
        raise InvalidArgument("value", f"must be at least 0, got {submission.value}")
    if not 0 <= submission.player_slot <= MAX_PLAYER_SLOT:
        raise InvalidArgument("player_slot", f"must be from 1 to 6, or 0 for none, got {submission.player_slot}")
    if submission.player_slot and submission.user_id is not None:
        raise InvalidArgument("player_slot", "must not be set together with user_id")

    user_id = validate.parse_uuid("user_id", submission.user_id) if submission.user_id is not None else None
    initials = None
    if submission.initials is not None:
        initials = validate.text("initials", submission.initials, max_length=MAX_INITIALS)

    achieve_time = validate.aware(submission.achieve_time) if submission.achieve_time else now
    if achieve_time > now + MAX_CLOCK_SKEW:
        raise InvalidArgument("achieve_time", "must not be more than 5 minutes ahead of the server's clock")
    if achieve_time < _EARLIEST:
        raise InvalidArgument("achieve_time", "must not be before 1970-01-01T00:00:00Z")
    return user_id, initials, achieve_time


def period_starts(device: Device, achieve_time: datetime.datetime) -> dict[str, datetime.datetime]:
    """Return the starts of the periods a score counts in, keyed by the scores table's columns."""
    local = zoneinfo.ZoneInfo(device.time_zone)
    starts = {}
    for period in (Period.DAY, Period.WEEK, Period.MONTH, Period.YEAR):
        starts[f"{period.value}_local"] = period_bounds(period, achieve_time, local).start
        starts[f"{period.value}_utc"] = period_bounds(period, achieve_time, UTC).start
    return starts


async def check_submit_score(deps: Deps, device: Device, submission: Submission) -> Accepted:
    """Validate and store a score from a device, then tell watchers after commit.

    A score for a player slot belongs to the player checked in there. A score
    outside the game's plausible range is stored as held and enters no board.
    A repeat of a submission ID returns the stored score when the content
    matches and raises AlreadyExists when it does not.
    """
    now = datetime.datetime.now(UTC)
    user_id, initials, achieve_time = check_submission(submission, now)
    periods = period_starts(device, achieve_time)

    async with transaction(deps.engine) as conn:
        if submission.player_slot:
            user_id, initials = await _slot_player(conn, device, submission.player_slot, now, user_id, initials)
        status = await _status_for(conn, device, submission.value)
        score_id = await db.insert_score(
            conn,
            machine_id=device.machine_id,
            arcade_id=device.arcade_id,
            game_id=device.game_id,
            user_id=user_id,
            initials=initials,
            value=submission.value,
            achieve_time=achieve_time,
            submission_id=submission.submission_id,
            status=status,
            player_slot=submission.player_slot or None,
            **periods,
        )
        if score_id is None:
            first = ScoreRecord(**(await db.select_by_submission(conn, device.machine_id, submission.submission_id))._mapping)
            _check_same_content(first, submission, user_id, initials, submission.achieve_time and achieve_time)
            return Accepted(first, duplicate=True)

        if status == "accepted":
            await _update_bests(conn, device, score_id, user_id, submission.value, achieve_time, periods)
        record = ScoreRecord(**(await db.select_score(conn, score_id))._mapping)

    if status == "accepted":
        deps.hub.publish(record)
    return Accepted(record, duplicate=False)


async def _slot_player(conn, device: Device, slot: int, now, user_id, initials):
    """Return (user ID, initials) for a score made in a slot: the checked-in player's, else as sent."""
    checked_in = await checkins_db.select_slot_user(conn, device.machine_id, slot, now)
    if checked_in is None:
        return user_id, initials
    return checked_in, None


async def _status_for(conn, device: Device, value: int) -> str:
    """Return "held" for a value outside the plausible range the owner set for the game, else "accepted"."""
    plausible = await moderation_db.select_range(conn, device.arcade_id, device.game_id)
    if plausible is not None and not plausible.min_value <= value <= plausible.max_value:
        return "held"
    return "accepted"


async def _update_bests(conn, device: Device, score_id: int, user_id, value: int, achieve_time, periods: dict) -> None:
    starts = {
        Period.DAY: (periods["day_local"], periods["day_utc"]),
        Period.WEEK: (periods["week_local"], periods["week_utc"]),
        Period.MONTH: (periods["month_local"], periods["month_utc"]),
        Period.YEAR: (periods["year_local"], periods["year_utc"]),
        Period.ALL_TIME: (period_bounds(Period.ALL_TIME, achieve_time, UTC).start,) * 2,
    }
    boards, period_starts = [], []
    for period, (local_start, utc_start) in starts.items():
        for scope in Scope:
            boards.append(board_key(scope, period, device.game_id, device.arcade_id, device.machine_id))
            period_starts.append(utc_start if scope is Scope.GLOBAL else local_start)

    await db.upsert_bests(
        conn,
        boards=boards,
        period_starts=period_starts,
        player_key=f"user:{user_id}" if user_id else f"score:{score_id}",
        score_id=score_id,
        value=value,
        achieve_time=achieve_time,
    )


def _check_same_content(first: ScoreRecord, submission: Submission, user_id, initials, achieve_time) -> None:
    # A slot's player may have changed since the first submission, so a
    # retry for a slot is compared by slot, not by the player it resolved to.
    if submission.player_slot:
        same = (first.player_slot, first.value) == (submission.player_slot, submission.value)
    else:
        same = (first.player_slot, first.user_id, first.initials, first.value) == (None, user_id, initials, submission.value)
    if achieve_time is not None:
        same = same and first.achieve_time == achieve_time
    if not same:
        raise AlreadyExists(
            "submission_id was already used for a different score on this machine", reason="SUBMISSION_ID_REUSED"
        )


@dataclasses.dataclass(frozen=True)
class ScorePage:
    scores: list[ScoreRecord]
    next_page_token: str


async def list_user_scores(deps: Deps, user_id: str, page_size: int, page_token: str) -> ScorePage:
    parsed = validate.parse_uuid("user_id", user_id)
    limit = validate.page_size("page_size", page_size, default=20)
    query = ["user-scores", str(parsed)]
    position = paging.decode(page_token, query)
    if position is not None:
        position = paging.unpack(position, datetime.datetime.fromisoformat, paging.int64)
    params = {
        "user_id": parsed,
        "first": position is None,
        "after_time": position[0] if position else None,
        "after_id": position[1] if position else None,
        "limit": limit + 1,
    }
    async with read(deps.engine) as conn:
        rows = await db.select_user_scores(conn, **params)

    scores = [ScoreRecord(**row._mapping) for row in rows]
    next_token = ""
    if len(scores) > limit:
        scores = scores[:limit]
        next_token = paging.encode(query, [scores[-1].achieve_time.isoformat(), scores[-1].id])
    return ScorePage(scores, next_token)
