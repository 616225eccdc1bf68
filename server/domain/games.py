"""The game catalogue: games group machine revisions, and boards are kept per game."""

from __future__ import annotations

import dataclasses

from server.db import games as db
from server.db.engine import read
from server.deps import Deps
from server.domain import paging, validate
from server.errors import InvalidArgument, NotFound


@dataclasses.dataclass(frozen=True)
class GameRecord:
    id: str
    title: str
    opdb_id: str | None
    revisions: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class GamePage:
    games: list[GameRecord]
    next_page_token: str


def check_opdb_id(value: str) -> str | None:
    """Return the OPDB ID, or None when empty. OPDB IDs look like "G43W4-MrRpw"."""
    if not value:
        return None
    if len(value) > 40 or not all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in value):
        raise InvalidArgument("opdb_id", "must be at most 40 ASCII letters, digits, '-' or '_'")
    return value


def _game_id(value) -> str:
    """Parse a game ID out of a page token; PostgreSQL text cannot hold NUL."""
    if not isinstance(value, str) or not value.isprintable():
        raise ValueError("not a game ID")
    return value


async def list_games(deps: Deps, title_contains: str, page_size: int, page_token: str) -> GamePage:
    search = validate.text("title_contains", title_contains, max_length=100)
    limit = validate.page_size("page_size", page_size, default=50)
    query = ["games", search]
    position = paging.decode(page_token, query)
    after_id = paging.unpack(position, _game_id)[0] if position else ""
    pattern = None
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"

    async with read(deps.engine) as conn:
        rows = await db.select_games_page(conn, pattern, after_id, limit + 1)
    games = [GameRecord(**row._mapping) for row in rows]
    next_token = ""
    if len(games) > limit:
        games = games[:limit]
        next_token = paging.encode(query, [games[-1].id])
    return GamePage(games, next_token)


async def get_game(deps: Deps, game_id: str) -> GameRecord:
    if not game_id:
        raise InvalidArgument("game_id", "required: a game ID such as attack-from-mars")
    if len(game_id) > 80:
        raise InvalidArgument("game_id", "must be at most 80 characters")
    validate.printable("game_id", game_id)
    async with read(deps.engine) as conn:
        row = await db.select_game(conn, game_id)
        if row is None:
            raise NotFound(f"no game has the ID {game_id!r:.80}", reason="GAME_NOT_FOUND")
        revisions = await db.select_revisions(conn, row.id)
    return GameRecord(**row._mapping, revisions=tuple(revisions))
