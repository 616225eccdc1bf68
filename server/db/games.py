"""Queries of the game catalogue."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

# One page of games by ID, optionally filtered by a case-insensitive title
# substring (:pattern is a LIKE pattern with its wildcards escaped).
SELECT_GAMES_PAGE = text(
    """
    SELECT g.id, g.title, g.opdb_id FROM games g
    WHERE (CAST(:pattern AS text) IS NULL OR g.title ILIKE :pattern ESCAPE '\\')
      AND g.id > :after_id
    ORDER BY g.id
    LIMIT :limit
    """
)

SELECT_GAME = text("SELECT g.id, g.title, g.opdb_id FROM games g WHERE g.id = :id")

# The machine titles registered for a game.
SELECT_REVISIONS = text("SELECT DISTINCT m.game_title FROM machines m WHERE m.game_id = :id ORDER BY m.game_title")

# Fill in a game's OPDB ID when it has none.
SET_OPDB_ID = text("UPDATE games SET opdb_id = :opdb_id WHERE id = :id AND opdb_id IS NULL")


async def select_games_page(conn: AsyncConnection, pattern: str | None, after_id: str, limit: int):
    return (await conn.execute(SELECT_GAMES_PAGE, {"pattern": pattern, "after_id": after_id, "limit": limit})).all()


async def select_game(conn: AsyncConnection, game_id: str):
    return (await conn.execute(SELECT_GAME, {"id": game_id})).one_or_none()


async def select_revisions(conn: AsyncConnection, game_id: str) -> list[str]:
    return list((await conn.execute(SELECT_REVISIONS, {"id": game_id})).scalars())


async def set_opdb_id(conn: AsyncConnection, game_id: str, opdb_id: str) -> None:
    await conn.execute(SET_OPDB_ID, {"id": game_id, "opdb_id": opdb_id})
