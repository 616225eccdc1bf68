"""Queries of the scores area: inserting scores, best-score boards, board pages."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_SCORE_COLUMNS = """
    s.id, s.machine_id, s.arcade_id, s.game_id, s.user_id, s.initials, s.value,
    s.achieve_time, s.submission_id, u.screen_name, s.status, s.player_slot
"""

# Insert a score, or do nothing when the machine already sent this submission ID.
INSERT_SCORE = text(
    """
    INSERT INTO scores (machine_id, arcade_id, game_id, user_id, initials, value, achieve_time, submission_id,
                        day_local, week_local, month_local, day_utc, week_utc, month_utc, year_local, year_utc,
                        status, player_slot)
    VALUES (:machine_id, :arcade_id, :game_id, :user_id, :initials, :value, :achieve_time, :submission_id,
            :day_local, :week_local, :month_local, :day_utc, :week_utc, :month_utc, :year_local, :year_utc,
            :status, :player_slot)
    ON CONFLICT ON CONSTRAINT scores_submission_uq DO NOTHING
    RETURNING id
    """
)

# The score an earlier submission with this ID stored.
SELECT_BY_SUBMISSION = text(
    f"""
    SELECT {_SCORE_COLUMNS} FROM scores s LEFT JOIN users u ON u.id = s.user_id
    WHERE s.machine_id = :machine_id AND s.submission_id = :submission_id
    """
)

SELECT_SCORE = text(f"SELECT {_SCORE_COLUMNS} FROM scores s LEFT JOIN users u ON u.id = s.user_id WHERE s.id = :id")

# Put the score on every best-per-player board it counts for, where it beats
# the player's current best (higher, or equal and achieved earlier).
UPSERT_BESTS = text(
    """
    INSERT INTO board_bests (board, period_start, player_key, score_id, value, achieve_time)
    SELECT t.board, t.period_start, :player_key, :score_id, :value, :achieve_time
    FROM unnest(CAST(:boards AS text[]), CAST(:period_starts AS timestamptz[])) AS t(board, period_start)
    ON CONFLICT ON CONSTRAINT board_bests_pk DO UPDATE
    SET score_id = excluded.score_id, value = excluded.value, achieve_time = excluded.achieve_time
    WHERE excluded.value > board_bests.value
       OR (excluded.value = board_bests.value AND excluded.achieve_time < board_bests.achieve_time)
    """
)

# A user's scores, newest achievement first, after the cursor.
SELECT_USER_SCORES = text(
    f"""
    SELECT {_SCORE_COLUMNS} FROM scores s LEFT JOIN users u ON u.id = s.user_id
    WHERE s.user_id = :user_id
      AND (:first OR (s.achieve_time, s.id) < (:after_time, :after_id))
    ORDER BY s.achieve_time DESC, s.id DESC
    LIMIT :limit
    """
)

async def insert_score(conn: AsyncConnection, **values) -> int | None:
    return (await conn.execute(INSERT_SCORE, values)).scalar_one_or_none()


async def select_by_submission(conn: AsyncConnection, machine_id: uuid.UUID, submission_id: str):
    params = {"machine_id": machine_id, "submission_id": submission_id}
    return (await conn.execute(SELECT_BY_SUBMISSION, params)).one_or_none()


async def select_score(conn: AsyncConnection, score_id: int):
    return (await conn.execute(SELECT_SCORE, {"id": score_id})).one()


async def upsert_bests(conn: AsyncConnection, **values) -> None:
    await conn.execute(UPSERT_BESTS, values)


async def select_user_scores(conn: AsyncConnection, **params):
    return (await conn.execute(SELECT_USER_SCORES, params)).all()
