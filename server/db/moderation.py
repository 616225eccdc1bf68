"""Queries of score moderation: statuses, claims, plausible ranges, claim windows and best-score repairs."""

from __future__ import annotations

import datetime
import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_SCORE_COLUMNS = """
    s.id, s.machine_id, s.arcade_id, s.game_id, s.user_id, s.initials, s.value,
    s.achieve_time, s.submission_id, u.screen_name, s.status, s.player_slot
"""
# The columns a board repair needs besides the score itself.
_PERIOD_COLUMNS = """
    s.day_local, s.week_local, s.month_local, s.year_local, s.day_utc, s.week_utc, s.month_utc, s.year_utc
"""

SELECT_RANGE = text("SELECT min_value, max_value FROM score_ranges WHERE arcade_id = :arcade_id AND game_id = :game_id")

UPSERT_RANGE = text(
    """
    INSERT INTO score_ranges (arcade_id, game_id, min_value, max_value)
    VALUES (:arcade_id, :game_id, :min_value, :max_value)
    ON CONFLICT ON CONSTRAINT score_ranges_pk DO UPDATE
    SET min_value = excluded.min_value, max_value = excluded.max_value
    """
)

SELECT_CLAIM_WINDOW = text("SELECT claim_window_seconds FROM arcade_score_rules WHERE arcade_id = :arcade_id")

UPSERT_CLAIM_WINDOW = text(
    """
    INSERT INTO arcade_score_rules (arcade_id, claim_window_seconds) VALUES (:arcade_id, :seconds)
    ON CONFLICT ON CONSTRAINT arcade_score_rules_pk DO UPDATE SET claim_window_seconds = excluded.claim_window_seconds
    """
)

# Lock a score for a status change or a claim, with its period starts.
SELECT_FOR_UPDATE = text(
    f"""
    SELECT {_SCORE_COLUMNS}, {_PERIOD_COLUMNS}
    FROM scores s LEFT JOIN users u ON u.id = s.user_id
    WHERE s.id = :id
    FOR UPDATE OF s
    """
)

SET_STATUS = text(
    """
    UPDATE scores SET status = :status, moderator_id = :moderator_id, moderation_reason = :reason
    WHERE id = :id
    """
)

SET_CLAIM = text("UPDATE scores SET user_id = :user_id, claim_time = :now WHERE id = :id")

# An arcade's held scores in the order they arrived, after the cursor.
SELECT_HELD_PAGE = text(
    f"""
    SELECT {_SCORE_COLUMNS} FROM scores s LEFT JOIN users u ON u.id = s.user_id
    WHERE s.arcade_id = :arcade_id AND s.status = 'held' AND s.id > :after_id
    ORDER BY s.id
    LIMIT :limit
    """
)

# Point a best-per-player row that contains :old_score_id at the player's next
# best. The score_id condition is evaluated again on the newest row version
# after a lock wait, so a better score committed meanwhile is kept.
REPLACE_BEST = text(
    """
    UPDATE board_bests SET score_id = :score_id, value = :value, achieve_time = :achieve_time
    WHERE board = :board AND period_start = :period_start AND player_key = :player_key
      AND score_id = :old_score_id
    """
)

DELETE_BEST = text(
    """
    DELETE FROM board_bests
    WHERE board = :board AND period_start = :period_start AND player_key = :player_key
      AND score_id = :old_score_id
    """
)

# Remove the entries of a score that has no user (player key "score:<id>").
DELETE_SCORE_ENTRIES = text("DELETE FROM board_bests WHERE score_id = :score_id AND player_key = :player_key")


async def select_range(conn: AsyncConnection, arcade_id: uuid.UUID, game_id: str):
    return (await conn.execute(SELECT_RANGE, {"arcade_id": arcade_id, "game_id": game_id})).one_or_none()


async def upsert_range(conn: AsyncConnection, **values) -> None:
    await conn.execute(UPSERT_RANGE, values)


async def select_claim_window(conn: AsyncConnection, arcade_id: uuid.UUID) -> int | None:
    return (await conn.execute(SELECT_CLAIM_WINDOW, {"arcade_id": arcade_id})).scalar_one_or_none()


async def upsert_claim_window(conn: AsyncConnection, arcade_id: uuid.UUID, seconds: int) -> None:
    await conn.execute(UPSERT_CLAIM_WINDOW, {"arcade_id": arcade_id, "seconds": seconds})


async def select_for_update(conn: AsyncConnection, score_id: int):
    return (await conn.execute(SELECT_FOR_UPDATE, {"id": score_id})).one_or_none()


async def set_status(conn: AsyncConnection, score_id: int, status: str, moderator_id, reason: str | None) -> None:
    params = {"id": score_id, "status": status, "moderator_id": moderator_id, "reason": reason}
    await conn.execute(SET_STATUS, params)


async def set_claim(conn: AsyncConnection, score_id: int, user_id: uuid.UUID, now: datetime.datetime) -> None:
    await conn.execute(SET_CLAIM, {"id": score_id, "user_id": user_id, "now": now})


async def select_held_page(conn: AsyncConnection, arcade_id: uuid.UUID, after_id: int, limit: int):
    params = {"arcade_id": arcade_id, "after_id": after_id, "limit": limit}
    return (await conn.execute(SELECT_HELD_PAGE, params)).all()


async def replace_best(conn: AsyncConnection, **params) -> None:
    await conn.execute(REPLACE_BEST, params)


async def delete_best(conn: AsyncConnection, **params) -> None:
    await conn.execute(DELETE_BEST, params)


async def delete_score_entries(conn: AsyncConnection, score_id: int) -> None:
    await conn.execute(DELETE_SCORE_ENTRIES, {"score_id": score_id, "player_key": f"score:{score_id}"})
