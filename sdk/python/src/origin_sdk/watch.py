"""`BoardWatch`: a board's live updates as an async iterator that reconnects by itself."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from origin.v1 import score_pb2, score_pb2_grpc

from origin_sdk import errors
from origin_sdk.retry import RetryPolicy

logger = logging.getLogger("origin_sdk.watch")

# Reconnect delays: 0.1 s doubling to 5 s. max_attempts is not used here,
# because `max_reconnects` bounds the attempts instead.
RECONNECT_BACKOFF = RetryPolicy(max_attempts=1, initial_backoff=0.1, max_backoff=5.0)


class BoardWatch:
    """Yields `WatchBoardResponse` messages for one board until closed.

    Every message carries the whole watched top of the board in `snapshot`,
    so a consumer can redraw from any one of them. `events` lists what
    changed since the previous message. When the stream ends with
    UNAVAILABLE (a server shutdown or a lost connection), the watch opens a
    new one after a backoff, with `resume_time` set to the `read_time` of the
    last snapshot it received. The first message after a reconnect then
    carries the current snapshot and the events that happened while the
    watch was away, and `reconnects` counts how often that happened.

    Any other status ends the iteration with the typed exception from
    `origin_sdk.errors`. With `max_reconnects` set, the iteration raises
    `Unavailable` once that many reconnects in a row failed to deliver a
    message. The stream has no deadline.
    """

    def __init__(
        self,
        stub: Callable[[], score_pb2_grpc.ScoreServiceStub],
        request: score_pb2.WatchBoardRequest,
        *,
        backoff: RetryPolicy = RECONNECT_BACKOFF,
        max_reconnects: int | None = None,
    ):
        self._stub = stub
        self.request = request
        self._backoff = backoff
        self._max_reconnects = max_reconnects
        self._call: grpc.aio.UnaryStreamCall | None = None
        self._failures = 0
        self._closed = False
        self._last_read_time: Timestamp | None = None
        # Reconnects since the watch began.
        self.reconnects = 0

    def __aiter__(self) -> BoardWatch:
        return self

    async def __aenter__(self) -> BoardWatch:
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.aclose()

    async def __anext__(self) -> score_pb2.WatchBoardResponse:
        while not self._closed:
            if self._call is None:
                self._call = self._stub().WatchBoard(self._resume_request())
            try:
                response = await self._call.read()
            except grpc.aio.AioRpcError as error:
                self._call = None
                await self._wait_to_reconnect(error)
                continue

            if response is grpc.aio.EOF:
                # The server ended the stream with OK: nothing more will come.
                await self.aclose()
                break
            self._failures = 0
            if response.snapshot.HasField("read_time"):
                self._last_read_time = response.snapshot.read_time
            return response
        raise StopAsyncIteration

    def _resume_request(self) -> score_pb2.WatchBoardRequest:
        """Return the request, resuming from the last snapshot received, if any."""
        if self._last_read_time is None:
            return self.request
        request = score_pb2.WatchBoardRequest()
        request.CopyFrom(self.request)
        request.resume_time.CopyFrom(self._last_read_time)
        return request

    async def aclose(self) -> None:
        """Cancel the open stream and end the iteration."""
        self._closed = True
        if self._call is not None:
            self._call.cancel()
            self._call = None

    async def _wait_to_reconnect(self, error: grpc.aio.AioRpcError) -> None:
        """Sleep before the next reconnect, or raise when the status is final or the reconnects are used up."""
        if error.code() != grpc.StatusCode.UNAVAILABLE:
            raise errors.from_rpc_error(error)
        self._failures += 1
        if self._max_reconnects is not None and self._failures > self._max_reconnects:
            raise errors.from_rpc_error(error)

        delay = self._backoff.backoff(self._failures)
        logger.warning(
            "board watch of %s ended with UNAVAILABLE (%s); reconnect %d in %.2f s",
            self.request.game, error.details(), self._failures, delay,
        )
        await asyncio.sleep(delay)
        self.reconnects += 1
