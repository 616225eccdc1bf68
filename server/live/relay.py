"""Carry board changes between server processes through PostgreSQL LISTEN/NOTIFY.

Each process keeps one LISTEN connection open. Changes are coalesced: at most one
small NOTIFY per (game, arcade, machine) per window, never one per score,
because PostgreSQL wakes every listener on every notification. A receiver marks
its matching watched boards dirty; the hub then re-reads them as it does for
local changes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid

import psycopg

from server.domain.boards import ScoreRecord
from server.live.hub import BoardHub

logger = logging.getLogger(__name__)

CHANNEL = "origin_boards"
RECONNECT_SECONDS = 1.0


class BoardRelay:
    def __init__(self, database_url: str, hub: BoardHub, coalesce_seconds: float):
        self.database_url = database_url
        self.hub = hub
        self.coalesce_seconds = coalesce_seconds
        # Tells this process's own notifications apart from other processes'.
        self.origin = uuid.uuid4().hex[:12]
        self._pending: set[tuple[str, str, str]] = set()
        self._wake = asyncio.Event()
        self._listening = asyncio.Event()
        self._tasks: list[asyncio.Task] = []

    async def start(self) -> None:
        """Start listening and sending; return once the LISTEN is in place."""
        self._tasks = [
            asyncio.create_task(self._listen_forever(), name="board-relay-listen"),
            asyncio.create_task(self._send_forever(), name="board-relay-send"),
        ]
        await asyncio.wait_for(self._listening.wait(), 30)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def note(self, score: ScoreRecord) -> None:
        """Queue a change for the other processes. Call only after commit."""
        self._pending.add((score.game_id, str(score.arcade_id), str(score.machine_id)))
        self._wake.set()

    async def _listen_forever(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.database_url, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {CHANNEL}")
                    if self._listening.is_set():
                        # Notifications may have been missed while the
                        # connection was down, so every watched board is re-read.
                        self.hub.mark_all()
                    self._listening.set()
                    async for notify in conn.notifies():
                        self._receive(notify.payload)
            except (psycopg.Error, OSError) as exc:
                logger.warning("board relay lost its LISTEN connection (%s); reconnecting", exc)
                await asyncio.sleep(RECONNECT_SECONDS)

    def _receive(self, payload: str) -> None:
        try:
            message = json.loads(payload)
            if message["o"] == self.origin:
                return
            self.hub.mark(message["g"], message["a"], message["m"])
        except (ValueError, KeyError, TypeError):
            logger.warning("board relay ignored a malformed notification on %s", CHANNEL)

    async def _send_forever(self) -> None:
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(self.database_url, autocommit=True) as conn:
                    while True:
                        await self._wake.wait()
                        await asyncio.sleep(self.coalesce_seconds)
                        self._wake.clear()
                        pending, self._pending = self._pending, set()
                        for game_id, arcade_id, machine_id in sorted(pending):
                            payload = json.dumps({"o": self.origin, "g": game_id, "a": arcade_id, "m": machine_id})
                            await conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))
            except (psycopg.Error, OSError) as exc:
                logger.warning("board relay could not send notifications (%s); reconnecting", exc)
                await asyncio.sleep(RECONNECT_SECONDS)
