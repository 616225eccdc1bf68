"""The interceptor chain, written once: request ID, authentication, error mapping, one log line per RPC.

grpc.aio interceptors see only the method name before the call, so this one
wraps the method's handler: the wrapper runs inside the call, where it can read
metadata, set the caller for the domain, and turn exceptions into statuses.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
import time
import urllib.parse
import uuid

import grpc
from grpc.aio import AbortError

from server import policy
from server.deps import Deps
from server.domain import api_keys, security
from server.domain.callers import ANONYMOUS, Caller
from server.errors import OriginError, PermissionDenied, Unauthenticated
from server.services.status import internal_status, status_proto, to_grpc_status

logger = logging.getLogger("origin.rpc")

_caller: contextvars.ContextVar[Caller] = contextvars.ContextVar("caller", default=ANONYMOUS)
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# The bearer token of the call, for streams that check it again later. Never logged.
_bearer_token: contextvars.ContextVar[str] = contextvars.ContextVar("bearer_token", default="")
# The client's IP address from the gRPC peer, for per-address limits and session records.
_client_address: contextvars.ContextVar[str] = contextvars.ContextVar("client_address", default="")


def current_caller() -> Caller:
    return _caller.get()


def current_request_id() -> str:
    return _request_id.get()


def current_bearer_token() -> str:
    return _bearer_token.get()


def current_client_address() -> str:
    return _client_address.get()


def _peer_address(peer: str | None) -> str:
    """Return the IP address of a gRPC peer such as "ipv4:127.0.0.1:5000" or "ipv6:[::1]:5000".

    Unary REST calls through the in-process gateway carry the HTTP client's
    address (server/gateway/local.py).
    NOTE: streams through the gateway, and every call through a gateway
    running as its own process, arrive from the gateway's address, so
    per-address limits count them as one client.
    """
    if not peer:
        return ""
    kind, _, rest = urllib.parse.unquote(peer).partition(":")
    if kind == "ipv6":
        return rest.rpartition(":")[0].strip("[]")
    if kind == "ipv4":
        return rest.rpartition(":")[0]
    return kind


class _CallLog:
    """The fields of one call's log line, filled in as the call runs."""

    def __init__(self, method: str):
        self.method = method
        self.start = time.perf_counter()
        self.code = "OK"
        self.request_id = ""
        self.caller = "anonymous"

    def write(self, error: BaseException | None = None) -> None:
        duration_ms = (time.perf_counter() - self.start) * 1000
        fields = (self.method, self.code, duration_ms, self.request_id, self.caller)
        line = "rpc method=%s code=%s duration_ms=%.1f request_id=%s caller=%s"
        if self.code == "INTERNAL":
            logger.error(line, *fields, exc_info=error)
        else:
            logger.info(line, *fields)


class OriginInterceptor(grpc.aio.ServerInterceptor):
    def __init__(self, deps: Deps):
        self.deps = deps
        # One wrapped handler per method, reused while the server returns the
        # same handler for it. A wrapper made per call would stay alive as
        # long as its stream does, which costs every open watch memory.
        self._wrapped: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    async def intercept_service(self, continuation, handler_call_details):
        handler = await continuation(handler_call_details)
        if handler is None:
            return None
        method = handler_call_details.method
        cached = self._wrapped.get(method)
        if cached is not None and cached[0] is handler:
            return cached[1]
        wrapped = self._wrap(handler, method)
        self._wrapped[method] = (handler, wrapped)
        return wrapped

    def _wrap(self, handler, method: str):
        required = policy.POLICIES.get(method)

        if handler.unary_unary:
            return grpc.unary_unary_rpc_method_handler(
                self._wrap_unary(handler.unary_unary, method, required),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream:
            return grpc.unary_stream_rpc_method_handler(
                self._wrap_stream(handler.unary_stream, method, required),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.stream_unary:
            return grpc.stream_unary_rpc_method_handler(
                self._wrap_unary(handler.stream_unary, method, required),
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        return grpc.stream_stream_rpc_method_handler(
            self._wrap_stream(handler.stream_stream, method, required),
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )

    def _wrap_unary(self, behavior, method, required):
        async def wrapper(request, context):
            log = _CallLog(method)
            error = None
            try:
                await self._begin(context, log, required)
                return await behavior(request, context)
            except BaseException as exc:
                error = exc
                await self._fail(context, log, exc)
            finally:
                log.write(error)

        return wrapper

    def _wrap_stream(self, behavior, method, required):
        # Handlers written with `await context.write(...)` are coroutines;
        # those written as async generators need a generator wrapper.
        if not inspect.isasyncgenfunction(behavior):
            return self._wrap_unary(behavior, method, required)

        async def wrapper(request, context):
            log = _CallLog(method)
            error = None
            try:
                await self._begin(context, log, required)
                async for response in behavior(request, context):
                    yield response
            except BaseException as exc:
                error = exc
                await self._fail(context, log, exc)
            finally:
                log.write(error)

        return wrapper

    async def _begin(self, context, log: _CallLog, required: str | None) -> None:
        metadata = {key: value for key, value in (context.invocation_metadata() or ()) if isinstance(value, str)}
        log.request_id = _clean_request_id(metadata.get("x-request-id"))
        _request_id.set(log.request_id)
        await context.send_initial_metadata((("x-request-id", log.request_id),))
        _client_address.set(_peer_address(context.peer()))

        if "x-api-key" in metadata:
            caller = await self._authenticate_api_key(metadata)
        else:
            caller = await self._authenticate(metadata.get("authorization"))
        _caller.set(caller)
        log.caller = caller.describe()

        if required is None:
            raise PermissionDenied("this method is not open to any caller", reason="METHOD_NOT_ALLOWED")
        if caller.api_key is not None:
            _check_api_key_method(caller, log.method)
            return
        if required == policy.USER:
            caller.require_user()
        elif required == policy.DEVICE:
            caller.require_device()

    async def _authenticate(self, authorization: str | None) -> Caller:
        if not authorization:
            return ANONYMOUS
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("the authorization header must be 'Bearer <token>'", reason="BAD_AUTHORIZATION")
        token = token.strip()
        _bearer_token.set(token)
        if token.startswith(security.DEVICE_TOKEN_PREFIX):
            device = await self.deps.device_tokens.authenticate(self.deps, token)
            return Caller(device=device)
        settings = self.deps.settings
        claims = security.check_access_token(self.deps.jwt_secret, settings.jwt_issuer, token)
        await self.deps.sessions.require_live(self.deps, claims)
        return Caller(user_id=claims.user_id, session_id=claims.session_id)

    async def _authenticate_api_key(self, metadata: dict[str, str]) -> Caller:
        """Resolve a partner's `x-api-key`; a call carries either it or an authorization header, never both."""
        if metadata.get("authorization"):
            raise Unauthenticated(
                "send either an x-api-key or an authorization header, not both", reason="BAD_AUTHORIZATION"
            )
        key = await api_keys.authenticate(self.deps, metadata["x-api-key"].strip())
        return Caller(api_key=key)

    async def _fail(self, context, log: _CallLog, exc: BaseException) -> None:
        """Turn an exception into the call's status, or let it pass when it already is one."""
        if isinstance(exc, asyncio.CancelledError):
            log.code = "CANCELLED"
            raise exc
        if isinstance(exc, AbortError):
            log.code = _code_name(context)
            raise exc
        if isinstance(exc, OriginError):
            log.code = exc.code
            await context.abort_with_status(to_grpc_status(status_proto(exc)))
        if isinstance(exc, Exception):
            log.code = "INTERNAL"
            await context.abort_with_status(to_grpc_status(internal_status(log.request_id)))
        raise exc


def _check_api_key_method(caller: Caller, method: str) -> None:
    """Let an API key call only the methods of its scopes; the domain checks the arcade."""
    scope = policy.API_KEY_SCOPES.get(method)
    if scope is None:
        raise PermissionDenied("API keys cannot call this method", reason="API_KEY_SCOPE")
    if scope not in caller.api_key.scopes:
        raise PermissionDenied(f"this call needs an API key with the {scope} scope", reason="API_KEY_SCOPE")


def _clean_request_id(value: str | None) -> str:
    """Keep a client's request ID if it is short and printable, else make one."""
    if value and len(value) <= 128 and value.isprintable():
        return value
    return uuid.uuid4().hex


def _code_name(context) -> str:
    try:
        code = context.code()
    except Exception:
        return "UNKNOWN"
    if isinstance(code, grpc.StatusCode):
        return code.name
    return str(code) if code is not None else "UNKNOWN"
