"""Queries of the scores area: inserting scores, best-score boards, board pages."""

from __future__ import annotations

import uuid

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

_SCORE_COLUMNS = """
    s.id, s.machine_id, s.arcade_id, s.game_id, s.user_id, s.initials, s.value,
    s.achieve_time, s.submission_id, u.screen_name
"""

# Insert a score, or do nothing when the machine already sent this submission ID.
INSERT_SCORE = text(
    """
    INSERT INTO scores (machine_id, arcade_id, game_id, user_id, initials, value, achieve_time, submission_id,
                        day_local, week_local, month_local, day_utc, week_utc, month_utc)
    VALUES (:machine_id, :arcade_id, :game_id, :user_id, :initials, :value, :achieve_time, :submission_id,
            :day_local, :week_local, :month_local, :day_utc, :week_utc, :month_utc)
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

# The cursor condition shared by board pages: rows after (value, time, id) in
# board order (value descending, then earlier achievement, then lower ID).
_AFTER = """(:first OR {v} < :after_value
        OR ({v} = :after_value AND ({t}, {i}) > (:after_time, :after_id)))"""

# Best-per-player boards, read from board_bests.
BEST_PAGE = text(
    f"""
    SELECT {_SCORE_COLUMNS} FROM board_bests b
    JOIN scores s ON s.id = b.score_id LEFT JOIN users u ON u.id = s.user_id
    WHERE b.board = :board AND b.period_start = :period_start
      AND {_AFTER.format(v="b.value", t="b.achieve_time", i="b.score_id")}
    ORDER BY b.value DESC, b.achieve_time, b.score_id
    LIMIT :limit
    """
)
BEST_COUNT = text("SELECT count(*) FROM board_bests b WHERE b.board = :board AND b.period_start = :period_start")
# How many rows of a board come at or before the cursor, and how many of
# those score strictly higher than :value: the two numbers that place a page.
_UPTO = """count(*) FILTER (WHERE {v} > :after_value
        OR ({v} = :after_value AND ({t}, {i}) <= (:after_time, :after_id))),
    count(*) FILTER (WHERE {v} > :value)"""
BEST_POSITION = text(
    f"""
    SELECT {_UPTO.format(v="b.value", t="b.achieve_time", i="b.score_id")}
    FROM board_bests b
    WHERE b.board = :board AND b.period_start = :period_start AND b.value >= :value
    """
)

# Every-entry boards, read straight from scores through the index of each
# scope and period (see migration 0004). The texts below are built once from
# these constants, never from input.
_SCOPE_FILTERS = {
    "machine": "s.machine_id = :machine_id",
    "arcade": "s.arcade_id = :arcade_id AND s.game_id = :game_id",
    "global": "s.game_id = :game_id",
}
_PERIOD_COLUMNS = {
    ("machine", "day"): "s.day_local",
    ("machine", "week"): "s.week_local",
    ("machine", "month"): "s.month_local",
    ("arcade", "day"): "s.day_local",
    ("arcade", "week"): "s.week_local",
    ("arcade", "month"): "s.month_local",
    ("global", "day"): "s.day_utc",
    ("global", "week"): "s.week_utc",
    ("global", "month"): "s.month_utc",
}


def _entry_filter(scope: str, period: str) -> str:
    column = _PERIOD_COLUMNS.get((scope, period))
    period_filter = f" AND {column} = :period_start" if column else ""
    return _SCOPE_FILTERS[scope] + period_filter


ENTRY_PAGE = {
    (scope, period): text(
        f"""
        SELECT {_SCORE_COLUMNS} FROM scores s LEFT JOIN users u ON u.id = s.user_id
        WHERE {_entry_filter(scope, period)}
          AND {_AFTER.format(v="s.value", t="s.achieve_time", i="s.id")}
        ORDER BY s.value DESC, s.achieve_time, s.id
        LIMIT :limit
        """
    )
    for scope in _SCOPE_FILTERS
    for period in ("day", "week", "month", "all")
}
ENTRY_COUNT = {
    key: text(f"SELECT count(*) FROM scores s WHERE {_entry_filter(*key)}") for key in ENTRY_PAGE
}
ENTRY_POSITION = {
    key: text(
        f"""
        SELECT {_UPTO.format(v="s.value", t="s.achieve_time", i="s.id")}
        FROM scores s WHERE {_entry_filter(*key)} AND s.value >= :value
        """
    )
    for key in ENTRY_PAGE
}


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


async def select_board_page(conn: AsyncConnection, mode: str, scope: str, period: str, params: dict):
    query = BEST_PAGE if mode == "best" else ENTRY_PAGE[(scope, period)]
    return (await conn.execute(query, params)).all()


async def count_board(conn: AsyncConnection, mode: str, scope: str, period: str, params: dict) -> int:
    query = BEST_COUNT if mode == "best" else ENTRY_COUNT[(scope, period)]
    return (await conn.execute(query, params)).scalar_one()


async def count_position(conn: AsyncConnection, mode: str, scope: str, period: str, params: dict) -> tuple[int, int]:
    """Return (rows at or before the cursor, rows scoring more than :value)."""
    query = BEST_POSITION if mode == "best" else ENTRY_POSITION[(scope, period)]
    return tuple((await conn.execute(query, params)).one())
