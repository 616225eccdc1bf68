"""Reading a device's StreamScores requests while also waking for check-in notices and shutdown."""

from __future__ import annotations

import asyncio

from server.errors import Unavailable
from server.live.devices import Mailbox

SHUTDOWN_MESSAGE = "the server is shutting down; reconnect"


class DeviceStreamReader:
    """Returns the stream's next request, or the check-in notices that arrived first.

    The pending read of the request stream survives a wake-up for notices, so
    no request is lost or read twice.
    """

    def __init__(self, requests, mailbox: Mailbox, shutting_down: asyncio.Event):
        self._requests = requests
        self._mailbox = mailbox
        self._shutting_down = shutting_down
        self._receive: asyncio.Future | None = None

    async def next(self) -> tuple[str, object]:
        """Return ("request", request), ("notices", [notice, ...]) or ("end", None) at the end of the client's stream.

        Raises Unavailable once the server shuts down. Every earlier score has
        its response by then, because scores are handled one at a time.
        """
        if self._receive is None:
            self._receive = asyncio.ensure_future(anext(self._requests))
            # When the call is cancelled or the server shuts down, the read
            # may end with an exception nobody awaits; the callback retrieves
            # it so asyncio does not report it as lost.
            self._receive.add_done_callback(_retrieve_exception)
        notice = asyncio.ensure_future(self._mailbox.ready.wait())
        stop = asyncio.ensure_future(self._shutting_down.wait())
        try:
            await asyncio.wait((self._receive, notice, stop), return_when=asyncio.FIRST_COMPLETED)
        finally:
            notice.cancel()
            stop.cancel()

        if self._receive.done():
            return self._take_request()
        if self._mailbox.ready.is_set():
            return "notices", self._mailbox.take_all()
        self.close()
        raise Unavailable(SHUTDOWN_MESSAGE, reason="SERVER_SHUTTING_DOWN")

    def _take_request(self) -> tuple[str, object]:
        receive, self._receive = self._receive, None
        if receive.cancelled():
            raise Unavailable(SHUTDOWN_MESSAGE, reason="SERVER_SHUTTING_DOWN")
        try:
            return "request", receive.result()
        except StopAsyncIteration:
            return "end", None

    def close(self) -> None:
        """Cancel a pending read, when the stream ends early."""
        if self._receive is not None and not self._receive.done():
            self._receive.cancel()


def _retrieve_exception(task: asyncio.Future) -> None:
    if not task.cancelled():
        task.exception()
