"""Server-streaming calls as HTTP streams: newline-delimited JSON, server-sent events and gRPC-Web frames.

The gRPC call is read by its own task into a small queue. That lets the HTTP
side wait with a timeout (for SSE heartbeats), notice at once when the client
goes away, and cancel the call, so no server-side stream outlives its client.

Formats:
- NDJSON (the default): one `{"result": <message>}` line per message and, if
  the call fails, a last `{"error": <google.rpc.Status>}` line.
- SSE (`Accept: text/event-stream`): one event per message, with an `id:`
  and the message JSON as `data:`. A `: heartbeat` comment follows each quiet
  interval. The last event is `event: status`, whose data is the
  google.rpc.Status the call ended with (code 0 when it ended normally). Ids
  count up from the client's `Last-Event-ID` + 1, so they keep growing across
  reconnections.
  The gateway forwards `Last-Event-ID` to the server as `last-event-id`
  metadata, for methods that can resume from it. WatchBoard needs no resume
  point: the first message of every watch is the board as it is now.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable

import grpc
from google.protobuf import descriptor_pool
from google.rpc import status_pb2

from server.gateway import transcode
from server.gateway.errors import GatewayError, internal_status, status_from_rpc_error, status_json

logger = logging.getLogger(__name__)

NDJSON_MEDIA_TYPE = "application/x-ndjson"
SSE_MEDIA_TYPE = "text/event-stream"
LAST_EVENT_ID_HEADER = "last-event-id"
MAX_LAST_EVENT_ID_LENGTH = 128
# Messages read ahead of the HTTP client; a full queue stops reading, so the
# server's stream feels the client's pace through gRPC flow control.
QUEUE_SIZE = 8


@dataclasses.dataclass
class End:
    """The end of a call: its status and trailing metadata."""

    status: status_pb2.Status
    trailing: tuple = ()

    @property
    def ok(self) -> bool:
        return self.status.code == grpc.StatusCode.OK.value[0]


class CallReader:
    """Reads the messages of a streaming call in a task, ending with one End item."""

    def __init__(self, call, request_id: str):
        self.call = call
        self.request_id = request_id
        self._queue: asyncio.Queue[bytes | End] = asyncio.Queue(QUEUE_SIZE)
        self._task = asyncio.get_running_loop().create_task(self._read(), name=f"grpc-stream {request_id}")

    async def next(self, timeout: float | None = None) -> bytes | End | None:
        """Return the next message or the End, or None when `timeout` seconds pass first."""
        try:
            return await asyncio.wait_for(self._queue.get(), timeout)
        except TimeoutError:
            return None

    def close(self) -> None:
        """Stop reading and cancel the call, which the server observes as CANCELLED."""
        self._task.cancel()
        self.call.cancel()

    async def _read(self) -> None:
        try:
            while True:
                message = await self.call.read()
                if message is grpc.aio.EOF:
                    break
                await self._queue.put(message)
            code = await self.call.code()
            status = status_pb2.Status(code=code.value[0], message=await self.call.details() or "")
            end = End(status, tuple(await self.call.trailing_metadata() or ()))
        except grpc.aio.AioRpcError as error:
            end = End(status_from_rpc_error(error), tuple(error.trailing_metadata() or ()))
        except Exception:
            logger.exception("reading a gRPC stream failed, request_id=%s", self.request_id)
            end = End(internal_status(self.request_id))
        await self._queue.put(end)


# NOTE: the REST formats drop the call's trailing metadata, because the
# headers have gone out before it arrives and HTTP/1.1 trailers are rarely
# readable by clients. gRPC-Web carries it in its trailer frame.
class NdjsonFormat:
    media_type = NDJSON_MEDIA_TYPE
    # NDJSON has no comment syntax, so a quiet stream sends nothing.
    heartbeat_seconds: float | None = None

    def __init__(self, render: Callable[[bytes], object], pool: descriptor_pool.DescriptorPool):
        self.render = render
        self.pool = pool

    def message(self, data: bytes) -> bytes:
        return transcode.dumps({"result": self.render(data)}) + b"\n"

    def end(self, end: End) -> bytes:
        if end.ok:
            return b""
        return transcode.dumps({"error": status_json(end.status, self.pool)}) + b"\n"

    def heartbeat(self) -> bytes:
        return b""


class SseFormat:
    media_type = SSE_MEDIA_TYPE

    def __init__(
        self,
        render: Callable[[bytes], object],
        pool: descriptor_pool.DescriptorPool,
        heartbeat_seconds: float,
        last_event_id: str | None,
    ):
        self.render = render
        self.pool = pool
        self.heartbeat_seconds = heartbeat_seconds
        self.next_id = _next_event_id(last_event_id)

    def message(self, data: bytes) -> bytes:
        event_id, self.next_id = self.next_id, self.next_id + 1
        return b"id: %d\ndata: %s\n\n" % (event_id, transcode.dumps(self.render(data)))

    def end(self, end: End) -> bytes:
        return b"event: status\ndata: %s\n\n" % transcode.dumps(status_json(end.status, self.pool))

    def heartbeat(self) -> bytes:
        return b": heartbeat\n\n"


def clean_last_event_id(value: str | None) -> str | None:
    """Keep a Last-Event-ID header that fits in gRPC metadata (printable ASCII, at most 128 characters)."""
    if value and len(value) <= MAX_LAST_EVENT_ID_LENGTH and value.isascii() and value.isprintable():
        return value
    return None


def _next_event_id(last_event_id: str | None) -> int:
    if last_event_id and last_event_id.isdigit() and len(last_event_id) <= 18:
        return int(last_event_id) + 1
    return 1


def shutdown_end() -> End:
    error = GatewayError(
        grpc.StatusCode.UNAVAILABLE, "the gateway is shutting down; reconnect", reason="GATEWAY_SHUTTING_DOWN"
    )
    return End(error.status())


class StreamingCallResponse:
    """An ASGI response that relays a CallReader in some format until the call ends, the client leaves or the gateway stops."""

    status_code = 200

    def __init__(self, opened: OpenedStream, fmt, headers: list[tuple[str, str]], closing: asyncio.Event):
        self.reader = opened.reader
        self.format = fmt
        self.first = opened.first
        self.headers = [(b"content-type", fmt.media_type.encode()), (b"cache-control", b"no-cache")]
        # Asks nginx-style proxies not to buffer the stream.
        self.headers.append((b"x-accel-buffering", b"no"))
        self.headers.extend((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers)
        self.closing = closing

    async def __call__(self, scope, receive, send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.headers})
        pump = asyncio.ensure_future(self._pump(send))
        disconnect = asyncio.ensure_future(_wait_for_disconnect(receive))
        closing = asyncio.ensure_future(self.closing.wait())
        try:
            done, _ = await asyncio.wait({pump, disconnect, closing}, return_when=asyncio.FIRST_COMPLETED)
            if closing in done and pump not in done:
                pump.cancel()
                await _send_body(send, self.format.end(shutdown_end()))
        finally:
            for task in (pump, disconnect, closing):
                task.cancel()
            self.reader.close()
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def _pump(self, send) -> None:
        item = self.first
        try:
            while not isinstance(item, End):
                chunk = self.format.heartbeat() if item is None else self.format.message(item)
                await _send_body(send, chunk)
                item = await self.reader.next(self.format.heartbeat_seconds)
        except Exception:
            # The status line has gone out, so the failure can only be reported in the stream.
            logger.exception("relaying a gRPC stream failed, request_id=%s", self.reader.request_id)
            item = End(internal_status(self.reader.request_id))
        await _send_body(send, self.format.end(item))


async def _send_body(send, chunk: bytes) -> None:
    if chunk:
        await send({"type": "http.response.body", "body": chunk, "more_body": True})


async def _wait_for_disconnect(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


@dataclasses.dataclass
class OpenedStream:
    reader: CallReader
    # The first message, an OK End, or None when none came within the wait.
    first: bytes | End | None
    initial_metadata: tuple


async def open_stream(call, request_id: str, first_wait: float) -> OpenedStream | End:
    """Start reading a call; return its End if it fails before its first message.

    A call that fails at once (a bad argument, say) can then get a plain HTTP
    error status. After `first_wait` seconds without a message the stream
    starts anyway, without the server's initial metadata in its headers.
    """
    reader = CallReader(call, request_id)
    first = await reader.next(first_wait)
    if isinstance(first, End) and not first.ok:
        reader.close()
        return first
    initial = tuple(await call.initial_metadata() or ()) if first is not None else ()
    return OpenedStream(reader, first, initial)
