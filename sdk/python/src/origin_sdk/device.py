"""A device agent: the software inside a pinball machine that reports its scores.

`DeviceClient` keeps one `ScoreService.StreamScores` stream open. Each score is
written to a local SQLite outbox before it is sent, and leaves the outbox only
when the server's response to it arrives. A crash, a lost connection or a
server restart therefore loses nothing. After a reconnect, every score not yet
acknowledged is sent again in its original order, and the server recognises
repeats by submission ID.

    async with DeviceClient("127.0.0.1:50051", token, "outbox.sqlite3") as device:
        await device.submit("game-1041", 52_310_000, initials="AFM")
        await device.flush(timeout=10)

The same stream carries status reports (`report_status`) and check-in code
requests (`request_check_in_code`). The server's check-in notices update
`check_ins` and go to the `on_check_in` callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import logging
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable

import grpc
from google.rpc import error_details_pb2, status_pb2
from origin.v1 import checkin_pb2, machine_status_pb2, score_pb2, score_pb2_grpc

logger = logging.getLogger(__name__)

INITIAL_BACKOFF_SECONDS = 0.1
MAX_BACKOFF_SECONDS = 5.0
# How long close() waits for responses to the scores the server has received.
CLOSE_GRACE_SECONDS = 2.0

# Stream statuses that a reconnect cannot fix, because the token, the account
# or the server's version must change first.
_FATAL_CODES = frozenset(
    {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNIMPLEMENTED}
)
_STATUS_CODES = {code.value[0]: code for code in grpc.StatusCode}
# The channel's own reconnect backoff (1 s growing to 120 s by default, per
# gRPC's doc/connection-backoff.md) would otherwise keep a device offline long
# after the server is back, because calls fail at once while the channel waits.
_CHANNEL_OPTIONS = {
    "grpc.initial_reconnect_backoff_ms": int(INITIAL_BACKOFF_SECONDS * 1000),
    "grpc.max_reconnect_backoff_ms": int(MAX_BACKOFF_SECONDS * 1000),
}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT NOT NULL UNIQUE,
    request BLOB NOT NULL,
    create_time TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rejected (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    submission_id TEXT NOT NULL,
    request BLOB NOT NULL,
    code INTEGER NOT NULL,
    reason TEXT NOT NULL,
    message TEXT NOT NULL,
    status BLOB NOT NULL,
    reject_time TEXT NOT NULL
);
"""


class DeviceError(Exception):
    """The device agent stopped because retrying cannot help."""

    def __init__(self, message: str, code: grpc.StatusCode | None = None):
        super().__init__(message)
        self.code = code


class DeviceAuthError(DeviceError):
    """The server rejected the device token (UNAUTHENTICATED): it is unknown,
    revoked or replaced, and the owner must issue a new one."""


@dataclasses.dataclass(frozen=True)
class Rejection:
    """A score the server rejected for its content, kept in the outbox file."""

    submission_id: str
    request: score_pb2.SubmitScoreRequest
    code: grpc.StatusCode
    reason: str
    message: str


@dataclasses.dataclass
class DeviceStats:
    """Counts of the server's responses since the client started."""

    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0


class Outbox:
    """The SQLite file of scores the server has not acknowledged yet, and of
    the scores it rejected.

    Every method blocks on disk I/O, so `DeviceClient` calls them through
    `asyncio.to_thread`. A lock serialises them because consecutive calls may
    run on different threads.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False)

        # WAL with synchronous=FULL syncs the log on every commit, so a score
        # that submit() has stored survives a power cut.
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        with self._conn:
            self._conn.executescript(_SCHEMA)

    def add(self, submission_id: str, request: bytes) -> None:
        """Store a score unless one with this submission ID is already waiting."""
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT OR IGNORE INTO outbox (submission_id, request, create_time) VALUES (?, ?, ?)",
                (submission_id, request, _now_text()),
            )

    def pending(self) -> list[tuple[str, bytes]]:
        """Return (submission ID, serialized SubmitScoreRequest) pairs, oldest first."""
        with self._lock:
            return self._conn.execute("SELECT submission_id, request FROM outbox ORDER BY seq").fetchall()

    def remove(self, submission_id: str) -> None:
        with self._lock, self._conn:
            self._conn.execute("DELETE FROM outbox WHERE submission_id = ?", (submission_id,))

    def reject(self, submission_id: str, status: status_pb2.Status) -> None:
        """Move a score from the outbox to the rejected table, in one transaction."""
        row = (status.code, _error_reason(status), status.message, status.SerializeToString(), _now_text())
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT INTO rejected (submission_id, request, code, reason, message, status, reject_time)"
                " SELECT submission_id, request, ?, ?, ?, ?, ? FROM outbox WHERE submission_id = ?",
                (*row, submission_id),
            )
            self._conn.execute("DELETE FROM outbox WHERE submission_id = ?", (submission_id,))

    def rejections(self) -> list[Rejection]:
        """Return the rejected scores, oldest first."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT submission_id, request, code, reason, message FROM rejected ORDER BY seq"
            ).fetchall()
        return [
            Rejection(sid, score_pb2.SubmitScoreRequest.FromString(request), _status_code(code), reason, message)
            for sid, request, code, reason, message in rows
        ]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class Backoff:
    """Exponential reconnect delays with jitter: each delay is drawn between
    half and all of a base that doubles from `initial` up to `maximum`."""

    def __init__(self, initial: float = INITIAL_BACKOFF_SECONDS, maximum: float = MAX_BACKOFF_SECONDS):
        self._initial = initial
        self._maximum = maximum
        self._base = initial

    def reset(self) -> None:
        self._base = self._initial

    def next_delay(self) -> float:
        delay = random.uniform(self._base / 2, self._base)
        self._base = min(self._base * 2, self._maximum)
        return delay


class DeviceClient:
    """Sends a machine's scores over one long-lived stream, through a local outbox.

    `target` is the server's host:port. `credentials` selects TLS; None means a
    plaintext channel. `channel_options` go to the gRPC channel and override
    the reconnect backoff set here. Keepalive settings there must respect the
    server's ping policy, or the server closes the connection.

    NOTE: no test covers `credentials`, because the Origin server only
    listens in plaintext.
    """

    def __init__(
        self,
        target: str,
        device_token: str,
        outbox_path: str | os.PathLike[str],
        *,
        credentials: grpc.ChannelCredentials | None = None,
        channel_options: list[tuple[str, object]] | None = None,
        on_check_in: Callable[[checkin_pb2.CheckIn], None] | None = None,
    ):
        self._target = target
        self._metadata = (("authorization", f"Bearer {device_token}"),)
        self._outbox_path = outbox_path
        self._credentials = credentials
        self._channel_options = list({**_CHANNEL_OPTIONS, **dict(channel_options or ())}.items())

        # Mirrors the outbox in memory, in insertion order, which is send order.
        self._pending: dict[str, score_pb2.SubmitScoreRequest] = {}
        # Submission IDs for the open stream, or other messages to send on
        # it; None ends the stream.
        self._queue: asyncio.Queue[str | score_pb2.StreamScoresRequest | None] = asyncio.Queue()
        self._on_check_in = on_check_in
        # The open check-in of each player slot, as the server last reported.
        self.check_ins: dict[int, checkin_pb2.CheckIn] = {}
        # Code requests waiting for their response, per player slot.
        self._code_waiters: dict[int, list[asyncio.Future]] = {}
        self._drained = asyncio.Event()
        self._closing = asyncio.Event()
        self._stopped = asyncio.Event()
        self._failure: DeviceError | None = None
        self._outbox: Outbox | None = None
        self._channel: grpc.aio.Channel | None = None
        self._task: asyncio.Task | None = None
        self.stats = DeviceStats()

    async def __aenter__(self) -> DeviceClient:
        await self.start()
        return self

    async def __aexit__(self, *exc_info) -> None:
        await self.close()

    @property
    def pending_count(self) -> int:
        """The number of scores the server has not acknowledged yet."""
        return len(self._pending)

    async def start(self) -> None:
        """Open the outbox, load the scores an earlier run left unacknowledged, and connect."""
        self._outbox = await asyncio.to_thread(Outbox, self._outbox_path)
        for submission_id, request in await asyncio.to_thread(self._outbox.pending):
            self._pending[submission_id] = score_pb2.SubmitScoreRequest.FromString(request)
        self._update_drained()
        if self._pending:
            logger.info("resending %d unacknowledged scores from outbox %s", len(self._pending), self._outbox_path)

        if self._credentials is None:
            self._channel = grpc.aio.insecure_channel(self._target, options=self._channel_options)
        else:
            self._channel = grpc.aio.secure_channel(self._target, self._credentials, options=self._channel_options)
        self._task = asyncio.create_task(self._run(), name=f"origin-device {self._target}")

    async def submit(
        self,
        submission_id: str,
        value: int,
        *,
        initials: str | None = None,
        user_id: str | None = None,
        achieve_time: datetime.datetime | None = None,
        player_slot: int = 0,
    ) -> None:
        """Store a score in the outbox, then queue it for the stream.

        `player_slot` (1 to 6) names the slot that made the score, so the
        server credits the player checked in there.

        Returns once the score is on disk, before the server responds. A
        submission ID that is still waiting is not stored twice. Raises
        ValueError for arguments the request cannot carry, and the agent's
        DeviceError after storing the score when the agent has stopped.
        """
        request = build_request(
            submission_id, value, initials=initials, user_id=user_id, achieve_time=achieve_time, player_slot=player_slot
        )
        self._check_started()
        if self._is_waiting(request):
            return

        await asyncio.to_thread(self._outbox.add, submission_id, request.SerializeToString())
        if not self._is_waiting(request):
            self._pending[submission_id] = request
            self._drained.clear()
            self._queue.put_nowait(submission_id)
        self._raise_if_failed()

    def report_status(self, state: int = machine_status_pb2.MACHINE_STATE_UNSPECIFIED) -> None:
        """Send a heartbeat with the machine's state (a MachineState value) on the open stream.

        Unset means a heartbeat that keeps the state. Status reports are not
        stored in the outbox: one lost in a reconnect is superseded by the next.
        """
        self._check_started()
        report = machine_status_pb2.ReportMachineStatusRequest(state=state)
        self._queue.put_nowait(score_pb2.StreamScoresRequest(status=report))

    async def request_check_in_code(
        self, player_slot: int, timeout: float | None = None
    ) -> checkin_pb2.CreateCheckInCodeResponse:
        """Ask the server for a check-in code for a player slot (1 to 6) and wait for it.

        Raises TimeoutError when no code arrives within `timeout` seconds, for
        example because the stream reconnected meanwhile.
        """
        self._check_started()
        if not 1 <= player_slot <= 6:
            raise ValueError(f"player_slot must be from 1 to 6, got {player_slot}")
        waiter = asyncio.get_running_loop().create_future()
        self._code_waiters.setdefault(player_slot, []).append(waiter)
        request = checkin_pb2.CreateCheckInCodeRequest(player_slot=player_slot)
        self._queue.put_nowait(score_pb2.StreamScoresRequest(check_in_code=request))
        try:
            return await asyncio.wait_for(waiter, timeout)
        finally:
            waiters = self._code_waiters.get(player_slot, [])
            if waiter in waiters:
                waiters.remove(waiter)

    async def flush(self, timeout: float | None = None) -> None:
        """Wait until the server has acknowledged every score in the outbox.

        Raises the agent's DeviceError when it has stopped, and TimeoutError
        when scores are still unacknowledged after `timeout` seconds.
        """
        self._check_started()
        self._raise_if_failed()
        drained = asyncio.ensure_future(self._drained.wait())
        stopped = asyncio.ensure_future(self._stopped.wait())
        try:
            await asyncio.wait((drained, stopped), timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            drained.cancel()
            stopped.cancel()

        self._raise_if_failed()
        if self._drained.is_set():
            return
        raise TimeoutError(
            f"timed out after {timeout} s waiting for {self._target} to acknowledge {len(self._pending)} scores"
        )

    async def rejections(self) -> list[Rejection]:
        """Return the scores the server rejected, as kept in the outbox file."""
        self._check_started()
        return await asyncio.to_thread(self._outbox.rejections)

    async def close(self) -> None:
        """End the stream and close the outbox. The server may first respond
        to the scores it has received, for up to CLOSE_GRACE_SECONDS. Scores
        still unacknowledged stay in the outbox for the next client that opens it."""
        if self._task is not None:
            await self._end_stream()
        if self._channel is not None:
            await self._channel.close()
        if self._outbox is not None:
            await asyncio.to_thread(self._outbox.close)
            logger.info("device agent for %s closed with %d scores unacknowledged", self._target, len(self._pending))
        self._task = self._channel = self._outbox = None

    async def _end_stream(self) -> None:
        # Half-closing the stream lets the server respond to what it has
        # received and end the call with OK, instead of seeing it cancelled.
        self._closing.set()
        self._queue.put_nowait(None)
        done, _ = await asyncio.wait((self._task,), timeout=CLOSE_GRACE_SECONDS)
        if not done:
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    def _check_started(self) -> None:
        if self._outbox is None:
            raise RuntimeError("the DeviceClient is not started; use `async with` or call start()")

    def _is_waiting(self, request: score_pb2.SubmitScoreRequest) -> bool:
        waiting = self._pending.get(request.submission_id)
        if waiting is not None and waiting != request:
            raise ValueError(f"submission_id {request.submission_id!r} is waiting with different content")
        return waiting is not None

    def _raise_if_failed(self) -> None:
        if self._failure is not None:
            raise self._failure

    def _update_drained(self) -> None:
        if self._pending:
            self._drained.clear()
        else:
            self._drained.set()

    async def _run(self) -> None:
        """Keep a stream open until close() or a fatal status, which is kept for flush() and submit()."""
        try:
            await self._reconnect_forever()
        except DeviceError as error:
            self._failure = error
            logger.error("device agent for %s stopped: %s", self._target, error)
        except Exception as error:
            # Any other error, such as an outbox write failing on a full disk,
            # also stops the agent, and flush() and submit() raise it.
            self._failure = DeviceError(f"the device agent failed: {error!r}")
            self._failure.__cause__ = error
            logger.exception("device agent for %s failed", self._target)
        finally:
            self._stopped.set()

    async def _reconnect_forever(self) -> None:
        stub = score_pb2_grpc.ScoreServiceStub(self._channel)
        backoff = Backoff()
        attempt = 0
        while not self._closing.is_set():
            attempt += 1
            opened = time.monotonic()
            responses, reason = await self._stream_once(stub)
            if self._closing.is_set():
                return

            # A stream that carried responses or stayed up for a while was
            # healthy, so the next failure starts again from a short delay.
            if responses or time.monotonic() - opened > MAX_BACKOFF_SECONDS:
                backoff.reset()
                attempt = 1
            delay = backoff.next_delay()
            logger.warning(
                "score stream to %s ended (%s); reconnect attempt %d in %.2f s, %d scores unacknowledged",
                self._target, reason, attempt, delay, len(self._pending),
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), timeout=delay)

    async def _stream_once(self, stub: score_pb2_grpc.ScoreServiceStub) -> tuple[int, str]:
        """Run one stream until it ends; return how many responses it carried
        and why it ended. Raises DeviceError for a status retrying cannot fix."""
        # Rebuilding the queue from the pending scores without an await in
        # between means a concurrent submit() or close() lands in exactly one
        # queue.
        queue: asyncio.Queue[str | score_pb2.StreamScoresRequest | None] = asyncio.Queue()
        if self._closing.is_set():
            return 0, "the client is closing"
        for submission_id in self._pending:
            queue.put_nowait(submission_id)
        # Status reports and code requests that the previous stream did not
        # send yet move to the new one.
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if isinstance(item, score_pb2.StreamScoresRequest):
                queue.put_nowait(item)
        self._queue = queue

        responses = 0
        call = stub.StreamScores(metadata=self._metadata)
        # The agent's own task writes the requests, so ending the stream
        # cancels and awaits it here. Handing grpc an async generator instead
        # left grpc's consumer task pending, and asyncio logged "aclose():
        # asynchronous generator is already running" at every reconnect.
        writer = asyncio.create_task(self._write_requests(call, queue))
        try:
            async for response in call:
                await self._handle(response)
                responses += 1
        except grpc.aio.AioRpcError as error:
            _raise_if_fatal(error)
            return responses, f"{error.code().name}: {error.details()}"
        finally:
            call.cancel()
            writer.cancel()
            await asyncio.wait((writer,))
            if not writer.cancelled() and writer.exception() is not None:
                logger.warning("score stream writer failed: %r", writer.exception())
        return responses, "the server closed the stream"

    async def _write_requests(self, call: grpc.aio.StreamStreamCall, queue) -> None:
        """Write the queued requests to the stream, then half-close it at the end of the queue."""
        try:
            async for request in self._requests(queue):
                await call.write(request)
            await call.done_writing()
        except (grpc.aio.AioRpcError, grpc.aio.UsageError, asyncio.InvalidStateError) as error:
            # The call ended while a write was pending; the reader sees its status.
            logger.debug("score stream write stopped: %r", error)

    async def _requests(self, queue: asyncio.Queue[str | score_pb2.StreamScoresRequest | None]):
        while True:
            submission_id = await queue.get()
            if submission_id is None:
                return
            if isinstance(submission_id, score_pb2.StreamScoresRequest):
                yield submission_id
                continue
            request = self._pending.get(submission_id)
            # A score acknowledged since it was queued is not sent again.
            if request is not None:
                yield score_pb2.StreamScoresRequest(score=request)

    async def _handle(self, response: score_pb2.StreamScoresResponse) -> None:
        result = response.WhichOneof("result")
        if result == "check_in":
            self._note_check_in(response.check_in)
            return
        if result == "check_in_code":
            waiters = self._code_waiters.get(response.check_in_code.player_slot, [])
            if waiters and not waiters[0].done():
                waiters.pop(0).set_result(response.check_in_code)
            return
        submission_id = response.submission_id
        if submission_id not in self._pending:
            logger.debug("ignoring a second response for score %s", submission_id)
            return

        if response.HasField("error"):
            await asyncio.to_thread(self._outbox.reject, submission_id, response.error)
            self.stats.rejected += 1
            logger.warning(
                "server rejected score %s: %s (%s)",
                submission_id, response.error.message, _status_code(response.error.code).name,
            )
        else:
            await asyncio.to_thread(self._outbox.remove, submission_id)
            if response.duplicate:
                self.stats.duplicates += 1
            else:
                self.stats.accepted += 1

        del self._pending[submission_id]
        self._update_drained()


    def _note_check_in(self, check_in: checkin_pb2.CheckIn) -> None:
        """Track an open or ended check-in and pass it to the on_check_in callback."""
        if check_in.HasField("end_time"):
            current = self.check_ins.get(check_in.player_slot)
            if current is not None and current.id == check_in.id:
                del self.check_ins[check_in.player_slot]
        else:
            self.check_ins[check_in.player_slot] = check_in
        if self._on_check_in is not None:
            try:
                self._on_check_in(check_in)
            except Exception:
                # A faulty callback must not stop the score stream.
                logger.exception("the on_check_in callback failed for check-in %s", check_in.id)


def build_request(
    submission_id: str,
    value: int,
    *,
    initials: str | None = None,
    user_id: str | None = None,
    achieve_time: datetime.datetime | None = None,
    player_slot: int = 0,
) -> score_pb2.SubmitScoreRequest:
    """Build a SubmitScoreRequest. Raises ValueError for an empty submission
    ID, both players at once, a value outside int64, a naive achieve_time or
    a player slot outside 0 to 6."""
    if not submission_id:
        raise ValueError("submission_id is required: the device's own ID for this score")
    if initials is not None and user_id is not None:
        raise ValueError("set at most one of initials and user_id")
    if not -(2**63) <= value < 2**63:
        raise ValueError(f"value must fit in a signed 64-bit integer, got {value}")

    if not 0 <= player_slot <= 6:
        raise ValueError(f"player_slot must be from 1 to 6, or 0 for none, got {player_slot}")

    request = score_pb2.SubmitScoreRequest(submission_id=submission_id, value=value, player_slot=player_slot)
    if initials is not None:
        request.initials = initials
    if user_id is not None:
        request.user_id = user_id
    if achieve_time is not None:
        if achieve_time.tzinfo is None or achieve_time.utcoffset() is None:
            raise ValueError("achieve_time must carry a time zone, for example datetime.timezone.utc")
        request.achieve_time.FromDatetime(achieve_time)
    return request


def _raise_if_fatal(error: grpc.aio.AioRpcError) -> None:
    code = error.code()
    if code == grpc.StatusCode.UNAUTHENTICATED:
        raise DeviceAuthError(
            f"the server rejected the device token ({error.details()}); ask the machine's owner for a new one",
            code,
        ) from error
    if code in _FATAL_CODES:
        raise DeviceError(f"the score stream failed with {code.name}: {error.details()}", code) from error


def _error_reason(status: status_pb2.Status) -> str:
    """Return the ErrorInfo reason of a status, or "" when it carries none."""
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason
    return ""


def _status_code(number: int) -> grpc.StatusCode:
    return _STATUS_CODES.get(number, grpc.StatusCode.UNKNOWN)


def _now_text() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat()
