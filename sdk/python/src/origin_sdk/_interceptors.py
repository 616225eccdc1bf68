"""Client interceptors that give every call on an OriginClient channel the same rules.

Unary calls get a request ID, the bearer token, a deadline, one token refresh
after UNAUTHENTICATED, retries after UNAVAILABLE, and typed exceptions.
Streaming calls get the request ID and the bearer token only: their
deadlines and reconnects belong to the code that reads them, such as
`BoardWatch`.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable

import grpc
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from origin_sdk import errors
from origin_sdk.retry import RetryPolicy

logger = logging.getLogger("origin_sdk.client")

# AuthService methods that take no access token. The server checks any token
# it is sent, so sending a stale one to these would make sign-in fail.
ANONYMOUS_METHODS = frozenset(
    f"/origin.v1.AuthService/{name}"
    for name in (
        "CreateUser",
        "CreateToken",
        "CompleteSignIn",
        "RefreshToken",
        "VerifyEmail",
        "SendVerificationCode",
        "RequestPasswordReset",
        "ResetPassword",
        "ConfirmEmailChange",
    )
)


class TokenSource:
    """The sign-in state that the interceptors read: a token per method, and a refresh."""

    async def bearer_token(self, method: str) -> str | None:
        """Return the token to send with `method`, refreshed first when it is about to expire."""
        raise NotImplementedError

    async def refresh_rejected(self, rejected: str) -> bool:
        """Refresh after the server rejected `rejected`; return False when no refresh is possible."""
        raise NotImplementedError


def method_name(details: grpc.aio.ClientCallDetails) -> str:
    method = details.method
    return method.decode("ascii") if isinstance(method, bytes) else method


def call_metadata(
    metadata: grpc.aio.Metadata | None, request_id: str, token: str | None
) -> tuple[grpc.aio.Metadata, str]:
    """Add `x-request-id` and `authorization` unless the caller set them; return the metadata and the request ID in it."""
    merged = grpc.aio.Metadata(*(tuple(metadata) if metadata else ()))
    if errors.REQUEST_ID_KEY in merged:
        request_id = str(merged[errors.REQUEST_ID_KEY])
    else:
        merged.add(errors.REQUEST_ID_KEY, request_id)
    if token and "authorization" not in merged:
        merged.add("authorization", f"Bearer {token}")
    return merged, request_id


def with_request_id(request: Message, request_id: str) -> Message:
    """Fill an empty `request_id` field of a write with the call's request ID, on a copy.

    The server returns the first result for a repeated `request_id`, so every
    retry of this call carries the same one.
    """
    field = request.DESCRIPTOR.fields_by_name.get("request_id")
    if field is None or field.type != FieldDescriptor.TYPE_STRING or getattr(request, "request_id"):
        return request
    filled = type(request)()
    filled.CopyFrom(request)
    setattr(filled, "request_id", request_id)
    return filled


class UnaryUnaryPolicy(grpc.aio.UnaryUnaryClientInterceptor):
    def __init__(self, tokens: TokenSource, timeout: float | None, retry: RetryPolicy):
        self._tokens = tokens
        self._timeout = timeout
        self._retry = retry

    async def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Message], Awaitable[grpc.aio.UnaryUnaryCall]],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Message,
    ) -> Message:
        loop = asyncio.get_running_loop()
        method = method_name(client_call_details)
        request_id = uuid.uuid4().hex
        timeout = client_call_details.timeout if client_call_details.timeout is not None else self._timeout
        # One deadline covers the call with its retries and refresh.
        deadline = None if timeout is None else loop.time() + timeout
        attempt = 0
        refreshed = False

        while True:
            attempt += 1
            token = await self._tokens.bearer_token(method)
            metadata, request_id = call_metadata(client_call_details.metadata, request_id, token)
            request = with_request_id(request, request_id)
            remaining = None if deadline is None else max(deadline - loop.time(), 0.0)
            details = client_call_details._replace(timeout=remaining, metadata=metadata)
            try:
                call = await continuation(details, request)
                return await call
            except grpc.aio.AioRpcError as error:
                code = error.code()
                if code == grpc.StatusCode.UNAUTHENTICATED and token and not refreshed:
                    refreshed = True
                    if await self._tokens.refresh_rejected(token):
                        logger.info("retrying %s (request %s) with a refreshed access token", method, request_id)
                        continue
                delay = self._retry_delay(code, attempt, deadline, loop.time())
                if delay is None:
                    raise errors.from_rpc_error(error)
                logger.warning(
                    "%s (request %s) failed with UNAVAILABLE: %s; retry %d in %.2f s",
                    method, request_id, error.details(), attempt, delay,
                )
                await asyncio.sleep(delay)

    def _retry_delay(self, code: grpc.StatusCode, attempt: int, deadline: float | None, now: float) -> float | None:
        """Return the wait before the next attempt, or None when the call must fail now."""
        if code != grpc.StatusCode.UNAVAILABLE or attempt >= self._retry.max_attempts:
            return None
        delay = self._retry.backoff(attempt)
        if deadline is not None and now + delay >= deadline:
            return None
        return delay


class UnaryStreamMetadata(grpc.aio.UnaryStreamClientInterceptor):
    def __init__(self, tokens: TokenSource):
        self._tokens = tokens

    async def intercept_unary_stream(self, continuation, client_call_details, request):
        token = await self._tokens.bearer_token(method_name(client_call_details))
        metadata, _ = call_metadata(client_call_details.metadata, uuid.uuid4().hex, token)
        return await continuation(client_call_details._replace(metadata=metadata), request)


class StreamUnaryMetadata(grpc.aio.StreamUnaryClientInterceptor):
    def __init__(self, tokens: TokenSource):
        self._tokens = tokens

    async def intercept_stream_unary(self, continuation, client_call_details, request_iterator):
        token = await self._tokens.bearer_token(method_name(client_call_details))
        metadata, _ = call_metadata(client_call_details.metadata, uuid.uuid4().hex, token)
        return await continuation(client_call_details._replace(metadata=metadata), request_iterator)


class StreamStreamMetadata(grpc.aio.StreamStreamClientInterceptor):
    def __init__(self, tokens: TokenSource):
        self._tokens = tokens

    async def intercept_stream_stream(self, continuation, client_call_details, request_iterator):
        token = await self._tokens.bearer_token(method_name(client_call_details))
        metadata, _ = call_metadata(client_call_details.metadata, uuid.uuid4().hex, token)
        return await continuation(client_call_details._replace(metadata=metadata), request_iterator)
