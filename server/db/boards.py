"""Board queries: pages in either direction, counts, positions and targets.

A board is read from one of two sources. Best-per-player boards come from
board_bests, every-entry boards straight from scores through the index of each
scope and period (migrations 0004, 0005 and 0010), accepted scores only. For reads as of a past moment the
same queries run on the history tables. Every text below is built once, at
import, from the constants in this module, never from input.

Ranks and sizes of current boards come from board_buckets (migration 0030):
a two-level histogram per board and period, kept by triggers that run at the
commit of every change, so a rank costs a few index lookups at any depth.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

MODES = ("best", "entry")
SCOPES = ("machine", "arcade", "global")
PERIODS = ("day", "week", "month", "year", "all")

_SCORE_COLUMNS = """
    s.id, s.machine_id, s.arcade_id, s.game_id, s.user_id, s.initials, s.value,
    s.achieve_time, s.submission_id, u.screen_name
"""
_SCOPE_FILTERS = {
    "machine": "s.machine_id = :machine_id",
    "arcade": "s.arcade_id = :arcade_id AND s.game_id = :game_id",
    "global": "s.game_id = :game_id",
}
_AS_OF = " AND {alias}.valid_from <= :read_time AND ({alias}.valid_to IS NULL OR {alias}.valid_to > :read_time)"
# Only accepted scores count on boards. The literal matches the predicate of
# the partial every-entry indexes (migration 0010), so the planner uses them.
_ACCEPTED = " AND s.status = 'accepted'"


@dataclasses.dataclass(frozen=True)
class Shape:
    mode: str
    scope: str
    period: str
    as_of: bool = False


@dataclasses.dataclass(frozen=True)
class _Source:
    rows: str  # FROM clause for pages, with the users join
    counted: str  # FROM clause for counts
    where: str
    value: str
    time: str
    row_id: str


def _period_filter(scope: str, period: str) -> str:
    if period == "all":
        return ""
    suffix = "utc" if scope == "global" else "local"
    return f" AND s.{period}_{suffix} = :period_start"


def _source(shape: Shape) -> _Source:
    if shape.mode == "best":
        table = "board_bests_history" if shape.as_of else "board_bests"
        where = "b.board = :board AND b.period_start = :period_start"
        if shape.as_of:
            where += _AS_OF.format(alias="b")
        return _Source(
            rows=f"{table} b JOIN scores s ON s.id = b.score_id LEFT JOIN users u ON u.id = s.user_id",
            counted=f"{table} b",
            where=where,
            value="b.value",
            time="b.achieve_time",
            row_id="b.score_id",
        )

    table = "scores_history" if shape.as_of else "scores"
    where = _SCOPE_FILTERS[shape.scope] + _period_filter(shape.scope, shape.period) + _ACCEPTED
    if shape.as_of:
        where += _AS_OF.format(alias="s")
    return _Source(
        rows=f"{table} s LEFT JOIN users u ON u.id = s.user_id",
        counted=f"{table} s",
        where=where,
        value="s.value",
        time="s.achieve_time",
        row_id="s.id",
    )


# Bucket numbers as board_bucket_v1 computes them in SQL (migration 0030):
# the 9 top bits of the value and how far it was shifted to get them. A
# fine bucket spans 2**shift values, and its octave is bucket // 512.
_FINE_PER_OCTAVE = 512


def bucket_of(value: int) -> int:
    shift = max(value.bit_length() - 9, 0)
    return shift * _FINE_PER_OCTAVE + (value >> shift)


def bucket_params(value: int) -> dict:
    """Return the bucket parameters of the rank query for an entry of `value`."""
    shift = max(value.bit_length() - 9, 0)
    bucket = bucket_of(value)
    octave = bucket // _FINE_PER_OCTAVE
    return {
        "octave": octave,
        "fine_bucket": bucket,
        "octave_end": (octave + 1) * _FINE_PER_OCTAVE,
        # The largest value in the bucket; at most 2**63 - 1, so it fits a bigint.
        "bucket_last": (((value >> shift) + 1) << shift) - 1,
    }


# Entries in the octaves above the cursor's, and in the fine buckets above
# the cursor's inside its octave.
_BUCKETS_ABOVE = """
    (SELECT coalesce(sum(entries), 0)::bigint FROM board_buckets
     WHERE board = :bucket_board AND period_start = :period_start AND level = 0 AND bucket > :octave)
    + (SELECT coalesce(sum(entries), 0)::bigint FROM board_buckets
       WHERE board = :bucket_board AND period_start = :period_start AND level = 1
         AND bucket > :fine_bucket AND bucket < :octave_end)
"""
# A board's size: the sum of its octaves, at most 55 rows.
_BUCKETS_TOTAL = text(
    """
    SELECT coalesce(sum(entries), 0)::bigint FROM board_buckets
    WHERE board = :bucket_board AND period_start = :period_start AND level = 0
    """
)


def _queries(shape: Shape) -> dict:
    src = _source(shape)
    v, t, i = src.value, src.time, src.row_id
    # Board order: value descending, then earlier achievement, then lower ID.
    after = f"({v} < :cursor_value OR ({v} = :cursor_value AND ({t}, {i}) > (:cursor_time, :cursor_id)))"
    before = f"({v} > :cursor_value OR ({v} = :cursor_value AND ({t}, {i}) < (:cursor_time, :cursor_id)))"
    queries = {
        # The first page, or the page after the cursor row.
        "forward": text(
            f"""
            SELECT {_SCORE_COLUMNS} FROM {src.rows}
            WHERE {src.where} AND (:first OR {after})
            ORDER BY {v} DESC, {t}, {i} LIMIT :limit
            """
        ),
        # The rows just before the cursor row, nearest first.
        "backward": text(
            f"""
            SELECT {_SCORE_COLUMNS} FROM {src.rows}
            WHERE {src.where} AND {before}
            ORDER BY {v}, {t} DESC, {i} DESC LIMIT :limit
            """
        ),
        "count": text(f"SELECT count(*) FROM {src.counted} WHERE {src.where}"),
        # Rows before the cursor row, and rows scoring more than it: together
        # they give the competition rank of every row of a page.
        # Both counts walk the index over the rows above; current boards
        # replace them below with bucket lookups.
        "position": text(
            f"""
            SELECT count(*) FILTER (WHERE {before}), count(*) FILTER (WHERE {v} > :cursor_value)
            FROM {src.counted} WHERE {src.where} AND {v} >= :cursor_value
            """
        ),
    }
    if shape.as_of:
        # NOTE: reads as of a past moment keep the counting queries above, so
        # their cost grows with the rows above the cursor. The buckets hold
        # the present only, and their history table could serve these reads.
        return queries

    # The same two numbers from the buckets: whole buckets above the cursor,
    # then a count inside the cursor's own bucket only.
    queries["count"] = _BUCKETS_TOTAL
    # The top page and the board's size in one statement, so the read needs
    # no transaction to agree with itself. An empty board gives one row of
    # NULL entry columns beside a size of 0.
    queries["top"] = text(
        f"""
        SELECT total.total_size, page.* FROM ({_BUCKETS_TOTAL.text}) AS total(total_size)
        LEFT JOIN LATERAL (
            SELECT {_SCORE_COLUMNS} FROM {src.rows} WHERE {src.where}
            ORDER BY {v} DESC, {t}, {i} LIMIT :limit
        ) page ON true
        """
    )
    queries["position"] = text(
        f"""
        SELECT above.entries + inside.before_rows, above.entries + inside.above_rows
        FROM (SELECT {_BUCKETS_ABOVE} AS entries) above,
             (SELECT count(*) FILTER (WHERE {before}) AS before_rows,
                     count(*) FILTER (WHERE {v} > :cursor_value) AS above_rows
              FROM {src.counted}
              WHERE {src.where} AND {v} >= :cursor_value AND {v} <= :bucket_last) inside
        """
    )
    return queries


QUERIES = {
    shape: _queries(shape)
    for shape in (
        Shape(mode, scope, period, as_of)
        for mode in MODES
        for scope in SCOPES
        for period in PERIODS
        for as_of in (False, True)
    )
}

# The target of an around-the-player read: a player's row on a best board,
# or one score's row.
BEST_BY_PLAYER = text(
    f"""
    SELECT {_SCORE_COLUMNS} FROM board_bests b
    JOIN scores s ON s.id = b.score_id LEFT JOIN users u ON u.id = s.user_id
    WHERE b.board = :board AND b.period_start = :period_start AND b.player_key = :player_key
    """
)
BEST_BY_SCORE = text(
    f"""
    SELECT {_SCORE_COLUMNS} FROM board_bests b
    JOIN scores s ON s.id = b.score_id LEFT JOIN users u ON u.id = s.user_id
    WHERE b.board = :board AND b.period_start = :period_start AND b.score_id = :score_id
    """
)
ENTRY_BY_USER = {
    (scope, period): text(
        f"""
        SELECT {_SCORE_COLUMNS} FROM scores s LEFT JOIN users u ON u.id = s.user_id
        WHERE {_SCOPE_FILTERS[scope]}{_period_filter(scope, period)}{_ACCEPTED} AND s.user_id = :user_id
        ORDER BY s.value DESC, s.achieve_time, s.id LIMIT 1
        """
    )
    for scope in SCOPES
    for period in PERIODS
}
ENTRY_BY_SCORE = {
    (scope, period): text(
        f"""
        SELECT {_SCORE_COLUMNS} FROM scores s LEFT JOIN users u ON u.id = s.user_id
        WHERE {_SCOPE_FILTERS[scope]}{_period_filter(scope, period)}{_ACCEPTED} AND s.id = :score_id
        """
    )
    for scope in SCOPES
    for period in PERIODS
}


async def select_page(conn: AsyncConnection, shape: Shape, direction: str, params: dict):
    return (await conn.execute(QUERIES[shape][direction], params)).all()


async def select_top(conn: AsyncConnection, shape: Shape, params: dict) -> tuple[list, int]:
    """Return (the rows of the top page, the board's size) of a current board in one statement."""
    rows = (await conn.execute(QUERIES[shape]["top"], params)).all()
    entries = [row for row in rows if row.id is not None]
    return entries, rows[0].total_size


async def count_rows(conn: AsyncConnection, shape: Shape, params: dict) -> int:
    return (await conn.execute(QUERIES[shape]["count"], params)).scalar_one()


async def count_position(conn: AsyncConnection, shape: Shape, params: dict) -> tuple[int, int]:
    """Return (rows before the cursor row, rows scoring more than it)."""
    params = {**params, **bucket_params(params["cursor_value"])}
    before, above = (await conn.execute(QUERIES[shape]["position"], params)).one()
    return before, above


async def select_target(conn: AsyncConnection, shape: Shape, params: dict, *, by_user: bool):
    if shape.mode == "best":
        query = BEST_BY_PLAYER if by_user else BEST_BY_SCORE
    else:
        query = (ENTRY_BY_USER if by_user else ENTRY_BY_SCORE)[(shape.scope, shape.period)]
    return (await conn.execute(query, params)).one_or_none()
