"""Mailboxes of the devices' open score streams in this process, for check-in notices.

A claim made through this process reaches the claimed machine's stream at
once when that stream is open here. Each mailbox keeps a bounded number of
undelivered notices and drops the oldest beyond that, so a stalled stream
never makes a claim wait.

NOTE: a claim made through another server process does not reach a stream
open here. The device learns of it on its next reconnect, because every
stream starts with the machine's open check-ins.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import uuid
from collections.abc import Iterator
from typing import Any

# Notices kept for a stream that has not taken them yet.
MAX_PENDING_NOTICES = 32


class Mailbox:
    def __init__(self) -> None:
        self._items: collections.deque[Any] = collections.deque(maxlen=MAX_PENDING_NOTICES)
        self.ready = asyncio.Event()

    def put(self, item: Any) -> None:
        self._items.append(item)
        self.ready.set()

    def take_all(self) -> list[Any]:
        """Return every waiting item, oldest first, and empty the mailbox."""
        items = list(self._items)
        self._items.clear()
        self.ready.clear()
        return items


class DeviceMailboxes:
    def __init__(self) -> None:
        self._boxes: dict[uuid.UUID, set[Mailbox]] = {}

    @contextlib.contextmanager
    def open(self, machine_id: uuid.UUID) -> Iterator[Mailbox]:
        """Register a mailbox for one of the machine's streams until the block exits."""
        box = Mailbox()
        self._boxes.setdefault(machine_id, set()).add(box)
        try:
            yield box
        finally:
            boxes = self._boxes.get(machine_id)
            if boxes is not None:
                boxes.discard(box)
                if not boxes:
                    del self._boxes[machine_id]

    def send(self, machine_id: uuid.UUID, item: Any) -> None:
        """Deliver an item to every open stream of the machine. Call only after commit."""
        for box in self._boxes.get(machine_id, ()):
            box.put(item)
