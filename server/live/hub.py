"""Fan-out of board changes to watchers in this process.

Watchers of the same board and size share one group. A score marks the groups
it may change as dirty. Each group re-reads its board at most once per
coalescing window and hands the new snapshot to every watcher. So a hundred
scores in a second cost a few reads, not a hundred, and more watchers do not
mean more database work.

Each update is encoded once per group, as the bytes of the stream message,
and every watcher sends those same bytes, so more watchers do not mean more
serialisation either.

Each watcher holds only the newest update it has not taken yet (a queue of
one that overwrites), so a slow client never blocks the group, the devices or
other watchers; it just skips intermediate states.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from server.domain.boards import Board, BoardEvent, BoardPage, ScoreRecord, Scope, diff_events
from server.domain.periods import UTC

logger = logging.getLogger(__name__)

Reader = Callable[[Board, int], Awaitable[BoardPage]]


@dataclasses.dataclass(frozen=True)
class Encoder:
    """Turns updates into stream message bytes.

    Protobuf parses concatenated messages as one merged message, so the
    snapshot and each event are encoded on their own (each as a whole stream
    message carrying only that field) and joined as needed.
    """

    snapshot: Callable[[BoardPage], bytes]
    event: Callable[[BoardEvent], bytes]


class HubClosed(Exception):
    """The hub is shutting down; the watcher should end its stream."""


# Events kept for a watcher that has not read yet; older ones are dropped.
MAX_PENDING_EVENTS = 50


@dataclasses.dataclass(frozen=True, slots=True)
class Update:
    """One snapshot of a group's board, encoded once for all its watchers."""

    page: BoardPage
    snapshot: bytes
    # Each event encoded on its own, in order.
    events: tuple[bytes, ...]
    # The whole stream message: the snapshot followed by the events.
    message: bytes


class Watcher:
    """One stream's place in a group: the newest update it has not sent yet.

    Registered in its group while an `async with` block on it runs. Kept
    small, because one server process keeps thousands open: no task, no
    queue, no generator, and a future only while the stream waits.
    """

    __slots__ = ("hub", "key", "group", "_update", "_backlog", "_waiter", "_closed")

    def __init__(self, hub: BoardHub, key: tuple[Board, int]) -> None:
        self.hub = hub
        self.key = key
        self.group: _Group | None = None
        self._update: Update | None = None
        # Encoded events of updates that were replaced before being taken.
        self._backlog: list[bytes] | None = None
        self._waiter: asyncio.Future | None = None
        self._closed = False

    async def __aenter__(self) -> Watcher:
        self.hub._join(self)
        return self

    async def __aexit__(self, *exc_info) -> None:
        self.hub._leave(self)

    def offer(self, update: Update) -> None:
        skipped = self._update
        if skipped is not None and skipped.events:
            backlog = self._backlog if self._backlog is not None else []
            backlog.extend(skipped.events)
            del backlog[:-MAX_PENDING_EVENTS]
            self._backlog = backlog
        self._update = update
        self._wake()

    def close(self) -> None:
        self._closed = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def next(self) -> tuple[BoardPage, bytes]:
        """Wait for the newest snapshot; return it and the stream message that
        carries it with the events since the last read. Raise HubClosed when
        the hub shuts down."""
        while self._update is None and not self._closed:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        if self._closed:
            raise HubClosed()

        update, self._update = self._update, None
        backlog, self._backlog = self._backlog, None
        if not backlog:
            # The common case: the bytes shared by every watcher of the group.
            return update.page, update.message
        events = (backlog + list(update.events))[-MAX_PENDING_EVENTS:]
        return update.page, update.snapshot + b"".join(events)


class _Group:
    def __init__(self, hub: BoardHub, board: Board, size: int):
        self.hub = hub
        self.board = board
        self.size = size
        self.key = (board, size)
        self.watchers: set[Watcher] = set()
        self.dirty = asyncio.Event()
        self.last: BoardPage | None = None
        self.last_identity: Any = None
        # The last snapshot without events, for watchers that join later.
        self.joining: Update | None = None
        self.task = asyncio.get_running_loop().create_task(self._run(), name=f"board-group {board.best_key()}")

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        self.dirty.set()
        while True:
            await self._wait_for_change()
            started = loop.time()
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
            # At most one read per window, counted from the start of this
            # one, so the read and the fan-out do not add to the delay.
            await asyncio.sleep(max(0.0, started + self.hub.coalesce_seconds - loop.time()))

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

        encoder = self.hub.encoder
        snapshot = encoder.snapshot(page)
        encoded_events = tuple(encoder.event(event) for event in events)
        update = Update(page, snapshot, encoded_events, snapshot + b"".join(encoded_events))
        self.joining = Update(page, snapshot, (), snapshot)
        for watcher in self.watchers:
            watcher.offer(update)

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
    def __init__(self, reader: Reader, coalesce_seconds: float, encoder: Encoder):
        self.reader = reader
        self.encoder = encoder
        self.coalesce_seconds = coalesce_seconds
        self._groups: dict[tuple[Board, int], _Group] = {}
        self._by_game: dict[str, set[_Group]] = {}
        self._closed = False
        # Called with each published score, after the local boards are
        # marked; the relay to other processes registers here.
        self.listeners: list[Callable[[ScoreRecord], None]] = []

    def watch(self, board: Board, size: int) -> Watcher:
        """Return a watcher for the top `size` entries of a board, registered
        while an `async with` block on it runs. Entering raises HubClosed when
        the hub shuts down."""
        return Watcher(self, (board, size))

    def _join(self, watcher: Watcher) -> None:
        if self._closed:
            raise HubClosed()
        board, size = watcher.key
        group = self._groups.get(watcher.key)
        if group is None:
            group = self._groups[watcher.key] = _Group(self, board, size)
            self._by_game.setdefault(board.game_id, set()).add(group)
        # Share the group's key, so this request's copy of the board can go.
        watcher.key = group.key
        watcher.group = group
        group.watchers.add(watcher)
        if group.joining is not None:
            watcher.offer(group.joining)

    def _leave(self, watcher: Watcher) -> None:
        group = watcher.group
        if group is None:
            return
        watcher.group = None
        group.watchers.discard(watcher)
        if not group.watchers and self._groups.get(watcher.key) is group:
            self._drop(watcher.key, group)

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
