"""Fan-out of board changes to watchers in this process.

Watchers of the same board and size share one group. A score marks the groups
it may change as dirty. Each group re-reads its board at most once per
coalescing window and hands the new snapshot to every watcher. So a hundred
scores in a second cost a few reads, not a hundred, and more watchers do not
mean more database work.

Each watcher holds only the newest snapshot it has not taken yet (a queue of
one that overwrites), so a slow client never blocks the group, the devices or
other watchers; it just skips intermediate states.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from server.domain.boards import Board, BoardEvent, BoardPage, ScoreRecord, Scope, diff_events
from server.domain.periods import UTC

logger = logging.getLogger(__name__)

Reader = Callable[[Board, int], Awaitable[BoardPage]]


class HubClosed(Exception):
    """The hub is shutting down; the watcher should end its stream."""


# Events kept for a watcher that has not read yet; older ones are dropped.
MAX_PENDING_EVENTS = 50


class Watcher:
    def __init__(self) -> None:
        self._latest: BoardPage | None = None
        self._events: list[BoardEvent] = []
        self._ready = asyncio.Event()
        self._closed = False

    def offer(self, page: BoardPage, events: list[BoardEvent] = ()) -> None:
        self._latest = page
        self._events.extend(events)
        del self._events[:-MAX_PENDING_EVENTS]
        self._ready.set()

    def close(self) -> None:
        self._closed = True
        self._ready.set()

    async def next(self) -> tuple[BoardPage, list[BoardEvent]]:
        """Wait for the newest snapshot and the events since the last read;
        raise HubClosed when the hub shuts down."""
        await self._ready.wait()
        if self._closed:
            raise HubClosed()
        self._ready.clear()
        page, self._latest = self._latest, None
        events, self._events = self._events, []
        assert page is not None
        return page, events


class _Group:
    def __init__(self, hub: BoardHub, board: Board, size: int):
        self.hub = hub
        self.board = board
        self.size = size
        self.watchers: set[Watcher] = set()
        self.dirty = asyncio.Event()
        self.last: BoardPage | None = None
        self.last_identity: Any = None
        self.task = asyncio.get_running_loop().create_task(self._run(), name=f"board-group {board.best_key()}")

    async def _run(self) -> None:
        self.dirty.set()
        while True:
            await self._wait_for_change()
            self.dirty.clear()
            try:
                page = await self.hub.reader(self.board, self.size)
            except Exception:
                # A failed read is retried on the next window; the watchers
                # keep their last snapshot meanwhile.
                logger.warning("reading board %s for watchers failed", self.board.best_key(), exc_info=True)
                self.dirty.set()
            else:
                self._deliver(page)
            await asyncio.sleep(self.hub.coalesce_seconds)

    async def _wait_for_change(self) -> None:
        # Besides changes, the end of the period changes the board (it rolls
        # over), so wake up then too.
        timeout = None
        if self.last is not None and self.last.bounds.end is not None:
            timeout = max(0.0, (self.last.bounds.end - datetime.datetime.now(UTC)).total_seconds()) + 0.01
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.dirty.wait(), timeout)

    def _deliver(self, page: BoardPage) -> None:
        identity = (page.bounds, page.total_size, [(rank, record) for rank, record in page.entries])
        if identity == self.last_identity:
            return
        events = diff_events(self.last, page) if self.last is not None else []
        self.last, self.last_identity = page, identity
        for watcher in self.watchers:
            watcher.offer(page, events)

    def current(self) -> BoardPage | None:
        """Return the last snapshot if nothing has changed the board since and its period is still running."""
        page = self.last
        if page is None or self.dirty.is_set():
            return None
        if page.bounds.end is not None and datetime.datetime.now(UTC) >= page.bounds.end:
            return None
        return page

    def matches(self, arcade_id: str, machine_id: str) -> bool:
        """Return whether a change on this machine (of this group's game) may change the board."""
        board = self.board
        if board.scope is Scope.MACHINE:
            return str(board.machine_id) == machine_id
        if board.scope is Scope.ARCADE:
            return str(board.arcade_id) == arcade_id
        return True


class BoardHub:
    def __init__(self, reader: Reader, coalesce_seconds: float):
        self.reader = reader
        self.coalesce_seconds = coalesce_seconds
        self._groups: dict[tuple[Board, int], _Group] = {}
        self._by_game: dict[str, set[_Group]] = {}
        self._closed = False
        # Called with each published score, after the local boards are
        # marked; the relay to other processes registers here.
        self.listeners: list[Callable[[ScoreRecord], None]] = []

    @contextlib.asynccontextmanager
    async def watch(self, board: Board, size: int) -> AsyncIterator[Watcher]:
        """Register a watcher for the top `size` entries of a board until the block exits."""
        if self._closed:
            raise HubClosed()
        key = (board, size)
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = _Group(self, board, size)
            self._by_game.setdefault(board.game_id, set()).add(group)
        watcher = Watcher()
        group.watchers.add(watcher)
        if group.last is not None:
            watcher.offer(group.last)
        try:
            yield watcher
        finally:
            group.watchers.discard(watcher)
            if not group.watchers and self._groups.get(key) is group:
                self._drop(key, group)

    def cached(self, board: Board, size: int) -> BoardPage | None:
        """The current snapshot of a watched board, or None when the database must be read."""
        group = self._groups.get((board, size))
        return group.current() if group is not None else None

    def publish(self, score: ScoreRecord) -> None:
        """Mark every watched board the score may change, here and, through the
        relay, in other processes. Call only after commit."""
        self.mark(score.game_id, str(score.arcade_id), str(score.machine_id))
        for listener in self.listeners:
            listener(score)

    def mark(self, game_id: str, arcade_id: str, machine_id: str) -> None:
        """Mark the watched boards that a change on this machine may affect."""
        for group in self._by_game.get(game_id, ()):
            if group.matches(arcade_id, machine_id):
                group.dirty.set()

    def mark_all(self) -> None:
        for group in self._groups.values():
            group.dirty.set()

    def close(self) -> None:
        """End every watch: each watcher's next() raises HubClosed."""
        self._closed = True
        for key, group in list(self._groups.items()):
            for watcher in group.watchers:
                watcher.close()
            self._drop(key, group)

    def group_count(self) -> int:
        return len(self._groups)

    def watcher_count(self) -> int:
        return sum(len(group.watchers) for group in self._groups.values())

    def _drop(self, key, group: _Group) -> None:
        del self._groups[key]
        games = self._by_game.get(group.board.game_id)
        if games is not None:
            games.discard(group)
            if not games:
                del self._by_game[group.board.game_id]
        group.task.cancel()
