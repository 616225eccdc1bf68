"""Unary calls from the gateway to the servicers of its own process, without a loopback gRPC hop.

Over a loopback gRPC channel, a REST call to the gateway inside
`python -m server` would be framed over HTTP/2 by grpcio's client core and
unframed by its server core, both in this process and on one event loop.
Instead, the gateway finds the method's handler among the ones the server
registered, runs it through the same interceptors, and hands the reply over
in memory. Authentication, the policy
table, error statuses and the log line are the interceptors', so they cannot
differ between the two paths.

It also lets per-address limits see the HTTP client's own address: the peer
of an in-process call is the address that connected to the gateway, where a
loopback call would show the gateway itself.

Streams (NDJSON, server-sent events) and gRPC-Web still use the channel:
they live long enough that the hop does not matter, and they rely on grpcio
for flow control and cancellation.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Sequence

import grpc
from grpc.aio import AbortError, AioRpcError, Metadata

MetadataPairs = Sequence[tuple[str, str | bytes]]


class HandlerRecorder:
    """A grpc.aio.Server that also keeps the handlers registered on it.

    The generated add_*_to_server functions (and add_score_service) call
    add_generic_rpc_handlers and add_registered_method_handlers; the recorder
    passes both on to the real server and keeps the generic handlers, which
    resolve a method name to its handler exactly as the server does.
    Everything else (ports, start, stop) goes to the real server unchanged.
    """

    def __init__(self, server: grpc.aio.Server):
        self.server = server
        self.generic_handlers: list[grpc.GenericRpcHandler] = []

    def __getattr__(self, name: str):
        return getattr(self.server, name)

    def add_generic_rpc_handlers(self, handlers) -> None:
        self.generic_handlers.extend(handlers)
        self.server.add_generic_rpc_handlers(handlers)

    def add_registered_method_handlers(self, service_name: str, method_handlers) -> None:
        self.server.add_registered_method_handlers(service_name, method_handlers)


@dataclasses.dataclass(frozen=True)
class _CallDetails(grpc.HandlerCallDetails):
    method: str
    invocation_metadata: MetadataPairs


class LocalContext:
    """The parts of grpc.aio.ServicerContext that Origin's interceptor and servicers use, for one unary call."""

    def __init__(self, metadata: MetadataPairs, peer: str, timeout: float | None):
        self._metadata = tuple(metadata)
        self._peer = peer
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self.initial_metadata: MetadataPairs = ()
        self.trailing_metadata: MetadataPairs = ()
        self.status_code = grpc.StatusCode.OK
        self.status_details = ""

    def invocation_metadata(self) -> MetadataPairs:
        return self._metadata

    def peer(self) -> str:
        return self._peer

    def time_remaining(self) -> float | None:
        return None if self._deadline is None else max(0.0, self._deadline - time.monotonic())

    async def send_initial_metadata(self, metadata: MetadataPairs) -> None:
        self.initial_metadata = tuple(metadata)

    def set_trailing_metadata(self, metadata: MetadataPairs) -> None:
        self.trailing_metadata = tuple(metadata)

    def set_code(self, code: grpc.StatusCode) -> None:
        self.status_code = code

    def code(self) -> grpc.StatusCode:
        return self.status_code

    def set_details(self, details: str) -> None:
        self.status_details = details

    def details(self) -> str:
        return self.status_details

    async def abort(self, code: grpc.StatusCode, details: str = "", trailing_metadata: MetadataPairs = ()):
        self.status_code = code
        self.status_details = details
        if trailing_metadata:
            self.trailing_metadata = tuple(trailing_metadata)
        raise AbortError()

    async def abort_with_status(self, status: grpc.Status):
        await self.abort(status.code, status.details, status.trailing_metadata)

    def cancelled(self) -> bool:
        return False

    def done(self) -> bool:
        return False


@dataclasses.dataclass
class LocalReply:
    """The result of a unary call: the reply's bytes or the error, with the call's metadata."""

    reply: bytes | None
    error: AioRpcError | None
    initial_metadata: MetadataPairs
    trailing_metadata: MetadataPairs


class LocalInvoker:
    """Runs unary methods of this process's gRPC server through its interceptors."""

    def __init__(self, generic_handlers: Sequence[grpc.GenericRpcHandler], interceptors: Sequence):
        self._generic_handlers = tuple(generic_handlers)
        # The server applies its interceptors outermost first; the chain is
        # the same for every call, so it is built once.
        continuation = self._registered_handler
        for interceptor in reversed(tuple(interceptors)):
            continuation = _chain(interceptor, continuation)
        self._handler = continuation

    async def _registered_handler(self, details: _CallDetails):
        for generic in self._generic_handlers:
            found = generic.service(details)
            if found is not None:
                return found
        return None

    async def unary(self, method: str, request: bytes, metadata: MetadataPairs, timeout: float | None, peer: str):
        """Call `method` with the serialised request and return a LocalReply, which carries an error status too."""
        context = LocalContext(metadata, peer, timeout)
        handler = await self._handler(_CallDetails(method, tuple(metadata)))
        if handler is None or handler.unary_unary is None:
            return _error(context, grpc.StatusCode.UNIMPLEMENTED, f"Method not found: {method}")
        message = handler.request_deserializer(request) if handler.request_deserializer else request
        try:
            if timeout is None:
                reply = await handler.unary_unary(message, context)
            else:
                reply = await asyncio.wait_for(handler.unary_unary(message, context), timeout)
        except AbortError:
            return _error(context, context.status_code, context.status_details)
        except TimeoutError:
            return _error(context, grpc.StatusCode.DEADLINE_EXCEEDED, "Deadline Exceeded")
        payload = handler.response_serializer(reply) if handler.response_serializer else reply
        return LocalReply(payload, None, context.initial_metadata, context.trailing_metadata)


def _chain(interceptor, continuation):
    async def next_step(details):
        return await interceptor.intercept_service(continuation, details)

    return next_step


def _error(context: LocalContext, code: grpc.StatusCode, details: str) -> LocalReply:
    if code == grpc.StatusCode.OK:
        # An abort must carry an error code; grpcio reports such a call as UNKNOWN.
        code = grpc.StatusCode.UNKNOWN
    error = AioRpcError(code, Metadata(*context.initial_metadata), Metadata(*context.trailing_metadata), details)
    return LocalReply(None, error, context.initial_metadata, context.trailing_metadata)


def peer_of(client: tuple[str, int] | None) -> str:
    """Return the gRPC-style peer string ("ipv4:1.2.3.4:5", "ipv6:[::1]:5") of an ASGI client address."""
    if not client:
        return ""
    host, port = client[0], client[1]
    return f"ipv6:[{host}]:{port}" if ":" in host else f"ipv4:{host}:{port}"
